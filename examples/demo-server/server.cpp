// server.cpp — the event loop, connection handling and routes of demo-server (see server.h).
#include "server.h"

#include <fmt/core.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "leaks.h"
#include "log.h"

namespace demo_server {
namespace {

// Pipelined requests are answered only while less than this is waiting to be written, so a
// client that sends without reading cannot make the server buffer without bound.
constexpr std::size_t kMaxPendingOutput = 64 * 1024;
// A refused client gets this much of its input discarded before the connection is closed.
constexpr std::size_t kMaxDrainBytes = 1024 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;

constexpr std::uint32_t kReadable = EPOLLIN | EPOLLRDHUP;

constexpr const char* kDegradedReason = "worker pool shut down";

std::string LeakKindList() {
  std::string list;
  for (std::string_view kind : kLeakKinds) {
    if (!list.empty()) list += ", ";
    list += kind;
  }
  return list;
}

Response Text(int status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

Response Json(int status, const nlohmann::ordered_json& body) {
  Response response;
  response.status = status;
  response.content_type = "application/json";
  response.body = body.dump();
  return response;
}

// What a failed assertion in a GUI's UI loop does; the fixture tests look for this text.
[[noreturn, gnu::noinline]] void FailUiLoopAssertion() {
  std::fputs("demo-server: assertion failed: ui_loop.cpp:142: widget != nullptr\n", stderr);
  std::fflush(stderr);
  std::abort();
}

// A hung event loop: nothing is read, answered or accepted any more. SIGTERM stays blocked (it
// is only ever read from the signalfd, which nobody polls now), so only SIGKILL ends this.
[[noreturn, gnu::noinline]] void HangEventLoop() {
  for (;;) pause();
}

}  // namespace

Server::Server(Fd signals, ServerOptions options, SharedState& shared)
    : signals_(std::move(signals)), options_(options), shared_(shared) {}

Status Server::Watch(int fd, std::uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.fd = fd;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
    return Status::FromErrno("epoll_ctl(ADD)");
  }
  return Status::Ok();
}

Status Server::Init() {
  epoll_ = Fd(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_) return Status::FromErrno("epoll_create1");
  return Watch(signals_.get(), EPOLLIN);
}

Status Server::Run(Fd listener) {
  listener_ = std::move(listener);
  std::uint32_t accept_events = options_.shared_listener ? EPOLLIN | EPOLLEXCLUSIVE : EPOLLIN;
  if (Status s = Watch(listener_.get(), accept_events); !s.ok()) return s;
  for (;;) {
    epoll_event events[64];
    int n = epoll_wait(epoll_.get(), events, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listener_.get()) {
        AcceptAll();
      } else if (fd == signals_.get()) {
        if (HandleSignals()) {
          // Closing the listener first refuses new clients at once; the connections follow.
          listener_.Reset();
          connections_.clear();
          return Status::Ok();
        }
      } else {
        HandleConnectionEvent(fd, events[i].events);
      }
    }
    if (retiring_) {
      // The other workers take the new connections (the single-process server refuses them).
      listener_.Reset();
      if (AllFlushed()) {
        connections_.clear();
        return Status::Ok();
      }
    }
  }
}

void Server::AcceptAll() {
  for (;;) {
    int fd = accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != last_accept_errno_) LogError("accept: {}", std::strerror(errno));
      last_accept_errno_ = errno;
      return;
    }
    last_accept_errno_ = 0;
    auto connection = std::make_unique<Connection>();
    connection->fd = Fd(fd);
    int one = 1;
    // Answers are written whole; do not let Nagle hold one back behind an unacknowledged one.
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (Status s = Watch(fd, kReadable); !s.ok()) {
      LogError("{}", s.message());
      continue;  // `connection` closes the socket
    }
    connection->interest = kReadable;
    connections_[fd] = std::move(connection);
  }
}

bool Server::HandleSignals() {
  bool stop = false;
  for (;;) {
    signalfd_siginfo info{};
    ssize_t n = read(signals_.get(), &info, sizeof info);
    if (n != static_cast<ssize_t>(sizeof info)) return stop;  // EAGAIN: all read
    int signal_number = static_cast<int>(info.ssi_signo);
    if (signal_number == SIGTERM && options_.ignore_sigterm) {
      Log("ignoring SIGTERM");
      continue;
    }
    Log("stopping on {}", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
    stop = true;
  }
}

void Server::HandleConnectionEvent(int fd, std::uint32_t events) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  Connection& connection = *it->second;
  if (events & EPOLLERR) {
    CloseConnection(connection);
    return;
  }
  if (connection.draining) {
    Drain(connection);
    return;
  }
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) && !connection.peer_done) {
    char buffer[kReadChunk];
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      connection.in.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      connection.peer_done = true;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      CloseConnection(connection);  // ECONNRESET and the like: nobody to answer
      return;
    }
  }
  Advance(connection);
}

void Server::Advance(Connection& connection) {
  for (;;) {
    bool answered = AnswerRequests(connection);
    if (!Flush(connection)) {
      CloseConnection(connection);
      return;
    }
    // Output written out whole may have unblocked pipelined requests held back by
    // kMaxPendingOutput: answer them too.
    if (!answered || !connection.out.empty()) break;
  }
  if (connection.out.empty()) {
    if (connection.close_when_flushed && connection.linger && !connection.peer_done) {
      shutdown(connection.fd.get(), SHUT_WR);
      connection.draining = true;
      SetInterest(connection, kReadable);
      return;
    }
    // A half-closed client has had every complete request answered: an incomplete rest is
    // never going to be completed.
    if (connection.close_when_flushed || connection.peer_done) {
      CloseConnection(connection);
      return;
    }
    SetInterest(connection, kReadable);
  } else {
    // Not reading while an answer waits to be written: that is the back pressure.
    SetInterest(connection, EPOLLOUT);
  }
}

bool Server::AnswerRequests(Connection& connection) {
  bool answered = false;
  while (!connection.close_when_flushed && connection.out.size() < kMaxPendingOutput) {
    ParsedRequest parsed = ParseRequest(connection.in);
    if (parsed.outcome == ParseOutcome::kIncomplete) break;
    answered = true;
    if (parsed.outcome == ParseOutcome::kError) {
      Log("malformed request -> {} ({})", parsed.error_status, parsed.error_detail);
      connection.out += FormatResponse(Text(parsed.error_status, parsed.error_detail), false);
      connection.close_when_flushed = true;
      connection.linger = true;
      connection.in.clear();
      break;
    }
    const Request& request = parsed.request;
    Response response = Route(request);
    Log("{} {} -> {}", request.method, request.target, response.status);
    // A retiring process is about to close every connection: say so to the client.
    bool keep_alive = request.keep_alive && !retiring_;
    connection.out += FormatResponse(response, keep_alive);
    connection.in.erase(0, parsed.consumed);
    if (!keep_alive) {
      connection.close_when_flushed = true;
      // Anything the client sent after "Connection: close" is not going to be answered.
      connection.linger = !connection.in.empty();
    }
  }
  return answered;
}

Response Server::Route(const Request& request) {
  if (request.method != "GET") {
    Response response = Text(405, request.method + " is not allowed; only GET is");
    response.extra_headers.emplace_back("Allow", "GET");
    return response;
  }
  const std::string& path = request.path;
  if (path == "/health") {
    if (!shared_.degraded()) return Json(200, {{"status", "ok"}});
    return Json(200, {{"status", "degraded"}, {"reason", kDegradedReason}});
  }
  if (path == "/whoami") return Text(200, fmt::format("pid {}", getpid()));
  if (path == "/work") return WorkRoute();
  if (path == "/leak" || path.rfind("/leak/", 0) == 0) {
    return LeakRoute(path.size() > 6 ? std::string_view(path).substr(6) : "");
  }
  if (path == "/degrade") {
    shared_.SetDegraded();
    return Text(200, "degraded");
  }
  if (path == "/retire") {
    retiring_ = true;
    return Text(200, fmt::format("retiring pid {}", getpid()));
  }
  if (path == "/nondumpable") {
    // Makes /proc/PID/fd (and the rest of /proc/PID that needs ptrace access) unreadable to
    // every unprivileged user, the server's own included.
    if (prctl(PR_SET_DUMPABLE, 0) != 0) {
      return Text(500, "PR_SET_DUMPABLE: " + std::string(std::strerror(errno)));
    }
    return Text(200, fmt::format("pid {} is not dumpable", getpid()));
  }
  if (path == "/crash") {
    Log("{} {} -> crash", request.method, request.target);
    FailUiLoopAssertion();
  }
  if (path == "/hang") {
    Log("{} {} -> hang (no answer, ever)", request.method, request.target);
    HangEventLoop();
  }
  return Text(404, "not found: " + path);
}

Response Server::WorkRoute() {
  ++work_requests_;
  bool leak = options_.leak_every > 0 &&
              work_requests_ % static_cast<std::uint64_t>(options_.leak_every) == 0;
  if (Status s = DoWork(leak); !s.ok()) return Text(500, "work failed: " + s.message());
  return Text(200, "ok");
}

Response Server::LeakRoute(std::string_view kind) {
  if (!IsLeakKind(kind)) {
    return Text(404, "unknown leak kind \"" + std::string(kind) + "\"; kinds: " + LeakKindList());
  }
  if (Status s = Leak(kind); !s.ok()) return Text(500, "leak failed: " + s.message());
  return Text(200, fmt::format("leaked {} in pid {}", kind, getpid()));
}

bool Server::AllFlushed() const {
  for (const auto& [fd, connection] : connections_) {
    if (!connection->out.empty()) return false;
  }
  return true;
}

bool Server::Flush(Connection& connection) {
  while (!connection.out.empty()) {
    ssize_t n =
        send(connection.fd.get(), connection.out.data(), connection.out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    connection.out.erase(0, static_cast<std::size_t>(n));
  }
  return true;
}

void Server::Drain(Connection& connection) {
  char buffer[kReadChunk];
  ssize_t n = read(connection.fd.get(), buffer, sizeof buffer);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n > 0) connection.drained += static_cast<std::size_t>(n);
  if (n <= 0 || connection.drained > kMaxDrainBytes) CloseConnection(connection);
}

void Server::SetInterest(Connection& connection, std::uint32_t events) {
  if (connection.interest == events) return;
  epoll_event event{};
  event.events = events;
  event.data.fd = connection.fd.get();
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, connection.fd.get(), &event) != 0) {
    LogError("epoll_ctl(MOD): {}", std::strerror(errno));
    CloseConnection(connection);
    return;
  }
  connection.interest = events;
}

void Server::CloseConnection(Connection& connection) {
  // Closing the socket also removes it from the epoll (nothing else holds it).
  connections_.erase(connection.fd.get());
}

}  // namespace demo_server
