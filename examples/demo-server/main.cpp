// main.cpp — demo-server: a small HTTP/1.1 server on 127.0.0.1 with switchable leaks, a crash,
// a hang, a degraded health state, a slow start, a daemonising grandchild and a pre-fork mode;
// leakwatch's fixture tests, benchmarks and demo run against it.
//
//   demo-server [--port N | --listen-fds] [--workers N] [--slow-start MS] [--ignore-sigterm]
//               [--daemon-helper] [--notify] [--leak-every N]
//
// Startup, in this order (all log lines on stdout, flushed line by line):
//   --daemon-helper   "demo-server: daemon helper pid=<pid>"
//   --slow-start MS   sleep
//   bind + listen     (CLOCK_MONOTONIC is read right after listen(), for readiness latency)
//   --workers N       N workers forked and ready, each "demo-server: worker pid <pid> ready"
//                     (worker_pool.h)
//                     "demo-server: listening on 127.0.0.1:<port> pid=<pid> monotonic_ns=<ns>"
//                     (<pid>: the server, or with --workers its master)
//   --notify          "READY=1\nMAINPID=<pid>" to $NOTIFY_SOCKET
// then the event loop (server.h), or with --workers the master's supervision. Exit status: 0
// after SIGTERM/SIGINT or /retire (single process), 1 on a runtime failure (e.g. "demo-server:
// bind 127.0.0.1:8080: Address already in use" on stderr), 2 on a usage error (bad flags, a
// missing NOTIFY_SOCKET, a LISTEN_PID that is not ours).
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
#include <initializer_list>
#include <optional>
#include <string>

#include "fd.h"
#include "log.h"
#include "process_title.h"
#include "server.h"
#include "shared_state.h"
#include "startup.h"
#include "worker_pool.h"

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
  int workers = 0;  // 0: one process serves; N: a master and N workers
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
  app.add_option("--workers", flags.workers,
                 "pre-fork mode: a master forks N worker processes that serve the listening "
                 "socket (0: one process serves)")
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

// Blocks `numbers` and opens a signalfd (non-blocking, close-on-exec) that reads them. Blocked
// before any child or thread exists, so that they all inherit the mask and only the signalfd sees
// these signals. A hung loop therefore never acts on SIGTERM, as a real hung UI loop would not.
Status OpenSignalFd(std::initializer_list<int> numbers, Fd& signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int number : numbers) sigaddset(&set, number);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signals = Fd(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!signals) return Status::FromErrno("signalfd");
  return Status::Ok();
}

ServerOptions ServerOptionsFrom(const Flags& flags) {
  return ServerOptions{.leak_every = flags.leak_every,
                       .ignore_sigterm = flags.ignore_sigterm,
                       .shared_listener = flags.workers > 0};
}

// A worker of --workers: its own signalfd and epoll, then the event loop on the shared listener.
int ServeAsWorker(const Flags& flags, SharedState& shared, Fd listener,
                  const ReadyCallback& ready) {
  Fd signals;
  if (Status s = OpenSignalFd({SIGTERM, SIGINT}, signals); !s.ok()) {
    LogError("{}", s.message());
    return kExitFailure;
  }
  Server server(std::move(signals), ServerOptionsFrom(flags), shared);
  if (Status s = server.Init(); !s.ok()) {
    LogError("{}", s.message());
    return kExitFailure;
  }
  ready();
  if (Status s = server.Run(std::move(listener)); !s.ok()) {
    LogError("{}", s.message());
    return kExitFailure;
  }
  return 0;
}

int Main(int argc, char** argv) {
  // Taken before anything can touch argv; only workers rename themselves.
  ProcessTitle title(argc, argv);
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
  // The master of --workers also learns from it that a worker has exited.
  Fd signals;
  Status signalfd_opened = flags.workers > 0 ? OpenSignalFd({SIGTERM, SIGINT, SIGCHLD}, signals)
                                             : OpenSignalFd({SIGTERM, SIGINT}, signals);
  if (!signalfd_opened.ok()) {
    LogError("{}", signalfd_opened.message());
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

  // Mapped before any worker is forked, so that all of them share it.
  SharedState shared;
  if (Status s = shared.Map(); !s.ok()) {
    LogError("{}", s.message());
    return kExitFailure;
  }
  // The single-process server's epoll exists before it listens; a worker makes its own.
  std::optional<Server> server;
  if (flags.workers == 0) {
    server.emplace(std::move(signals), ServerOptionsFrom(flags), shared);
    if (Status s = server->Init(); !s.ok()) {
      LogError("{}", s.message());
      return kExitFailure;
    }
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
  std::optional<WorkerPool> pool;
  if (flags.workers > 0) {
    pool.emplace(
        std::move(listener), std::move(signals), title,
        WorkerPoolOptions{.workers = flags.workers, .ignore_sigterm = flags.ignore_sigterm},
        [&flags, &shared](Fd worker_listener, const ReadyCallback& ready) {
          return ServeAsWorker(flags, shared, std::move(worker_listener), ready);
        });
    if (Status s = pool->Start(); !s.ok()) {
      LogError("{}", s.message());
      return kExitFailure;
    }
  }
  Log("listening on {}:{} pid={} monotonic_ns={}", endpoint.address, endpoint.port, getpid(),
      listening_ns);

  if (flags.notify) {
    if (Status s = NotifyReady(notify_socket); !s.ok()) {
      LogError("--notify: {}", s.message());
      return kExitFailure;
    }
  }

  if (pool) return pool->Supervise();
  if (Status s = server->Run(std::move(listener)); !s.ok()) {
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
