// Golden tests of the console formats (console_format.h) on hand-built snapshots: the exact text
// users read. A change here is a change of the CLI's output; update docs/cli.md with it.
//
// Resources are worded by the harness (leak_report.h), which reads the state of a pidfd's
// process now: the pidfds here point at this test process (running), at a PID no process can
// have (gone), or are orphaned, so that the text is the same on every machine.
#include "cli/console_format.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "leakwatch/leak_report.h"

namespace leakwatch::cli {
namespace {

// Above the kernel's PID_MAX_LIMIT (4194304): no process has it.
constexpr pid_t kNoSuchPid = 4194304 + 7;

// `text` with "$SELF" replaced by this process's PID.
std::string WithSelf(std::string text) {
  const std::string self = std::to_string(getpid());
  for (std::size_t at = text.find("$SELF"); at != std::string::npos; at = text.find("$SELF", at)) {
    text.replace(at, 5, self);
  }
  return text;
}

FdInfo Fd(int fd, FdKind kind, std::string target, pid_t pidfd_pid = 0) {
  FdInfo info;
  info.fd = fd;
  info.kind = kind;
  info.target = std::move(target);
  info.pidfd_pid = pidfd_pid;
  return info;
}

ProcessInfo Child(pid_t pid, ProcessState state, int depth, std::string cmd) {
  ProcessInfo info;
  info.pid = pid;
  info.state = state;
  info.depth = depth;
  info.cmd = std::move(cmd);
  return info;
}

// taken_at_unix_ms stays 0 so that the text does not depend on the time zone.
Snapshot ServerSnapshot() {
  Snapshot snap;
  snap.pid = 4242;
  snap.command = "server";
  snap.fds = {Fd(0, FdKind::kChr, "/dev/null"),
              Fd(1, FdKind::kPipe, "pipe:[100]"),
              Fd(2, FdKind::kPipe, "pipe:[101]"),
              Fd(3, FdKind::kTcp, "socket:[200]"),
              Fd(4, FdKind::kEventpoll, "anon_inode:[eventpoll]"),
              Fd(5, FdKind::kPidfd, "anon_inode:[pidfd]", getpid()),
              Fd(6, FdKind::kPidfd, "anon_inode:[pidfd]", -1)};
  snap.fds[3].protocol = "TCP";
  snap.fds[3].endpoint = "127.0.0.1:8080 LISTEN";
  snap.threads = {{4242, "server"}, {4243, "worker"}, {4244, "worker"}};
  snap.children = {Child(4300, ProcessState::kSleeping, 1, "/usr/bin/helper --serve"),
                   Child(4301, ProcessState::kZombie, 1, "[renderer]"),
                   Child(4302, ProcessState::kSleeping, 2, "/usr/bin/helper --child")};
  snap.memory = {2024, 2100, 45};
  snap.fd_soft_limit = 1024;
  return snap;
}

TEST(ConsoleFormatTest, SnapshotTable) {
  EXPECT_EQ(
      FormatSnapshotTable(ServerSnapshot()),
      WithSelf("process 4242 (server) at unknown time\n"
               "\n"
               "fds: 7 open, soft limit 1024\n"
               "  chr              1\n"
               "  pipe             2\n"
               "  tcp              1\n"
               "  eventpoll        1\n"
               "      fd 4     anon_inode:[eventpoll]\n"
               "  pidfd            2  (1 ORPHANED)\n"
               "      fd 6     anon_inode:[pidfd] -> orphaned (its process has exited and been "
               "reaped)\n"
               "      fd 5     anon_inode:[pidfd] -> pid $SELF (running)\n"
               "\n"
               "threads:           3\n"
               "  server             1  tid 4242\n"
               "  worker             2  tid 4243 4244\n"
               "\n"
               "children:          3  (1 ZOMBIE)\n"
               "  child 4300 (sleeping) /usr/bin/helper --serve\n"
               "  child 4301 (zombie) [renderer]  (exited, not reaped by its parent)\n"
               "    child 4302 (sleeping) /usr/bin/helper --child\n"
               "\n"
               "memory: rss 2024 kB, peak rss 2100 kB, 45 mappings\n"));
}

TEST(ConsoleFormatTest, SnapshotTableWithSocketsListsEndpoints) {
  std::string text = FormatSnapshotTable(ServerSnapshot(), {.show_socket_endpoints = true});
  EXPECT_NE(text.find("  tcp              1\n"
                      "      fd 3     socket:[200] 127.0.0.1:8080 LISTEN\n"),
            std::string::npos)
      << text;
}

TEST(ConsoleFormatTest, SnapshotTableCutsLongListsButKeepsOrphans) {
  Snapshot snap = ServerSnapshot();
  for (int fd = 10; fd < 40; ++fd) {
    snap.fds.push_back(Fd(fd, FdKind::kPidfd, "anon_inode:[pidfd]", kNoSuchPid));
  }
  snap.fds.push_back(Fd(40, FdKind::kPidfd, "anon_inode:[pidfd]", -1));
  std::string text = FormatSnapshotTable(snap, {.max_listed = 3});
  EXPECT_NE(text.find("  pidfd           33  (2 ORPHANED)\n"
                      "      fd 6     anon_inode:[pidfd] -> orphaned ("),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("      fd 40    anon_inode:[pidfd] -> orphaned ("), std::string::npos)
      << text;
  EXPECT_NE(text.find("      ... and 30 more (--json lists them all)\n"), std::string::npos)
      << text;
}

TEST(ConsoleFormatTest, SnapshotTableOfAnUnlimitedEmptyProcess) {
  Snapshot snap;
  snap.pid = 7;
  snap.command = "idle";
  EXPECT_EQ(FormatSnapshotTable(snap),
            "process 7 (idle) at unknown time\n"
            "\n"
            "fds: 0 open, soft limit unlimited\n"
            "\n"
            "threads:           0\n"
            "\n"
            "children:          0\n"
            "\n"
            "memory: rss 0 kB, peak rss 0 kB, 0 mappings\n");
}

TEST(ConsoleFormatTest, DiffReport) {
  Snapshot before = ServerSnapshot();
  Snapshot after = ServerSnapshot();
  after.fds.erase(after.fds.begin() + 4);  // the eventpoll
  after.fds.push_back(Fd(7, FdKind::kPidfd, "anon_inode:[pidfd]", -1));
  after.fds.push_back(Fd(8, FdKind::kPidfd, "anon_inode:[pidfd]", kNoSuchPid));
  after.threads.push_back({4250, "worker"});
  after.children.pop_back();  // 4302 exited
  after.children.push_back(Child(4310, ProcessState::kRunning, 1, "/usr/bin/helper --once"));
  after.memory.rss_kb += 12;
  SnapshotDiff diff = DiffSnapshots(before, after);
  Slack slack;
  slack.allowed.threads = 1;
  std::vector<Growth> growth = GrowthBeyondSlack(diff.delta, slack);

  EXPECT_EQ(FormatDiffReport(before, after, diff, growth, slack),
            "before: process 4242 (server) at unknown time\n"
            "after:  process 4242 (server) at unknown time\n"
            "deltas: fd +1  eventpoll -1  pidfd +2  thread +1  child 0  rss +12kB  mappings 0\n"
            "added:\n"
            "  fd 7 pidfd anon_inode:[pidfd] -> orphaned (its process has exited and been "
            "reaped)\n"
            "  fd 8 pidfd anon_inode:[pidfd] -> pid 4194311 (gone)\n"
            "  thread 4250 \"worker\"\n"
            "  child 4310 (running) /usr/bin/helper --once\n"
            "removed:\n"
            "  fd 4 eventpoll anon_inode:[eventpoll]\n"
            "  child 4302 (sleeping) /usr/bin/helper --child\n"
            "grew beyond slack: pidfd +2 (slack 0)\n");
}

// A resource reads the same in `diff` as in a leak report of `leakwatch run` or the listener.
TEST(ConsoleFormatTest, DiffWordsResourcesAsLeakReportsDo) {
  Snapshot before = ServerSnapshot();
  Snapshot after = ServerSnapshot();
  after.fds.push_back(Fd(9, FdKind::kPidfd, "anon_inode:[pidfd]", getpid()));
  after.threads.push_back({4251, "stuck"});
  SnapshotDiff diff = DiffSnapshots(before, after);
  std::vector<Growth> growth = GrowthBeyondSlack(diff.delta, Slack{});
  std::string text = FormatDiffReport(before, after, diff, growth, Slack{});
  std::vector<LeakReport> leaks = DescribeProcessLeak("server", 4242, "server", diff, growth);
  ASSERT_EQ(leaks.size(), 1u);
  ASSERT_EQ(leaks[0].details.size(), 2u);
  for (const std::string& detail : leaks[0].details) {
    EXPECT_NE(text.find("\n  " + detail + "\n"), std::string::npos) << detail << "\n" << text;
  }
}

TEST(ConsoleFormatTest, DiffReportWithinSlack) {
  Snapshot snap = ServerSnapshot();
  SnapshotDiff diff = DiffSnapshots(snap, snap);
  std::string text = FormatDiffReport(snap, snap, diff, {}, Slack::Uniform(2));
  EXPECT_NE(text.find("\ndeltas: fd 0  thread 0  child 0  rss 0kB  mappings 0\n"
                      "no growth beyond slack (fd=2,thread=2,child=2)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("added:"), std::string::npos) << text;
}

TEST(ConsoleFormatTest, WatchLineShowsNonzeroAndChangedKindsWithChangesSinceFirst) {
  WatchSample first;
  first.counts.fds[FdKind::kPipe] = 2;
  first.counts.fds[FdKind::kEventpoll] = 1;
  first.counts.fds[FdKind::kEventfd] = 1;  // closed since: shown as 0 (-1)
  first.counts.threads = 2;
  first.rss_kb = 2012;
  WatchSample now;
  now.counts.fds[FdKind::kPipe] = 4;
  now.counts.fds[FdKind::kEventpoll] = 1;
  now.counts.threads = 3;
  now.rss_kb = 2024;

  EXPECT_EQ(FormatWatchLine("10:41:02", now, first),
            "10:41:02  fd 5 (+1)  pipe 4 (+2)  eventpoll 1  eventfd 0 (-1)  thread 3 (+1)  "
            "child 0  rss 2024kB (+12)");
  EXPECT_EQ(FormatWatchLine("10:41:01", first, first),
            "10:41:01  fd 4  pipe 2  eventpoll 1  eventfd 1  thread 2  child 0  rss 2012kB");
}

TEST(ConsoleFormatTest, FormatSigned) {
  EXPECT_EQ(FormatSigned(2), "+2");
  EXPECT_EQ(FormatSigned(-1), "-1");
  EXPECT_EQ(FormatSigned(0), "0");
}

}  // namespace
}  // namespace leakwatch::cli
