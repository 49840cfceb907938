// Snapshots of real processes: every kind classified exactly, exact counts at 10,000 FDs,
// threads, zombies and grandchildren, and the errors for vanished and unreadable PIDs.
#include "leakwatch/snapshot.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "child_process.h"

namespace leakwatch {
namespace {

using testing::BinPath;
using testing::ChildProcess;

const FdInfo* FindFd(const Snapshot& snap, int fd) {
  for (const FdInfo& info : snap.fds) {
    if (info.fd == fd) return &info;
  }
  return nullptr;
}

TEST(SnapshotTest, ClassifiesEveryKindExactly) {
  ChildProcess holder = ChildProcess::Start({BinPath("lw-holder"), "--kinds"});
  std::map<int, std::string> planted;  // fd -> kind as the holder names it
  for (std::string line = holder.ReadLine(); line.rfind("fd ", 0) == 0; line = holder.ReadLine()) {
    std::istringstream in(line.substr(3));
    int fd;
    std::string kind;
    in >> fd >> kind;
    planted[fd] = kind;
  }
  ASSERT_EQ(planted.size(), 19u);

  Result<Snapshot> snap = TakeSnapshot(holder.pid());
  ASSERT_TRUE(snap) << snap.error().message();
  for (const auto& [fd, kind] : planted) {
    const FdInfo* info = FindFd(*snap, fd);
    ASSERT_NE(info, nullptr) << "fd " << fd << " (" << kind << ") missing";
    std::string expected = kind == "orphan-pidfd" ? "pidfd" : kind;
    EXPECT_EQ(FdKindName(info->kind), expected) << "fd " << fd << " -> " << info->target;
    if (kind == "pidfd") {
      EXPECT_EQ(info->pidfd_pid, holder.pid());
    }
    if (kind == "orphan-pidfd") {
      EXPECT_EQ(info->pidfd_pid, -1) << "a reaped target reads -1";
    }
    if (kind == "tcp") {
      EXPECT_EQ(info->protocol, "TCP");
    }
    if (kind == "udp6") {
      EXPECT_EQ(info->protocol, "UDPv6");
    }
    if (kind == "pipe" || kind == "tcp" || kind == "file" || kind == "memfd") {
      EXPECT_NE(info->inode, 0u) << kind << " has an inode of its own";
    }
  }
}

TEST(SnapshotTest, CountsAreExactAtTenThousandFds) {
  ChildProcess baseline = ChildProcess::Start({BinPath("lw-holder")});
  baseline.ReadLineStartingWith("ready");
  ChildProcess holder = ChildProcess::Start({BinPath("lw-holder"), "--fds", "10000"});
  holder.ReadLineStartingWith("ready");

  Result<Snapshot> base = TakeSnapshot(baseline.pid());
  Result<Snapshot> snap = TakeSnapshot(holder.pid());
  ASSERT_TRUE(base && snap);

  // Independent count: the directory as the standard library lists it.
  std::size_t listed = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(holder.pid()) + "/fd")) {
    ++listed;
  }
  EXPECT_EQ(snap->fds.size(), listed);

  // The holder opens an equal mix of /dev/null, pipes, unix sockets and eventfds.
  ResourceCounts delta = Subtract(snap->Counts(), base->Counts());
  EXPECT_EQ(delta.fds[FdKind::kChr], 2500);
  EXPECT_EQ(delta.fds[FdKind::kPipe], 2500);
  EXPECT_EQ(delta.fds[FdKind::kUnix], 2500);
  EXPECT_EQ(delta.fds[FdKind::kEventfd], 2500);
  EXPECT_EQ(delta.TotalFds(), 10000);
  EXPECT_GE(snap->fd_soft_limit, 10000);
}

TEST(SnapshotTest, CountsThreadsWithNames) {
  ChildProcess holder = ChildProcess::Start({BinPath("lw-holder"), "--threads", "5"});
  holder.ReadLineStartingWith("ready");
  Result<Snapshot> snap = TakeSnapshot(holder.pid());
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->threads.size(), 6u);  // main + 5
  std::set<std::string> names;
  for (const ThreadInfo& t : snap->threads) names.insert(t.name);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(names.contains("holder-" + std::to_string(i)));
  EXPECT_EQ(snap->threads.front().tid, holder.pid()) << "threads are ordered by TID";
}

TEST(SnapshotTest, CountsZombieChildren) {
  ChildProcess holder = ChildProcess::Start({BinPath("lw-holder"), "--zombies", "3"});
  holder.ReadLineStartingWith("ready");
  Result<Snapshot> snap = TakeSnapshot(holder.pid());
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->children.size(), 3u);
  for (const ProcessInfo& child : snap->children) {
    EXPECT_EQ(child.state, ProcessState::kZombie);
    EXPECT_EQ(child.ppid, holder.pid());
    EXPECT_EQ(child.depth, 1);
    EXPECT_EQ(child.cmd, "[lw-holder]") << "a zombie has no cmdline; its comm is shown";
  }
  EXPECT_EQ(snap->Counts().children, 3);
}

TEST(SnapshotTest, FollowsDescendantsBeyondDirectChildren) {
  ChildProcess holder = ChildProcess::Start({BinPath("lw-holder"), "--grandchild"});
  holder.ReadLineStartingWith("ready");
  // "ready" comes after the grandchild exists.
  Result<Snapshot> snap = TakeSnapshot(holder.pid());
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->children.size(), 2u);
  EXPECT_EQ(snap->children[0].depth, 1);
  EXPECT_EQ(snap->children[1].depth, 2);
  EXPECT_EQ(snap->children[1].ppid, snap->children[0].pid);
  EXPECT_EQ(snap->DirectChildCount(), 1);
  EXPECT_NE(snap->children[1].cmd.find("lw-holder"), std::string::npos);
}

TEST(SnapshotTest, VanishedPidIsNotFound) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  Result<Snapshot> snap = TakeSnapshot(child);
  ASSERT_FALSE(snap);
  EXPECT_EQ(snap.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(snap.error().message(), "process " + std::to_string(child) + " does not exist");
}

TEST(SnapshotTest, UnreapedExitedProcessIsNotFound) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PID, child, &info, WEXITED | WNOWAIT), 0);  // exited, not reaped
  Result<Snapshot> snap = TakeSnapshot(child);
  waitpid(child, nullptr, 0);
  ASSERT_FALSE(snap);
  EXPECT_EQ(snap.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(snap.error().message().find("zombie"), std::string::npos) << snap.error().message();
}

TEST(SnapshotTest, UnreadablePidIsPermissionDenied) {
  ChildProcess holder = ChildProcess::Start({BinPath("lw-holder")});
  holder.ReadLineStartingWith("ready");
  // As root everything is readable, so the snapshot is taken by a child that dropped to nobody.
  // Not root: our own children are readable, so look at PID 1 instead.
  pid_t target = geteuid() == 0 ? holder.pid() : 1;
  std::string out = testing::InChildAsNobody([&] {
    Result<Snapshot> snap = TakeSnapshot(target);
    return snap ? "ok"
                : std::to_string(static_cast<int>(snap.error().code())) + " " +
                      snap.error().message();
  });
  EXPECT_EQ(out.substr(0, 2), std::to_string(static_cast<int>(ErrorCode::kPermissionDenied)) + " ");
  EXPECT_NE(out.find("/proc/" + std::to_string(target) + "/"), std::string::npos) << out;
}

TEST(SnapshotTest, SelfSnapshotLeavesOutItsOwnDescriptors) {
  Result<Snapshot> first = TakeSnapshot(getpid());
  Result<Snapshot> second = TakeSnapshot(getpid());
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->Counts().fds.by_kind, second->Counts().fds.by_kind);
  for (const FdInfo& fd : first->fds) {
    EXPECT_EQ(fd.target.find("/proc/" + std::to_string(getpid())), std::string::npos)
        << "the snapshot's own /proc descriptor was counted: fd " << fd.fd;
  }

  int p[2];
  ASSERT_EQ(pipe(p), 0);
  Result<Snapshot> with_pipe = TakeSnapshot(getpid());
  close(p[0]);
  close(p[1]);
  ASSERT_TRUE(with_pipe);
  EXPECT_EQ(with_pipe->Counts().fds[FdKind::kPipe] - first->Counts().fds[FdKind::kPipe], 2);
}

TEST(SnapshotTest, ReadsMemoryAndLimit) {
  Result<Snapshot> snap = TakeSnapshot(getpid());
  ASSERT_TRUE(snap);
  EXPECT_GT(snap->memory.rss_kb, 0);
  EXPECT_GE(snap->memory.peak_rss_kb, snap->memory.rss_kb);
  EXPECT_GT(snap->memory.mappings, 10);
  rlimit lim{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &lim), 0);
  EXPECT_EQ(snap->fd_soft_limit,
            lim.rlim_cur == RLIM_INFINITY ? -1 : static_cast<std::int64_t>(lim.rlim_cur));
}

TEST(SnapshotTest, ResolvesSocketEndpointsOnlyWhenAsked) {
  ChildProcess holder = ChildProcess::Start({BinPath("lw-holder")});
  holder.ReadLineStartingWith("ready");
  std::string reply = holder.Command("open tcp");
  ASSERT_EQ(reply.substr(0, 3), "ok ");
  int fd = std::stoi(reply.substr(3));

  Result<Snapshot> plain = TakeSnapshot(holder.pid());
  ASSERT_TRUE(plain);
  ASSERT_NE(FindFd(*plain, fd), nullptr);
  EXPECT_EQ(FindFd(*plain, fd)->endpoint, "");

  SnapshotOptions options;
  options.resolve_socket_endpoints = true;
  Result<Snapshot> resolved = TakeSnapshot(holder.pid(), options);
  ASSERT_TRUE(resolved);
  const std::string& endpoint = FindFd(*resolved, fd)->endpoint;
  EXPECT_EQ(endpoint.rfind("127.0.0.1:", 0), 0u) << endpoint;
  EXPECT_NE(endpoint.find("LISTEN"), std::string::npos) << endpoint;
}

TEST(SnapshotTest, OptionsSkipWhatIsNotAsked) {
  SnapshotOptions options;
  options.threads = options.children = options.memory = false;
  Result<Snapshot> snap = TakeSnapshot(getpid(), options);
  ASSERT_TRUE(snap);
  EXPECT_FALSE(snap->fds.empty());
  EXPECT_TRUE(snap->threads.empty());
  EXPECT_EQ(snap->memory.rss_kb, 0);
}

}  // namespace
}  // namespace leakwatch
