// control_test_peer.cpp — a scripted runner for the control protocol's end-to-end tests.
#include "control_test_peer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "leakwatch/unique_fd.h"

extern char** environ;

namespace leakwatch::control::testing {
namespace {

using Clock = std::chrono::steady_clock;

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// The child's environment, built before fork(): after it only async-signal-safe calls are made.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& env, int channel) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (StartsWith(entry, "LEAKWATCH_CONTROL_")) continue;  // ours when run under leakwatch run
    bool replaced = false;
    for (const std::string& add : env) {
      replaced = replaced || StartsWith(entry, add.substr(0, add.find('=') + 1));
    }
    if (!replaced) out.push_back(entry);
  }
  bool named = false;
  for (const std::string& add : env) {
    named = named || StartsWith(add, std::string(kControlFdVariable) + "=");
    out.push_back(add);
  }
  if (!named) out.push_back(std::string(kControlFdVariable) + "=" + std::to_string(channel));
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

Answer AlwaysOk(const Message&) {
  return Answer::Reply("ok");
}

PeerRun RunWithControlChannel(const std::vector<std::string>& argv,
                              const std::vector<std::string>& env, const Answerer& answer,
                              std::chrono::seconds guard) {
  PeerRun run;
  int pair[2], out[2], err[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0 ||
      pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "socketpair/pipe: " << std::strerror(errno);
    return run;
  }
  UniqueFd runner(pair[0]), channel(pair[1]);
  UniqueFd out_read(out[0]), out_write(out[1]), err_read(err[0]), err_write(err[1]);

  std::vector<std::string> args = argv;
  std::vector<char*> arg_pointers = Pointers(args);
  std::vector<std::string> environment = ChildEnvironment(env, channel.get());
  std::vector<char*> env_pointers = Pointers(environment);
  const pid_t parent = getpid();

  run.pid = fork();
  if (run.pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return run;
  }
  if (run.pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out_write.get(), 1);
    dup2(err_write.get(), 2);
    // The channel crosses exec as the runner passes it: inherited, its number in the variable.
    // Nothing else does, so that the program's own descriptors are all it sees.
    const int keep = channel.get();
    fcntl(keep, F_SETFD, 0);
    if (keep > 3) close_range(3, static_cast<unsigned>(keep) - 1, 0);
    close_range(static_cast<unsigned>(keep) + 1, ~0U, 0);
    execve(arg_pointers[0], arg_pointers.data(), env_pointers.data());
    dprintf(2, "exec %s: %s\n", arg_pointers[0], strerror(errno));
    _exit(127);
  }
  // Ours would hide the program's EOF; theirs are the program's.
  channel.reset();
  out_write.reset();
  err_write.reset();

  const Clock::time_point deadline = Clock::now() + guard;
  bool killed = false;
  auto read_packets = [&] {
    for (;;) {
      char buffer[kMaxPacket];
      ssize_t n = recv(runner.get(), buffer, sizeof buffer, MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return;  // nothing more for now
      if (n == 0) {
        runner.reset();  // the program closed its end or exited
        return;
      }
      std::string packet(buffer, static_cast<std::size_t>(n));
      run.packets.push_back(packet);
      Result<Message> message = Parse(packet);
      if (!message) {
        ADD_FAILURE() << message.error().message();
        continue;
      }
      run.messages.push_back(*message);
      if (message->type != MessageType::kCaseBegin && message->type != MessageType::kCaseEnd) {
        continue;
      }
      Answer reply = answer(*message);
      if (reply.kind == Answer::Kind::kHangUp) {
        runner.reset();
        return;
      }
      if (reply.kind == Answer::Kind::kReply) {
        EXPECT_EQ(send(runner.get(), reply.packet.data(), reply.packet.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(reply.packet.size()))
            << "answering " << packet << ": " << std::strerror(errno);
      }
    }
  };
  auto drain = [](UniqueFd& fd, std::string& sink) {
    char chunk[8192];
    ssize_t n = read(fd.get(), chunk, sizeof chunk);
    if (n > 0) {
      sink.append(chunk, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      fd.reset();
    }
  };
  while (out_read || err_read) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0 && !killed) {
      ADD_FAILURE() << argv[0] << " did not finish within " << guard.count() << " s";
      kill(run.pid, SIGKILL);
      killed = true;
    }
    pollfd fds[3] = {
        {out_read.get(), POLLIN, 0}, {err_read.get(), POLLIN, 0}, {runner.get(), POLLIN, 0}};
    if (poll(fds, 3, killed ? -1 : static_cast<int>(std::max<long>(left, 0))) < 0 &&
        errno != EINTR) {
      ADD_FAILURE() << "poll: " << std::strerror(errno);
      kill(run.pid, SIGKILL);
      break;
    }
    // Packets first: the program may be waiting for an answer before it writes more output.
    if (fds[2].revents != 0) read_packets();
    if (fds[0].revents != 0) drain(out_read, run.out);
    if (fds[1].revents != 0) drain(err_read, run.err);
  }
  int status = 0;
  while (waitpid(run.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (runner) read_packets();  // what it said just before exiting
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
  return run;
}

}  // namespace leakwatch::control::testing
