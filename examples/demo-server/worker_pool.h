// worker_pool.h — WorkerPool, demo-server's pre-fork mode (--workers N): the master holds the
// listening socket, forks N workers that serve it, replaces those that exit and stops them all.
//
//   WorkerPool pool(std::move(listener), std::move(signals), title, {.workers = 4},
//                   [&](Fd listener, const ReadyCallback& ready) {
//                     ...open what the worker serves with...;
//                     ready();
//                     ...serve on `listener`...;
//                     return 0;  // the worker's exit status
//                   });
//   if (Status s = pool.Start(); !s.ok()) Fail(s.message());   // every worker is ready now
//   Log("listening on ...");
//   return pool.Supervise();   // the exit status, once SIGTERM/SIGINT has stopped every worker
//
// A worker is forked from the master (same flags, same listening socket). Before it runs the
// WorkerMain it dies with the master (PR_SET_PDEATHSIG SIGKILL, then a check that the master is
// still its parent), is named: comm "demo-worker", command line "demo-server: worker process",
// log lines "demo-server: worker <pid>: ...", and it has dropped the master's signalfd and
// unblocked SIGCHLD. It reports ready over a pipe; the master waits for that report, so once
// Start returns (and after each replacement) every worker holds all its descriptors. The worker
// leaves with _exit(status) after flushing stdio: the objects of the master's stack, copied
// into it by fork, are not its to destroy.
//
// The master serves no connection. It waits on its signalfd (no polling loop) and logs:
//   worker pid <pid> ready                    each worker at start
//   worker pid <pid> exited with status <n>   a worker ended by itself (/retire, SIGTERM)
//   worker pid <pid> died: killed by SIG<NAME>   e.g. SIGABRT after /crash
//   worker pid <new> ready (replaces <old>)   forked for any worker that ended while not stopping
//   stopping on SIGTERM / stopping on SIGINT  forwarded to every worker; Supervise returns 0 once
//                                             all have exited
//   ignoring SIGTERM                          with ignore_sigterm (not forwarded; SIGINT still is)
// A worker that exits before it reports ready is a failure: Start (or the replacement) fails,
// the other workers are killed, and the master exits 1.
#pragma once

#include <sys/types.h>

#include <functional>
#include <set>

#include "fd.h"
#include "process_title.h"

namespace demo_server {

struct WorkerPoolOptions {
  int workers = 1;  // >= 1
  bool ignore_sigterm = false;
};

// Called by a worker once it holds every descriptor it serves with.
using ReadyCallback = std::function<void()>;
// Runs in a freshly forked worker: sets up, calls `ready` once, serves on `listener`; returns
// the worker's exit status.
using WorkerMain = std::function<int(Fd listener, const ReadyCallback& ready)>;

class WorkerPool {
 public:
  // `listener`: the listening socket (non-blocking, close-on-exec). `signals`: a non-blocking
  // signalfd for SIGTERM, SIGINT and SIGCHLD, all three blocked by the caller. `title` is the
  // process's argv, renamed in each worker; it outlives the pool.
  WorkerPool(Fd listener, Fd signals, ProcessTitle& title, WorkerPoolOptions options,
             WorkerMain worker_main);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Forks the workers one after another, each ready before the next is forked.
  Status Start();
  // Supervises the workers until a stop signal has ended them all; returns the master's exit
  // status: 0, or 1 when a replacement could not be started.
  int Supervise();

 private:
  // Forks one worker and waits for its ready report. Only the master returns.
  Status ForkWorker(pid_t& pid);
  // `master`: the pid of the master, read before the fork.
  [[noreturn]] void BecomeWorker(pid_t master, Fd ready_pipe);
  void HandleSignals();
  void Stop(int signal_number);
  void ReapWorkers();
  // SIGKILLs and reaps every worker.
  void KillAll();

  Fd listener_;
  Fd signals_;
  ProcessTitle& title_;
  const WorkerPoolOptions options_;
  const WorkerMain worker_main_;
  std::set<pid_t> workers_;  // forked, ready, and not reaped yet
  bool stopping_ = false;    // a stop signal came: no more replacements
  int exit_status_ = 0;
};

}  // namespace demo_server
