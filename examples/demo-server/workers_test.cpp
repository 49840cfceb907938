// workers_test.cpp — demo-server's pre-fork mode (--workers N), checked from outside: the master
// forks N named workers and says it is listening only once all are ready; requests are served
// and logged by workers; leaks stay in the worker that served them; /degrade reaches every
// worker; /retire and /crash end one worker and the master replaces it; SIGTERM stops the tree;
// workers die with their master, and a test's teardown leaves no process behind; /nondumpable
// closes one worker's /proc/PID/fd.
//
// Which worker accepts a connection is the kernel's choice, so no test depends on it. A test
// that needs a particular worker holds a keep-alive connection to it (every request on that
// connection goes to that worker); a test that needs another one hangs the first through that
// connection (/hang), after which only the others can accept. ServerProcess kills the whole
// tree when a test ends.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "leakwatch/resource_counts.h"
#include "leakwatch/snapshot.h"
#include "leakwatch/snapshot_diff.h"
#include "test_procfs.h"
#include "test_server.h"

namespace demo_server_test {
namespace {

using leakwatch::FdKind;
using leakwatch::ResourceCounts;
using leakwatch::Snapshot;

ServerProcess StartWorkers(int workers, std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"--workers", std::to_string(workers)});
  return StartListening(std::move(args));
}

// The number after `prefix` at the start of `text` ("pid 4243" -> 4243); -1 when there is none.
pid_t PidAfter(const std::string& text, const std::string& prefix) {
  if (text.compare(0, prefix.size(), prefix) != 0) return -1;
  std::size_t digits = text.find_first_not_of("0123456789", prefix.size());
  if (digits == prefix.size()) return -1;
  return std::stoi(text.substr(prefix.size(), digits - prefix.size()));
}

// The pid a worker answered /whoami with; -1 (and a test failure) without an answer.
pid_t Whoami(KeepAliveConnection& connection) {
  HttpResponse response = connection.Get("/whoami");
  EXPECT_EQ(response.status, 200);
  pid_t pid = PidAfter(response.body, "pid ");
  EXPECT_GT(pid, 0) << response.body;
  return pid;
}

bool Contains(const std::vector<pid_t>& pids, pid_t pid) {
  return std::find(pids.begin(), pids.end(), pid) != pids.end();
}

std::string Tag(pid_t worker) {
  return "demo-server: worker " + std::to_string(worker) + ": ";
}

// Hangs the worker behind `connection`, and returns once it has said so: from then on it never
// accepts a connection again, so every new one goes to another worker.
void HangWorker(KeepAliveConnection& connection, pid_t worker, ServerProcess& server) {
  ASSERT_TRUE(connection.Send("/hang"));
  ASSERT_NE(server.ReadLineStartingWith(Tag(worker) + "GET /hang -> hang"), "");
}

// A pidfd for `pid`, which must be alive; -1 (and a test failure) otherwise.
int OpenPidfd(pid_t pid) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  EXPECT_GE(pidfd, 0) << "pidfd_open " << pid << ": " << std::strerror(errno);
  return pidfd;
}

// Whether the process behind `pidfd` has exited; waits at most kGuard (a failing case only).
bool HasExited(int pidfd, std::chrono::milliseconds wait) {
  pollfd exited{pidfd, POLLIN, 0};
  return poll(&exited, 1, static_cast<int>(wait.count())) == 1;
}

// What an idle process of the tree holds: stdio, the listener, a signalfd, `epolls` epolls (the
// master none, a worker its own), all close-on-exec, and one thread.
void ExpectIdle(const Snapshot& snapshot, std::int64_t epolls) {
  ResourceCounts counts = snapshot.Counts();
  EXPECT_EQ(counts.fds[FdKind::kTcp], 1);
  EXPECT_EQ(counts.fds[FdKind::kSignalfd], 1);
  EXPECT_EQ(counts.fds[FdKind::kEventpoll], epolls);
  EXPECT_EQ(static_cast<std::int64_t>(snapshot.fds.size()), 5 + epolls);
  EXPECT_EQ(snapshot.threads.size(), 1u);
  ExpectCloseOnExec(snapshot);
}

TEST(Workers, StartsNamedWorkersAndSaysListeningOnlyOnceAllAreReady) {
  ServerProcess server = StartWorkers(3);
  std::vector<pid_t> workers = ChildPids(server.pid());
  ASSERT_EQ(workers.size(), 3u);

  // Each worker said it was ready before the master said it was listening.
  std::vector<pid_t> reported;
  static const std::regex kReady(R"(demo-server: worker pid (\d+) ready\n)");
  const std::string& before_listening = server.output();
  for (auto it = std::sregex_iterator(before_listening.begin(), before_listening.end(), kReady);
       it != std::sregex_iterator(); ++it) {
    reported.push_back(std::stoi((*it)[1]));
  }
  std::sort(reported.begin(), reported.end());
  EXPECT_EQ(reported, workers) << server.output();

  // The master serves nothing: stdio, the listener, its signalfd, and the workers.
  Snapshot master = MustSnapshot(server.pid());
  ExpectIdle(master, 0);
  EXPECT_EQ(master.DirectChildCount(), 3);
  auto listener = std::find_if(master.fds.begin(), master.fds.end(),
                               [](const leakwatch::FdInfo& fd) { return fd.kind == FdKind::kTcp; });
  ASSERT_NE(listener, master.fds.end());

  // A snapshot right after the listening line is each worker's idle baseline: stdio, the shared
  // listener, its own signalfd and epoll — and not the pipe it reported ready on.
  for (pid_t worker : workers) {
    SCOPED_TRACE("worker " + std::to_string(worker));
    EXPECT_EQ(Comm(worker), "demo-worker");
    EXPECT_EQ(CommandLine(worker), "demo-server: worker process");
    EXPECT_EQ(StatField(worker, 4), std::to_string(server.pid())) << "parent";
    Snapshot snapshot = MustSnapshot(worker);
    ExpectIdle(snapshot, 1);
    EXPECT_TRUE(snapshot.children.empty());
    for (const leakwatch::FdInfo& fd : snapshot.fds) {
      if (fd.kind == FdKind::kTcp) {
        EXPECT_EQ(fd.inode, listener->inode) << "the master's socket";
      }
    }
  }
  EXPECT_NE(CommandLine(server.pid()).find("--workers 3"), std::string::npos)
      << "the master keeps its command line";
}

TEST(Workers, EveryRequestIsServedAndLoggedByAWorker) {
  ServerProcess server = StartWorkers(2);
  std::vector<pid_t> workers = ChildPids(server.pid());
  ASSERT_EQ(workers.size(), 2u);
  std::set<pid_t> answered;
  for (int i = 0; i < 40; ++i) {
    HttpResponse response = Get(server.port(), "/whoami");
    ASSERT_EQ(response.status, 200) << "request " << i;
    pid_t pid = PidAfter(response.body, "pid ");
    ASSERT_TRUE(Contains(workers, pid)) << response.body;
    // Logged before the answer was sent, and the requests follow one another: in this order.
    ASSERT_NE(server.ReadLineStartingWith(Tag(pid) + "GET /whoami -> 200"), "");
    answered.insert(pid);
  }
  // How the kernel spreads connections is its business: reported, not asserted.
  RecordProperty("distinct_workers_answering", static_cast<int>(answered.size()));
  EXPECT_EQ(ChildPids(server.pid()), workers);
}

TEST(Workers, AnotherWorkerServesWhileOneIsHung) {
  ServerProcess server = StartWorkers(2);
  std::vector<pid_t> workers = ChildPids(server.pid());
  KeepAliveConnection pinned(server.port());
  pid_t hung = Whoami(pinned);
  ASSERT_TRUE(Contains(workers, hung));
  HangWorker(pinned, hung, server);

  for (int i = 0; i < 5; ++i) {
    HttpResponse response = Get(server.port(), "/whoami");
    ASSERT_EQ(response.status, 200);
    pid_t pid = PidAfter(response.body, "pid ");
    EXPECT_TRUE(Contains(workers, pid)) << response.body;
    EXPECT_NE(pid, hung) << "two distinct workers have served";
  }
}

TEST(Workers, DegradeReachesEveryWorker) {
  ServerProcess server = StartWorkers(2);
  KeepAliveConnection first(server.port());
  pid_t degrading = Whoami(first);
  EXPECT_EQ(first.Get("/health").body, R"({"status":"ok"})");
  EXPECT_EQ(first.Get("/degrade").body, "degraded");
  HangWorker(first, degrading, server);

  KeepAliveConnection second(server.port());
  pid_t other = Whoami(second);
  EXPECT_NE(other, degrading);
  HttpResponse health = second.Get("/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"degraded","reason":"worker pool shut down"})");
}

TEST(Workers, WorkLeavesNothingInAnyProcess) {
  ServerProcess server = StartWorkers(2);
  std::vector<pid_t> pids = ChildPids(server.pid());
  pids.push_back(server.pid());
  std::vector<Snapshot> before;
  for (pid_t pid : pids) before.push_back(MustSnapshot(pid));
  for (int i = 0; i < 20; ++i) ASSERT_EQ(Get(server.port(), "/work").body, "ok") << i;
  for (std::size_t i = 0; i < pids.size(); ++i) ExpectGrowth(before[i], pids[i], {});
}

TEST(Workers, ALeakStaysInTheWorkerThatServedIt) {
  ServerProcess server = StartWorkers(2);
  std::vector<pid_t> workers = ChildPids(server.pid());
  ASSERT_EQ(workers.size(), 2u);
  Snapshot master_before = MustSnapshot(server.pid());
  std::vector<Snapshot> before;
  for (pid_t worker : workers) before.push_back(MustSnapshot(worker));

  HttpResponse response = Get(server.port(), "/leak/pidfd");
  EXPECT_EQ(response.status, 200);
  pid_t leaker = PidAfter(response.body, "leaked pidfd in pid ");
  ASSERT_TRUE(Contains(workers, leaker)) << response.body;
  EXPECT_NE(server.ReadLineStartingWith(Tag(leaker) + "GET /leak/pidfd -> 200"), "");

  for (std::size_t i = 0; i < workers.size(); ++i) {
    ResourceCounts expected;
    if (workers[i] == leaker) expected.fds[FdKind::kPidfd] = 1;
    leakwatch::SnapshotDiff diff = ExpectGrowth(before[i], workers[i], expected);
    if (workers[i] == leaker && diff.fds_added.size() == 1) {
      EXPECT_EQ(diff.fds_added[0].pidfd_pid, -1) << "the renderer was reaped: an orphaned pidfd";
    }
  }
  ExpectGrowth(master_before, server.pid(), {});
}

TEST(Workers, RetireEndsTheWorkerAndTheMasterReplacesIt) {
  ServerProcess server = StartWorkers(2);
  std::vector<pid_t> before = ChildPids(server.pid());
  ASSERT_EQ(before.size(), 2u);

  HttpResponse response = Get(server.port(), "/retire");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("Connection"), "close");
  pid_t retired = PidAfter(response.body, "retiring pid ");
  ASSERT_TRUE(Contains(before, retired)) << response.body;

  std::string worker_pid = "demo-server: worker pid ";
  EXPECT_NE(
      server.ReadLineStartingWith(worker_pid + std::to_string(retired) + " exited with status 0"),
      "");
  std::string ready = server.ReadLineStartingWith(worker_pid);
  std::smatch match;
  ASSERT_TRUE(std::regex_match(ready, match, std::regex(R"(.* (\d+) ready \(replaces (\d+)\))")))
      << ready;
  pid_t replacement = std::stoi(match[1]);
  EXPECT_EQ(std::stoi(match[2]), retired);

  // The master logs the replacement once it is ready: the pool is whole again by now.
  std::vector<pid_t> after = ChildPids(server.pid());
  ASSERT_EQ(after.size(), 2u);
  EXPECT_FALSE(Contains(after, retired));
  EXPECT_FALSE(Contains(before, replacement));
  EXPECT_TRUE(Contains(after, replacement));
  for (pid_t worker : before) {
    if (worker != retired) {
      EXPECT_TRUE(Contains(after, worker)) << worker;
    }
  }
  EXPECT_EQ(Comm(replacement), "demo-worker");
  EXPECT_EQ(CommandLine(replacement), "demo-server: worker process");
  EXPECT_EQ(Get(server.port(), "/health").status, 200);
}

TEST(Workers, ACrashedWorkerIsReplacedAndTheServerStaysUp) {
  ServerProcess server = StartWorkers(2);
  EXPECT_EQ(Get(server.port(), "/crash").status, 0) << "a crashing worker answers nothing";
  std::string crash = server.ReadLineStartingWith("demo-server: worker ");
  pid_t crashed = PidAfter(crash, "demo-server: worker ");
  EXPECT_EQ(crash, Tag(crashed) + "GET /crash -> crash");
  EXPECT_NE(server.ReadLineStartingWith("demo-server: worker pid " + std::to_string(crashed) +
                                        " died: killed by SIGABRT"),
            "");
  EXPECT_NE(server.ReadLineStartingWith("demo-server: worker pid "), "");  // the replacement
  EXPECT_NE(
      server.output().find("demo-server: assertion failed: ui_loop.cpp:142: widget != nullptr\n"),
      std::string::npos)
      << server.output();

  EXPECT_TRUE(server.Running());
  std::vector<pid_t> workers = ChildPids(server.pid());
  EXPECT_EQ(workers.size(), 2u);
  EXPECT_FALSE(Contains(workers, crashed));
  EXPECT_EQ(Get(server.port(), "/health").status, 200);
}

TEST(Workers, SigtermStopsTheWholeTreeWithStatusZero) {
  ServerProcess server = StartWorkers(2);
  std::vector<pid_t> workers = ChildPids(server.pid());
  ASSERT_EQ(workers.size(), 2u);
  std::vector<int> pidfds;
  for (pid_t worker : workers) pidfds.push_back(OpenPidfd(worker));
  ASSERT_EQ(Get(server.port(), "/work").status, 200);

  ExpectSigtermStopsItWithStatusZero(server);
  // The master exits only after it has reaped every worker: they are gone already.
  for (int pidfd : pidfds) {
    EXPECT_TRUE(HasExited(pidfd, std::chrono::milliseconds(0)));
    close(pidfd);
  }
  server.ReadToEnd();
  const std::string& output = server.output();
  for (pid_t worker : workers) {
    EXPECT_NE(output.find(Tag(worker) + "stopping on SIGTERM\n"), std::string::npos) << output;
    EXPECT_NE(output.find("demo-server: worker pid " + std::to_string(worker) +
                          " exited with status 0\n"),
              std::string::npos)
        << output;
  }
}

TEST(Workers, IgnoreSigtermKeepsTheTreeServing) {
  ServerProcess server = StartWorkers(2, {"--ignore-sigterm"});
  std::vector<pid_t> workers = ChildPids(server.pid());
  ASSERT_EQ(kill(server.pid(), SIGTERM), 0);
  ASSERT_NE(server.ReadLineStartingWith("demo-server: ignoring SIGTERM"), "");
  EXPECT_EQ(Get(server.port(), "/health").status, 200);
  EXPECT_EQ(ChildPids(server.pid()), workers) << "not forwarded to the workers";
}

TEST(Workers, WorkersDieWithTheirMaster) {
  ServerProcess server = StartWorkers(2);
  std::vector<int> pidfds;
  for (pid_t worker : ChildPids(server.pid())) pidfds.push_back(OpenPidfd(worker));
  ASSERT_EQ(pidfds.size(), 2u);
  ASSERT_EQ(kill(server.pid(), SIGKILL), 0);
  server.Wait();
  for (int pidfd : pidfds) {
    // PR_SET_PDEATHSIG: they are killed; the guard only bounds a failing case.
    EXPECT_TRUE(HasExited(pidfd, kGuard));
    close(pidfd);
  }
}

TEST(Workers, TeardownLeavesNoProcessBehind) {
  std::vector<int> pidfds;
  {
    ServerProcess server = StartWorkers(2);
    ASSERT_EQ(Get(server.port(), "/leak/child").status, 200);  // a grandchild as well
    std::vector<pid_t> tree = {server.pid()};
    for (std::size_t i = 0; i < tree.size(); ++i) {
      for (pid_t child : ChildPids(tree[i])) tree.push_back(child);
    }
    EXPECT_EQ(tree.size(), 4u);
    for (pid_t pid : tree) pidfds.push_back(OpenPidfd(pid));
  }  // ~ServerProcess
  for (int pidfd : pidfds) {
    EXPECT_TRUE(HasExited(pidfd, kGuard));  // the guard only bounds a failing case
    close(pidfd);
  }
}

TEST(Workers, NondumpableClosesOnlyTheServingWorkersFds) {
  StartOptions options;
  options.args = {"--port", "0", "--workers", "2"};
  options.as_nobody = true;
  ServerProcess server = ServerProcess::Start(options);
  ASSERT_TRUE(server.WaitUntilListening());
  std::vector<pid_t> pids = ChildPids(server.pid());
  ASSERT_EQ(pids.size(), 2u);
  pids.push_back(server.pid());
  for (pid_t pid : pids) ASSERT_TRUE(UnprivilegedCanListFds(pid)) << pid;

  HttpResponse response = Get(server.port(), "/nondumpable");
  EXPECT_EQ(response.status, 200);
  pid_t hidden = PidAfter(response.body, "pid ");
  EXPECT_EQ(response.body, "pid " + std::to_string(hidden) + " is not dumpable");
  ASSERT_TRUE(Contains(pids, hidden) && hidden != server.pid()) << response.body;
  for (pid_t pid : pids) EXPECT_EQ(UnprivilegedCanListFds(pid), pid != hidden) << pid;
}

TEST(Workers, ListenFdsWorkersServeThePassedSocket) {
  BoundPort port;
  ASSERT_GT(port.port(), 0);
  StartOptions options;
  options.args = {"--listen-fds", "--workers", "2"};
  options.listen_fd = port.fd();
  ServerProcess server = ServerProcess::Start(options);
  ASSERT_TRUE(server.WaitUntilListening());
  EXPECT_EQ(server.port(), port.port());
  std::vector<pid_t> workers = ChildPids(server.pid());
  EXPECT_EQ(workers.size(), 2u);
  HttpResponse response = Get(port.port(), "/whoami");
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(Contains(workers, PidAfter(response.body, "pid "))) << response.body;
}

TEST(Workers, ZeroWorkersIsTheSingleProcessServer) {
  ServerProcess server = StartWorkers(0);
  EXPECT_TRUE(ChildPids(server.pid()).empty());
  EXPECT_EQ(Get(server.port(), "/whoami").body, "pid " + std::to_string(server.pid()));
  EXPECT_EQ(server.output().find("worker pid"), std::string::npos) << server.output();
}

}  // namespace
}  // namespace demo_server_test
