// main.cpp — demo-server: a small HTTP/1.1 server on 127.0.0.1 with switchable leaks, a crash,
// a hang, a degraded health state, a slow start and a daemonising grandchild; leakwatch's
// fixture tests, benchmarks and demo run against it.
//
//   demo-server [--port N | --listen-fds] [--slow-start MS] [--ignore-sigterm]
//               [--daemon-helper] [--notify] [--leak-every N]
//
// Startup, in this order (all log lines on stdout, flushed line by line):
//   --daemon-helper   "demo-server: daemon helper pid=<pid>"
//   --slow-start MS   sleep
//   bind + listen     "demo-server: listening on 127.0.0.1:<port> pid=<pid> monotonic_ns=<ns>"
//                     (CLOCK_MONOTONIC read right after listen(), for readiness latency)
//   --notify          "READY=1\nMAINPID=<pid>" to $NOTIFY_SOCKET
// then the event loop (server.h). Exit status: 0 after SIGTERM/SIGINT, 1 on a runtime failure
// (e.g. "demo-server: bind 127.0.0.1:8080: Address already in use" on stderr), 2 on a usage
// error (bad flags, a missing NOTIFY_SOCKET, a LISTEN_PID that is not ours).
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fd.h"
#include "log.h"
#include "server.h"
#include "startup.h"

namespace demo_server {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct Flags {
  int port = 0;
  bool listen_fds = false;
  int slow_start_ms = 0;
  bool ignore_sigterm = false;
  bool daemon_helper = false;
  bool notify = false;
  int leak_every = 0;
};

// Returns the exit status for a parse that ends the program (--help, bad flags), or -1.
int ParseFlags(int argc, char** argv, Flags& flags) {
  CLI::App app{
      "demo-server: a small HTTP/1.1 server on 127.0.0.1 that leaks, crashes, hangs "
      "and degrades on request, for testing leakwatch.",
      "demo-server"};
  CLI::Option* port = app.add_option("--port", flags.port, "TCP port on 127.0.0.1 (0: any free)")
                          ->check(CLI::Range(0, 65535));
  app.add_flag("--listen-fds", flags.listen_fds,
               "serve on fd 3, passed by systemd-style socket activation (LISTEN_PID, LISTEN_FDS)")
      ->excludes(port);
  app.add_option("--slow-start", flags.slow_start_ms, "sleep MS milliseconds before listening")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--ignore-sigterm", flags.ignore_sigterm, "log SIGTERM and go on serving");
  app.add_flag("--daemon-helper", flags.daemon_helper,
               "start a daemonising grandchild (setsid, double fork) that outlives the server");
  app.add_flag("--notify", flags.notify, "send READY=1 to $NOTIFY_SOCKET once listening");
  app.add_option("--leak-every", flags.leak_every,
                 "every Nth /work request leaks a pidfd (0: never)")
      ->check(CLI::NonNegativeNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help or the error; its own exit codes (100+) are not ours.
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  return -1;
}

// A descriptor number below 3 that is not open would be handed to the first socket we open and
// then be mistaken for stdio; give it /dev/null instead.
void EnsureStandardFds() {
  for (int fd = 0; fd < 3; ++fd) {
    if (fcntl(fd, F_GETFD) >= 0) continue;
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0 && null_fd != fd) {
      dup2(null_fd, fd);
      close(null_fd);
    }
  }
}

std::int64_t MonotonicNanoseconds() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

void SleepMilliseconds(int ms) {
  timespec left{ms / 1000, static_cast<long>(ms % 1000) * 1'000'000};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

int Main(int argc, char** argv) {
  // Fixtures wait for our lines on a pipe: never hold one back in a buffer.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  Flags flags;
  if (int status = ParseFlags(argc, argv, flags); status >= 0) return status;

  // Before anything opens a descriptor, which could otherwise take the free number 3.
  if (flags.listen_fds) {
    if (Status s = CheckListenFds(); !s.ok()) {
      LogError("{}", s.message());
      return kExitUsage;
    }
  }
  EnsureStandardFds();
  const char* notify_socket = std::getenv("NOTIFY_SOCKET");
  if (flags.notify) {
    if (notify_socket == nullptr || *notify_socket == '\0') {
      LogError("--notify: NOTIFY_SOCKET is not set (it names the socket to send READY=1 to)");
      return kExitUsage;
    }
    if (Status s = CheckNotifySocket(notify_socket); !s.ok()) {
      LogError("--notify: {}", s.message());
      return kExitUsage;
    }
  }

  // A client that has gone shows up as EPIPE, not as a signal that kills us.
  signal(SIGPIPE, SIG_IGN);
  // Blocked before any child or thread exists, so that they all inherit the mask and only the
  // signalfd, read by the event loop, sees these signals. A hung loop therefore never acts on
  // SIGTERM, as a real hung UI loop would not.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  Fd signals(signalfd(-1, &stop_signals, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!signals) {
    LogError("signalfd: {}", std::strerror(errno));
    return kExitFailure;
  }

  if (flags.daemon_helper) {
    pid_t helper = 0;
    if (Status s = StartDaemonHelper(helper); !s.ok()) {
      LogError("daemon helper: {}", s.message());
      return kExitFailure;
    }
    Log("daemon helper pid={}", helper);
  }

  Server server(std::move(signals), ServerOptions{.leak_every = flags.leak_every,
                                                  .ignore_sigterm = flags.ignore_sigterm});
  if (Status s = server.Init(); !s.ok()) {
    LogError("{}", s.message());
    return kExitFailure;
  }

  if (flags.slow_start_ms > 0) SleepMilliseconds(flags.slow_start_ms);

  Fd listener;
  Status listening =
      flags.listen_fds ? TakeListenFd(listener) : ListenOnLoopback(flags.port, listener);
  std::int64_t listening_ns = MonotonicNanoseconds();
  if (!listening.ok()) {
    LogError("{}", listening.message());
    return kExitFailure;
  }
  Endpoint endpoint;
  if (Status s = LocalEndpoint(listener.get(), endpoint); !s.ok()) {
    LogError("{}", s.message());
    return kExitFailure;
  }
  Log("listening on {}:{} pid={} monotonic_ns={}", endpoint.address, endpoint.port, getpid(),
      listening_ns);

  if (flags.notify) {
    if (Status s = NotifyReady(notify_socket); !s.ok()) {
      LogError("--notify: {}", s.message());
      return kExitFailure;
    }
  }

  if (Status s = server.Run(std::move(listener)); !s.ok()) {
    LogError("{}", s.message());
    return kExitFailure;
  }
  return 0;
}

}  // namespace
}  // namespace demo_server

int main(int argc, char** argv) {
  return demo_server::Main(argc, argv);
}
