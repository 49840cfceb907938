// worker_pool.cpp — the master and the start of every worker in pre-fork mode (see
// worker_pool.h).
#include "worker_pool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "log.h"

namespace demo_server {
namespace {

constexpr int kExitFailure = 1;

std::string SignalName(int signal_number) {
  const char* abbreviation = sigabbrev_np(signal_number);
  return abbreviation ? std::string("SIG") + abbreviation
                      : "signal " + std::to_string(signal_number);
}

// How a wait status reads in the master's log: "exited with status 0", "died: killed by SIGABRT".
std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "died: killed by " + SignalName(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

int WaitFor(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

WorkerPool::WorkerPool(Fd listener, Fd signals, ProcessTitle& title, WorkerPoolOptions options,
                       WorkerMain worker_main)
    : listener_(std::move(listener)),
      signals_(std::move(signals)),
      title_(title),
      options_(options),
      worker_main_(std::move(worker_main)) {}

Status WorkerPool::Start() {
  for (int i = 0; i < options_.workers; ++i) {
    pid_t pid = -1;
    if (Status s = ForkWorker(pid); !s.ok()) {
      KillAll();
      return s;
    }
    Log("worker pid {} ready", pid);
  }
  return Status::Ok();
}

Status WorkerPool::ForkWorker(pid_t& pid) {
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) return Status::FromErrno("pipe2");
  Fd read_end(ends[0]);
  Fd write_end(ends[1]);
  // Read before fork: a child that asked for its parent only after the master had died would
  // get the reaper's pid, and find nothing amiss.
  pid_t master = getpid();
  pid_t child = fork();
  if (child < 0) return Status::FromErrno("fork");
  if (child == 0) {
    read_end.Reset();
    BecomeWorker(master, std::move(write_end));
  }
  write_end.Reset();  // so that read() sees EOF when the worker dies before its report
  // The report is a byte followed by EOF: the worker closes the pipe right after writing, and
  // waiting for that close keeps the pipe out of any snapshot of the worker taken after this.
  bool ready = false;
  for (;;) {
    char report = 0;
    ssize_t n = read(read_end.get(), &report, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    ready = true;
  }
  if (!ready) {
    kill(child, SIGKILL);  // in case it closed the pipe and lives on
    return Status::Error("worker pid " + std::to_string(child) + " " +
                         DescribeExit(WaitFor(child)) + " before it was ready");
  }
  workers_.insert(child);
  pid = child;
  return Status::Ok();
}

void WorkerPool::BecomeWorker(pid_t master, Fd ready_pipe) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The master may have died before the prctl took effect (e.g. killed while it was forking a
  // replacement): then nothing will signal us.
  if (getppid() != master) _exit(kExitFailure);
  prctl(PR_SET_NAME, "demo-worker");
  title_.Set("demo-server: worker process");
  LogTag() = "worker " + std::to_string(getpid()) + ": ";
  signals_.Reset();  // the master's: SIGTERM and SIGINT are the worker's own to read
  workers_.clear();
  sigset_t child_exits;
  sigemptyset(&child_exits);
  sigaddset(&child_exits, SIGCHLD);
  sigprocmask(SIG_UNBLOCK, &child_exits, nullptr);

  int status = worker_main_(std::move(listener_), [&ready_pipe] {
    char report = 'R';
    while (write(ready_pipe.get(), &report, 1) < 0 && errno == EINTR) {
    }
    ready_pipe.Reset();
  });
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(status);
}

int WorkerPool::Supervise() {
  while (!stopping_ || !workers_.empty()) {
    pollfd readable{signals_.get(), POLLIN, 0};
    if (poll(&readable, 1, -1) < 0) {
      if (errno == EINTR) continue;
      LogError("poll: {}", strerror(errno));
      KillAll();
      return kExitFailure;
    }
    HandleSignals();
  }
  return exit_status_;
}

void WorkerPool::HandleSignals() {
  for (;;) {
    signalfd_siginfo info{};
    ssize_t n = read(signals_.get(), &info, sizeof info);
    if (n != static_cast<ssize_t>(sizeof info)) break;  // EAGAIN: all read
    int signal_number = static_cast<int>(info.ssi_signo);
    if (signal_number == SIGTERM || signal_number == SIGINT) Stop(signal_number);
  }
  // SIGCHLD is not queued per child: reap whatever has exited, whichever signal woke us.
  ReapWorkers();
}

void WorkerPool::Stop(int signal_number) {
  if (signal_number == SIGTERM && options_.ignore_sigterm) {
    Log("ignoring SIGTERM");
    return;
  }
  Log("stopping on {}", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  stopping_ = true;
  for (pid_t worker : workers_) kill(worker, signal_number);
}

void WorkerPool::ReapWorkers() {
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return;
    if (workers_.erase(pid) == 0) continue;  // not a worker
    Log("worker pid {} {}", pid, DescribeExit(status));
    if (stopping_) continue;
    pid_t replacement = -1;
    if (Status s = ForkWorker(replacement); !s.ok()) {
      LogError("replacing worker pid {}: {}", pid, s.message());
      stopping_ = true;
      exit_status_ = kExitFailure;
      KillAll();
      return;
    }
    Log("worker pid {} ready (replaces {})", replacement, pid);
  }
}

void WorkerPool::KillAll() {
  for (pid_t worker : workers_) kill(worker, SIGKILL);
  for (pid_t worker : workers_) WaitFor(worker);
  workers_.clear();
}

}  // namespace demo_server
