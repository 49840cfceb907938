// control_client.cpp — the test process's end of the control channel.
//
// Every wait is bounded by the timeout and every failure ends in "disconnected": the runner is an
// observer, and nothing it does (answering late, dying, sending garbage) may hang, kill or fail the
// tests it observes. Hence MSG_NOSIGNAL (no SIGPIPE), non-blocking sends and poll() with a
// deadline that EINTR does not reset.
#include "leakwatch/control_client.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "leakwatch/duration.h"

namespace leakwatch::control {
namespace {

// "60 s", "200 ms": how the warnings state the timeout.
std::string SpokenDuration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return fmt::format("{} s", d.count() / 1000);
  return fmt::format("{} ms", d.count());
}

// What a warning calls a message: "case-end Suite.Case".
std::string Describe(const Message& message) {
  switch (message.type) {
    case MessageType::kHello:
      return "hello";
    case MessageType::kPlan:
      return "plan " + message.case_id;
    case MessageType::kCaseBegin:
      return "case-begin " + message.case_id;
    case MessageType::kCaseEnd:
      return "case-end " + message.case_id;
    case MessageType::kBye:
      return "bye";
    case MessageType::kOk:
      return "ok";
    case MessageType::kLeak:
      return "leak";
  }
  return "a message";
}

// Milliseconds left until `deadline` for poll(), never negative, rounded up so that a wait does
// not end a little before its deadline and spin.
int PollTimeout(std::chrono::steady_clock::time_point deadline) {
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 1'000'000'000));
}

void Warn(const std::string& text) {
  // One write: a warning is one line even when other output interleaves with it.
  std::string line = "leakwatch: " + text + "\n";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

std::chrono::milliseconds TimeoutFromEnvironment() {
  const char* value = std::getenv(kControlTimeoutVariable);
  if (value == nullptr || *value == '\0') return kDefaultControlTimeout;
  Result<std::chrono::nanoseconds> parsed = ParseDuration(value);
  if (!parsed) {
    Warn(fmt::format("ignoring {}: {}; waiting at most {} for the runner", kControlTimeoutVariable,
                     parsed.error().message(), SpokenDuration(kDefaultControlTimeout)));
    return kDefaultControlTimeout;
  }
  return std::chrono::ceil<std::chrono::milliseconds>(*parsed);
}

// Why `fd` cannot be the control channel, or "" when it can.
std::string Unusable(int fd) {
  int type = 0;
  socklen_t length = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0) {
    if (errno == EBADF) return fmt::format("fd {} is not open", fd);
    if (errno == ENOTSOCK) return fmt::format("fd {} is not a socket", fd);
    return fmt::format("fd {}: {}", fd, std::strerror(errno));
  }
  if (type != SOCK_SEQPACKET) return fmt::format("fd {} is not a SOCK_SEQPACKET socket", fd);
  int domain = 0;
  length = sizeof domain;
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) != 0 || domain != AF_UNIX) {
    return fmt::format("fd {} is not a Unix socket", fd);
  }
  return "";
}

}  // namespace

std::unique_ptr<ControlClient> ControlClient::FromEnvironment(const std::string& framework) {
  const char* value = std::getenv(kControlFdVariable);
  if (value == nullptr) return nullptr;
  const std::string_view text(value);
  int fd = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), fd);
  std::string why;
  if (ec != std::errc() || end != text.data() + text.size() || fd < 0) {
    why = "not a file descriptor number";
  } else {
    why = Unusable(fd);
  }
  if (!why.empty()) {
    Warn(fmt::format("ignoring {}={}: {}", kControlFdVariable, text, why));
    return nullptr;
  }
  // Programs the tests start must not hold the channel: they would keep it open after this
  // process exits (hiding its EOF from the runner) and could talk on it.
  int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);

  const char* answers = std::getenv(kControlAnswersVariable);
  auto client =
      std::make_unique<ControlClient>(UniqueFd(fd), TimeoutFromEnvironment(),
                                      answers == nullptr || std::string_view(answers) != "none");
  Message hello;
  hello.type = MessageType::kHello;
  hello.pid = ::getpid();
  hello.framework = framework;
  client->Send(hello, "hello", Clock::now() + client->timeout_);
  return client;
}

ControlClient::ControlClient(UniqueFd fd, std::chrono::milliseconds timeout, bool answers)
    : fd_(std::move(fd)), timeout_(timeout), answers_(answers) {}

ControlClient::~ControlClient() {
  Bye();
}

void ControlClient::Plan(const std::string& case_id) {
  Message message;
  message.type = MessageType::kPlan;
  message.case_id = case_id;
  Send(message, Describe(message), Clock::now() + timeout_);
}

Reply ControlClient::CaseBegin(const std::string& case_id) {
  Message message;
  message.type = MessageType::kCaseBegin;
  message.case_id = case_id;
  return Exchange(message);
}

Reply ControlClient::CaseEnd(const std::string& case_id, CaseOutcome outcome) {
  Message message;
  message.type = MessageType::kCaseEnd;
  message.case_id = case_id;
  message.outcome = outcome;
  return Exchange(message);
}

void ControlClient::Bye() {
  if (!fd_) return;
  Message bye;
  bye.type = MessageType::kBye;
  const std::string packet = Format(bye);
  // No wait and no warning: the runner needs no answer, and learns the same from the EOF.
  ssize_t n;
  do {
    n = ::send(fd_.get(), packet.data(), packet.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  fd_.reset();
}

bool ControlClient::Send(const Message& message, const std::string& what,
                         Clock::time_point deadline) {
  if (!fd_) return false;
  const std::string packet = Format(message);
  for (;;) {
    ssize_t n = ::send(fd_.get(), packet.data(), packet.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n == static_cast<ssize_t>(packet.size())) return true;
    if (n >= 0) {
      // SOCK_SEQPACKET sends a packet whole or not at all; anything else is not our channel.
      Disconnect(fmt::format("the runner took only {} of {} bytes of {}", n, packet.size(), what));
      return false;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      Disconnect(fmt::format("cannot send {} to the runner: {}", what, std::strerror(errno)));
      return false;
    }
    // The runner has not read what we sent before: wait for room, as long as for an answer.
    pollfd p{fd_.get(), POLLOUT, 0};
    int ready = ::poll(&p, 1, PollTimeout(deadline));
    if (ready < 0 && errno != EINTR) {
      Disconnect(fmt::format("cannot send {} to the runner: {}", what, std::strerror(errno)));
      return false;
    }
    if (ready == 0 && Clock::now() >= deadline) {
      Disconnect(
          fmt::format("the runner did not take {} within {}", what, SpokenDuration(timeout_)));
      return false;
    }
  }
}

Reply ControlClient::Exchange(const Message& message) {
  if (!fd_) return {};
  const std::string what = Describe(message);
  const Clock::time_point deadline = Clock::now() + timeout_;
  if (!Send(message, what, deadline)) return {};
  if (!answers_) return {};  // nothing is checked, so nothing is answered: not "answered"

  std::vector<char> buffer(kMaxPacket);
  for (;;) {
    pollfd p{fd_.get(), POLLIN, 0};
    int ready = ::poll(&p, 1, PollTimeout(deadline));
    if (ready < 0) {
      if (errno == EINTR) continue;  // the deadline stays where it was
      Disconnect(
          fmt::format("waiting for the runner's answer to {}: {}", what, std::strerror(errno)));
      return {};
    }
    if (ready == 0) {
      if (Clock::now() < deadline) continue;
      Disconnect(
          fmt::format("the runner did not answer {} within {}", what, SpokenDuration(timeout_)));
      return {};
    }
    // MSG_TRUNC: the packet's real length, so that an oversized one is refused, not cut.
    ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      Disconnect(fmt::format("reading the runner's answer to {}: {}", what, std::strerror(errno)));
      return {};
    }
    if (n == 0) {
      Disconnect(fmt::format("the runner closed the control channel before answering {}", what));
      return {};
    }
    if (static_cast<std::size_t>(n) > buffer.size()) {
      Disconnect(
          fmt::format("the runner's answer to {} is longer than {} bytes", what, buffer.size()));
      return {};
    }
    Result<Message> reply = Parse(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    if (!reply) {
      Disconnect(fmt::format("the runner answered {} with a {}", what, reply.error().message()));
      return {};
    }
    if (reply->type == MessageType::kOk) return Reply{true, false, ""};
    if (reply->type == MessageType::kLeak) return Reply{true, true, std::move(reply->summary)};
    Disconnect(
        fmt::format("the runner answered {} with \"{}\", not ok or leak", what, Format(*reply)));
    return {};
  }
}

void ControlClient::Disconnect(const std::string& why) {
  fd_.reset();
  Warn(why + "; carrying on without it");
}

}  // namespace leakwatch::control
