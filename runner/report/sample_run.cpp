// sample_run.cpp — the run behind the golden files. Changing it changes every golden file.
#include "sample_run.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "leakwatch/leak_report.h"
#include "leakwatch/slack.h"
#include "leakwatch/snapshot_diff.h"
#include "leakwatch/tree_diff.h"
#include "leakwatch/tree_snapshot.h"
#include "reporter.h"

namespace leakwatch::run::testing {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr std::int64_t kStartUnixSeconds = 1740830400;  // 2025-03-01T12:00:00Z

// The sample's leaks are what the check makes of snapshots: hand-built trees and processes go
// through the harness's DiffTrees / DiffSnapshots, GrowthBeyondSlack and DescribeTreeLeak /
// DescribeProcessLeak, as the engine's snapshots of live processes do. Nothing of this machine
// is read: pidfds are orphaned (their description reads no /proc) and sockets carry endpoints.
constexpr pid_t kServerPid = 1010;  // demo-leaks' server: a master with workers 1012 and 1013
constexpr pid_t kTestPid = 1011;
const char* const kServerCommand = "bin/demo-server --port 40001 --workers 2";
const char* const kTestCommand = "tests/demo_leaks_test --gtest_filter=Leaks.*";

FdInfo Fd(int fd, FdKind kind, std::string target, std::uint64_t inode = 0) {
  return FdInfo{.fd = fd, .kind = kind, .target = std::move(target), .inode = inode};
}

// A pidfd whose process has exited and been reaped.
FdInfo OrphanedPidfd(int fd) {
  FdInfo info = Fd(fd, FdKind::kPidfd, "anon_inode:[pidfd]");
  info.pidfd_pid = -1;
  return info;
}

FdInfo Tcp(int fd, std::uint64_t inode, std::string endpoint) {
  FdInfo info = Fd(fd, FdKind::kTcp, "socket:[" + std::to_string(inode) + "]", inode);
  info.protocol = "TCP";
  info.endpoint = std::move(endpoint);
  return info;
}

TreeMember Member(pid_t pid, pid_t ppid, std::string cmd, std::string comm,
                  std::vector<FdInfo> fds) {
  TreeMember member;
  member.process = {.pid = pid,
                    .ppid = ppid,
                    .state = ProcessState::kSleeping,
                    .depth = pid == kServerPid ? 0 : 1,
                    .start_time = 5000 + static_cast<std::uint64_t>(pid),
                    .cmd = std::move(cmd)};
  member.snapshot.pid = pid;
  member.snapshot.fds = std::move(fds);
  member.snapshot.threads = {{pid, std::move(comm)}};
  return member;
}

// The demo-leaks server at a case's begin: the master and two workers sharing its listening socket.
TreeSnapshot ServerTree() {
  auto fds = [] {
    return std::vector<FdInfo>{Fd(0, FdKind::kChr, "/dev/null", 5),
                               Tcp(3, 70001, "127.0.0.1:40001 LISTEN")};
  };
  TreeSnapshot tree{.root = kServerPid};
  tree.members = {Member(kServerPid, 1, kServerCommand, "demo-server", fds()),
                  Member(1012, kServerPid, kServerCommand, "demo-server", fds()),
                  Member(1013, kServerPid, kServerCommand, "demo-server", fds())};
  return tree;
}

std::vector<LeakReport> ServerLeak(const TreeSnapshot& before, const TreeSnapshot& after,
                                   const Slack& slack) {
  TreeDiff diff = DiffTrees(before, after);
  return DescribeTreeLeak("server", diff, GrowthBeyondSlack(diff.growth, slack));
}

// Leaks.HelperSpawn: worker 1012 kept a client connection, worker 1013 a pidfd of a helper that
// is gone (and an eventfd, within slack: not reported); the test process kept a thread.
std::vector<LeakReport> HelperSpawnLeaks() {
  TreeSnapshot before = ServerTree();
  TreeSnapshot after = ServerTree();
  after.members[1].snapshot.fds.push_back(
      Tcp(9, 81234, "127.0.0.1:40001 <- 127.0.0.1:51234 ESTABLISHED"));
  after.members[2].snapshot.fds.push_back(OrphanedPidfd(7));
  after.members[2].snapshot.fds.push_back(Fd(8, FdKind::kEventfd, "anon_inode:[eventfd]"));
  Slack slack;
  slack.allowed.fds[FdKind::kEventfd] = 1;
  std::vector<LeakReport> leaks = ServerLeak(before, after, slack);

  Snapshot test_before;
  test_before.pid = kTestPid;
  test_before.threads = {{kTestPid, "demo_leaks_test"}};
  Snapshot test_after = test_before;
  test_after.threads.push_back({1015, "stuck-worker"});
  SnapshotDiff test = DiffSnapshots(test_before, test_after);
  for (LeakReport& leak : DescribeProcessLeak("test", kTestPid, kTestCommand, test,
                                              GrowthBeyondSlack(test.delta, Slack{}))) {
    leaks.push_back(std::move(leak));
  }
  return leaks;
}

// Leaks.Watchdog: worker 1012 started a helper that is still running at the case's end.
std::vector<LeakReport> WatchdogLeaks() {
  TreeSnapshot before = ServerTree();
  TreeSnapshot after = ServerTree();
  TreeMember watchdog =
      Member(1016, 1012, "demo-watchdog --interval 1", "demo-watchdog",
             {Fd(0, FdKind::kChr, "/dev/null", 5), Fd(1, FdKind::kPipe, "pipe:[90001]", 90001),
              Fd(2, FdKind::kPipe, "pipe:[90002]", 90002)});
  watchdog.process.depth = 2;
  after.members.push_back(std::move(watchdog));
  return ServerLeak(before, after, Slack{});
}

// A server crash message: the cause, then more log lines than the console shows.
std::string CrashMessage() {
  std::string message =
      "server died: SIGABRT during Crash.Abort\n"
      "demo-server log (last 16 lines):\n";
  for (int i = 1; i <= 15; ++i) {
    message += "  demo-server: handled request " + std::to_string(i) + "\n";
  }
  message += "  demo-server: assertion failed: queue.empty() (worker.cpp:88)";
  return message;
}

}  // namespace

const CaseFinished& SampleCase(const std::vector<RunEvent>& events, std::string_view name) {
  for (const RunEvent& event : events) {
    const auto* c = std::get_if<CaseFinished>(&event);
    if (c != nullptr && c->name == name) return *c;
  }
  ADD_FAILURE() << "the sample run has no case " << name;
  static const CaseFinished kNone;
  return kNone;
}

Clock::time_point SampleTime(int ms) {
  return Clock::time_point(std::chrono::seconds(kStartUnixSeconds)) + milliseconds(ms);
}

std::vector<RunEvent> SampleRun() {
  const std::string crash_note = "crashed in demo-crash/Crash.Abort: killed by SIGABRT";
  std::vector<RunEvent> events;
  events.push_back(RunStarted{
      .at = SampleTime(0), .config_path = "examples/leakwatch.yaml", .modules = 6, .jobs = 1});

  // demo-clean: PASS, FAIL, SKIP, FLAKY.
  events.push_back(
      ServerStarted{.at = SampleTime(90),
                    .name = "demo-server",
                    .pid = 1000,
                    .port = 40001,
                    .containment = "cgroup v2 leaf /sys/fs/cgroup/unified/leakwatch.1/server",
                    .ready_after = milliseconds(85)});
  events.push_back(ModuleStarted{.at = SampleTime(100),
                                 .module = "demo-clean",
                                 .pid = 1001,
                                 .server_pid = 1000,
                                 .fresh_server = true});
  events.push_back(CaseFinished{.at = SampleTime(112),
                                .module = "demo-clean",
                                .name = "Basics.Pass",
                                .status = CaseStatus::kPass,
                                .duration = microseconds(12000)});
  events.push_back(CaseFinished{.at = SampleTime(133),
                                .module = "demo-clean",
                                .name = "Basics.Fails",
                                .status = CaseStatus::kFail,
                                .duration = microseconds(20400),
                                .message = "demo_clean_test.cpp:12: Failure\n"
                                           "Expected equality of these values:\n"
                                           "  1 + 1\n"
                                           "    Which is: 2\n"
                                           "  3"});
  events.push_back(CaseFinished{.at = SampleTime(134),
                                .module = "demo-clean",
                                .name = "Basics.Skipped",
                                .status = CaseStatus::kSkipped,
                                .duration = microseconds(300)});
  events.push_back(CaseFinished{.at = SampleTime(190),
                                .module = "demo-clean",
                                .name = "Basics.Retried",
                                .status = CaseStatus::kFlaky,
                                .duration = microseconds(50000),
                                .attempt = 2});
  events.push_back(ModuleFinished{.at = SampleTime(250),
                                  .module = "demo-clean",
                                  .duration = milliseconds(150),
                                  .exit_code = 1,
                                  .output_tail = "[==========] 4 tests from 1 test suite ran.\n"
                                                 "[  PASSED  ] 2 tests.\n"
                                                 "[  FAILED  ] 1 test, listed below:\n"
                                                 "[  FAILED  ] Basics.Fails\n"});
  events.push_back(ServerStopped{
      .at = SampleTime(260), .pid = 1000, .report = "stopped by SIGTERM after 4 ms; nothing left"});

  // demo-leaks: leaks in two server workers and the test process, a child left running, a clean
  // case, and a case that could not be checked (failed, then with on_unchecked: warn).
  events.push_back(
      ServerStarted{.at = SampleTime(350),
                    .name = "demo-server",
                    .pid = kServerPid,
                    .port = 40001,
                    .generation = 2,
                    .reason = "per-module",
                    .containment = "cgroup v2 leaf /sys/fs/cgroup/unified/leakwatch.1/server",
                    .ready_after = milliseconds(80)});
  events.push_back(ModuleStarted{.at = SampleTime(360),
                                 .module = "demo-leaks",
                                 .pid = kTestPid,
                                 .server_pid = kServerPid,
                                 .fresh_server = true});
  events.push_back(CaseFinished{.at = SampleTime(400),
                                .module = "demo-leaks",
                                .name = "Leaks.HelperSpawn",
                                .status = CaseStatus::kLeak,
                                .duration = microseconds(34000),
                                .leaks = HelperSpawnLeaks()});
  events.push_back(CaseFinished{.at = SampleTime(405),
                                .module = "demo-leaks",
                                .name = "Leaks.Watchdog",
                                .status = CaseStatus::kLeak,
                                .duration = microseconds(4000),
                                .leaks = WatchdogLeaks()});
  events.push_back(CaseFinished{.at = SampleTime(409),
                                .module = "demo-leaks",
                                .name = "Leaks.Clean",
                                .status = CaseStatus::kPass,
                                .duration = microseconds(3000)});
  const std::string not_dumpable = "server: its \"after\" snapshot failed: process 1012 (" +
                                   std::string(kServerCommand) +
                                   ") of the tree: opening /proc/1012/fd: Permission denied";
  events.push_back(CaseFinished{.at = SampleTime(413),
                                .module = "demo-leaks",
                                .name = "Leaks.NotDumpable",
                                .status = CaseStatus::kUnchecked,
                                .duration = microseconds(3500),
                                .unchecked = not_dumpable});
  events.push_back(CaseFinished{.at = SampleTime(417),
                                .module = "demo-leaks",
                                .name = "Leaks.NotDumpableWarned",
                                .status = CaseStatus::kPass,
                                .duration = microseconds(3200),
                                .unchecked = not_dumpable});
  events.push_back(ModuleFinished{
      .at = SampleTime(420), .module = "demo-leaks", .duration = milliseconds(60), .exit_code = 1});
  events.push_back(ServerStopped{.at = SampleTime(430),
                                 .pid = kServerPid,
                                 .report = "stopped by SIGTERM after 3 ms; nothing left"});

  // demo-crash: the server dies during the first case; the second never runs.
  events.push_back(
      ServerStarted{.at = SampleTime(520),
                    .name = "demo-server",
                    .pid = 1020,
                    .port = 40001,
                    .generation = 3,
                    .reason = "per-module",
                    .containment = "cgroup v2 leaf /sys/fs/cgroup/unified/leakwatch.1/server",
                    .ready_after = milliseconds(82)});
  events.push_back(ModuleStarted{.at = SampleTime(530),
                                 .module = "demo-crash",
                                 .pid = 1021,
                                 .server_pid = 1020,
                                 .fresh_server = true});
  events.push_back(CaseFinished{.at = SampleTime(630),
                                .module = "demo-crash",
                                .name = "Crash.Abort",
                                .status = CaseStatus::kCrash,
                                .duration = microseconds(100000),
                                .message = CrashMessage()});
  events.push_back(CaseFinished{.at = SampleTime(640),
                                .module = "demo-crash",
                                .name = "Crash.After",
                                .status = CaseStatus::kNotRun,
                                .message = "not run: the server died during Crash.Abort"});
  events.push_back(ModuleFinished{.at = SampleTime(650),
                                  .module = "demo-crash",
                                  .duration = milliseconds(120),
                                  .exit_code = 1});
  events.push_back(ServerStopped{
      .at = SampleTime(655),
      .pid = 1020,
      .report = "killed by SIGABRT; 1 survivor killed: 1023 demo-helper (escaped with setsid)",
      .clean = false});

  // demo-hang: runs on the respawned server and times out.
  events.push_back(
      ServerStarted{.at = SampleTime(740),
                    .name = "demo-server",
                    .pid = 1030,
                    .port = 40001,
                    .generation = 4,
                    .reason = crash_note,
                    .containment = "cgroup v2 leaf /sys/fs/cgroup/unified/leakwatch.1/server",
                    .ready_after = milliseconds(84)});
  events.push_back(ModuleStarted{.at = SampleTime(750),
                                 .module = "demo-hang",
                                 .pid = 1031,
                                 .server_pid = 1030,
                                 .fresh_server = true,
                                 .server_note = crash_note});
  events.push_back(CaseFinished{.at = SampleTime(5760),
                                .module = "demo-hang",
                                .name = "Hang.Forever",
                                .status = CaseStatus::kTimeout,
                                .duration = microseconds(5000000),
                                .message = "no case-end within the case timeout (5s); the "
                                           "module's process tree was killed"});
  events.push_back(ModuleFinished{.at = SampleTime(5770),
                                  .module = "demo-hang",
                                  .duration = milliseconds(5020),
                                  .signal = 9,
                                  .timed_out = true,
                                  .output_tail = "[ RUN      ] Hang.Forever\n"});

  // demo-degraded: the pre-flight check fails, also after a respawn.
  events.push_back(ModuleNotRun{.at = SampleTime(6300),
                                .module = "demo-degraded",
                                .reason = "pre-flight failed after a respawn: GET "
                                          "http://127.0.0.1:40001/health: 503 Service "
                                          "Unavailable (degraded since demo-hang/Hang.Forever)"});

  // demo-pytest: names and messages with characters every format must escape.
  events.push_back(ModuleStarted{
      .at = SampleTime(6310), .module = "demo-pytest", .pid = 1041, .server_pid = 1030});
  events.push_back(CaseFinished{.at = SampleTime(6330),
                                .module = "demo-pytest",
                                .name = "test_markup.py::test_render[<a href=\"x\">&amp;</a>]",
                                .status = CaseStatus::kPass,
                                .duration = microseconds(2000)});
  events.push_back(CaseFinished{.at = SampleTime(6340),
                                .module = "demo-pytest",
                                .name = "test_markup.py::test_gpu",
                                .status = CaseStatus::kSkipped,
                                .duration = microseconds(100),
                                .message = "requires 'gpu' & <display> \x01\x1b[0m \xff"});
  events.push_back(ModuleFinished{.at = SampleTime(6400),
                                  .module = "demo-pytest",
                                  .duration = milliseconds(90),
                                  .exit_code = 0,
                                  .output_tail = "1 passed, 1 skipped in 0.05s ]]> \x02\n"});
  // What the engine counts, with the same RunTally.
  events.push_back(RunFinished{
      .at = SampleTime(6500), .duration = milliseconds(6500), .tally = TallyOf(events)});
  return events;
}

}  // namespace leakwatch::run::testing
