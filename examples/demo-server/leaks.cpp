// leaks.cpp — /work (opens and closes everything) and the leaks of /leak/<kind> (see leaks.h).
#include "leaks.h"

// clone3 goes through syscall() (glibc 2.36 has no wrapper; <linux/sched.h> has its struct
// clone_args), and so would pidfd_open: glibc 2.36's <sys/pidfd.h> cannot be used from C++.
#include <fcntl.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <system_error>
#include <thread>

extern char** environ;

namespace demo_server {
namespace {

// A helper that was never installed: the renderer the server "depends on".
constexpr const char* kRendererName = "leakwatch-demo-renderer-missing";

// The renderer is looked up next to our own binary, as an installed helper would be.
std::string RendererPath() {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return std::string("/nonexistent/") + kRendererName;
  std::string path(self, static_cast<std::size_t>(n));
  return path.substr(0, path.rfind('/') + 1) + kRendererName;
}

// The signals the server blocks for its signalfd are unblocked in every child it starts: exec
// keeps the mask, and a helper that cannot be stopped with SIGTERM is not what we want to show.
void UnblockAllSignals() {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

struct Spawned {
  pid_t pid = -1;
  int pidfd = -1;  // owned by the caller
};

// Starts `path` (no arguments) with clone3(CLONE_PIDFD); the child's exit status is 127 when the
// exec fails. The pidfd is close-on-exec (the kernel always makes it so).
Status SpawnWithPidfd(const std::string& path, Spawned& spawned) {
  char* const argv[] = {const_cast<char*>(path.c_str()), nullptr};
  int pidfd = -1;
  clone_args args{};
  args.flags = CLONE_PIDFD;
  args.pidfd = reinterpret_cast<__u64>(&pidfd);
  args.exit_signal = SIGCHLD;
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) return Status::FromErrno("clone3");
  if (pid == 0) {
    // The child of a (possibly) multi-threaded process: async-signal-safe calls only.
    UnblockAllSignals();
    execve(argv[0], argv, environ);
    _exit(127);  // "command not found"
  }
  spawned.pid = static_cast<pid_t>(pid);
  spawned.pidfd = pidfd;
  return Status::Ok();
}

// Reaps the child behind `pidfd`, so that no zombie is left; returns its exit status.
Status WaitForPidfd(int pidfd, int& exit_status) {
  siginfo_t info{};
  while (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED) != 0) {
    if (errno != EINTR) return Status::FromErrno("waitid(P_PIDFD)");
  }
  exit_status = info.si_status;
  return Status::Ok();
}

Status RunTrueWithPidfd() {
  Spawned spawned;
  if (Status s = SpawnWithPidfd("/bin/true", spawned); !s.ok()) return s;
  Fd pidfd(spawned.pidfd);
  int exit_status = 0;
  if (Status s = WaitForPidfd(pidfd.get(), exit_status); !s.ok()) return s;
  if (exit_status != 0)
    return Status::Error("/bin/true exited with " + std::to_string(exit_status));
  return Status::Ok();
}

Status OpenAndCloseFile() {
  Fd file(open("/proc/self/status", O_RDONLY | O_CLOEXEC));
  if (!file) return Status::FromErrno("opening /proc/self/status");
  char buffer[256];
  if (read(file.get(), buffer, sizeof buffer) < 0) return Status::FromErrno("reading a file");
  return Status::Ok();
}

Status OpenAndClosePipe() {
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) return Status::FromErrno("pipe2");
  Fd read_end(ends[0]);
  Fd write_end(ends[1]);
  if (write(write_end.get(), "x", 1) != 1) return Status::FromErrno("writing to a pipe");
  char byte;
  if (read(read_end.get(), &byte, 1) != 1) return Status::FromErrno("reading from a pipe");
  return Status::Ok();
}

Status OpenAndCloseSocket(int domain, int type, const char* what) {
  Fd socket_fd(socket(domain, type | SOCK_CLOEXEC, 0));
  if (!socket_fd) return Status::FromErrno(std::string("creating a ") + what + " socket");
  return Status::Ok();
}

Status OpenAndCloseSocketPair() {
  int ends[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    return Status::FromErrno("socketpair");
  }
  Fd one(ends[0]);
  Fd other(ends[1]);
  return Status::Ok();
}

Status OpenAndCloseEventfd() {
  Fd event(eventfd(0, EFD_CLOEXEC));
  if (!event) return Status::FromErrno("eventfd");
  return Status::Ok();
}

Status OpenAndCloseTimerfd() {
  Fd timer(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
  if (!timer) return Status::FromErrno("timerfd_create");
  return Status::Ok();
}

Status OpenAndCloseEpoll() {
  Fd epoll(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll) return Status::FromErrno("epoll_create1");
  return Status::Ok();
}

Status StartAndJoinThread() {
  try {
    std::thread worker([] {});
    worker.join();
  } catch (const std::system_error& e) {
    return Status::Error(std::string("starting a thread: ") + e.what());
  }
  return Status::Ok();
}

Status ForkAndReapChild() {
  pid_t pid = fork();
  if (pid < 0) return Status::FromErrno("fork");
  if (pid == 0) _exit(0);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::FromErrno("waitpid");
  }
  return Status::Ok();
}

}  // namespace

bool IsLeakKind(std::string_view kind) {
  return std::find(kLeakKinds.begin(), kLeakKinds.end(), kind) != kLeakKinds.end();
}

Status LoadConfigFile() {
  // The "config" is /proc/self/status: a regular file that always exists, so the leak needs no
  // setup. The bug: the descriptor is never closed.
  int config = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (config < 0) return Status::FromErrno("opening /proc/self/status");
  char buffer[512];
  if (read(config, buffer, sizeof buffer) < 0) return Status::FromErrno("reading the config");
  return Status::Ok();
}

Status SpawnRenderer() {
  Spawned renderer;
  if (Status s = SpawnWithPidfd(RendererPath(), renderer); !s.ok()) return s;
  int exit_status = 0;
  if (Status s = WaitForPidfd(renderer.pidfd, exit_status); !s.ok()) return s;
  // The bug: the renderer is reaped (no zombie is left), but renderer.pidfd is never closed.
  // It stays open, referring to a process that is gone.
  return Status::Ok();
}

Status SubscribeToUpdates() {
  // One epoll per subscription; the unsubscribe path that would close it does not exist.
  int subscription = epoll_create1(EPOLL_CLOEXEC);
  if (subscription < 0) return Status::FromErrno("epoll_create1");
  return Status::Ok();
}

Status PrepareUpstreamSocket() {
  // Made ahead of time, to be connected on the first upstream call, which never comes.
  int upstream = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (upstream < 0) return Status::FromErrno("creating the upstream socket");
  return Status::Ok();
}

Status CreateWakeupEvent() {
  int wakeup = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakeup < 0) return Status::FromErrno("eventfd");
  return Status::Ok();
}

Status ScheduleRetryTimer() {
  int timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (timer < 0) return Status::FromErrno("timerfd_create");
  itimerspec retry_in{};
  retry_in.it_value.tv_sec = 3600;
  if (timerfd_settime(timer, 0, &retry_in, nullptr) != 0) {
    return Status::FromErrno("timerfd_settime");
  }
  return Status::Ok();
}

Status StartBackgroundSync() {
  try {
    // Waits for a sync request that never comes; nobody keeps a handle to stop it.
    std::thread sync([] {
      for (;;) pause();
    });
    pthread_setname_np(sync.native_handle(), "demo-sync");
    sync.detach();
  } catch (const std::system_error& e) {
    return Status::Error(std::string("starting a thread: ") + e.what());
  }
  return Status::Ok();
}

Status StartWatchdogProcess() {
  pid_t parent = getpid();
  pid_t watchdog = fork();
  if (watchdog < 0) return Status::FromErrno("fork");
  if (watchdog == 0) {
    // Dies with the server (this is the event-loop thread, which lives as long as the process);
    // the parent may already be gone before the prctl, hence the check.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);
    prctl(PR_SET_NAME, "demo-watchdog");
    // Without exec, close-on-exec does not apply: drop the copies of the server's sockets, or
    // the watchdog would keep every client connection (and the listener) open.
    close_range(3, ~0U, 0);
    UnblockAllSignals();
    for (;;) pause();
  }
  // The bug: nobody stops or reaps the watchdog.
  return Status::Ok();
}

Status Leak(std::string_view kind) {
  if (kind == "fd") return LoadConfigFile();
  if (kind == "pidfd") return SpawnRenderer();
  if (kind == "eventpoll") return SubscribeToUpdates();
  if (kind == "socket") return PrepareUpstreamSocket();
  if (kind == "eventfd") return CreateWakeupEvent();
  if (kind == "timerfd") return ScheduleRetryTimer();
  if (kind == "thread") return StartBackgroundSync();
  if (kind == "child") return StartWatchdogProcess();
  return Status::Error("unknown leak kind " + std::string(kind));
}

Status DoWork(bool spawn_renderer) {
  Status (*const kSteps[])() = {
      OpenAndCloseFile,
      OpenAndClosePipe,
      [] { return OpenAndCloseSocket(AF_INET, SOCK_STREAM, "TCP"); },
      [] { return OpenAndCloseSocket(AF_INET, SOCK_DGRAM, "UDP"); },
      OpenAndCloseSocketPair,
      OpenAndCloseEventfd,
      OpenAndCloseTimerfd,
      OpenAndCloseEpoll,
      RunTrueWithPidfd,
      StartAndJoinThread,
      ForkAndReapChild,
  };
  for (auto step : kSteps) {
    if (Status s = step(); !s.ok()) return s;
  }
  if (spawn_renderer) return SpawnRenderer();
  return Status::Ok();
}

}  // namespace demo_server
