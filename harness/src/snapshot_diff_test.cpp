// Diffs of real snapshots taken before and after a process opened or closed something.
#include "leakwatch/snapshot_diff.h"

#include <gtest/gtest.h>

#include "child_process.h"

namespace leakwatch {
namespace {

using testing::BinPath;
using testing::ChildProcess;

class DiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    holder_ = ChildProcess::Start({BinPath("lw-holder")});
    holder_.ReadLineStartingWith("ready");
  }
  Snapshot Take() {
    Result<Snapshot> snap = TakeSnapshot(holder_.pid());
    EXPECT_TRUE(snap) << snap.error().message();
    return snap ? *snap : Snapshot{};
  }
  int Open(const std::string& kind) {
    std::string reply = holder_.Command("open " + kind);
    EXPECT_EQ(reply.substr(0, 3), "ok ") << reply;
    return reply.size() > 3 ? std::stoi(reply.substr(3)) : -1;
  }
  ChildProcess holder_;
};

TEST_F(DiffTest, NoChangeIsEmpty) {
  Snapshot before = Take();
  SnapshotDiff d = DiffSnapshots(before, Take());
  EXPECT_TRUE(d.Empty());
  EXPECT_EQ(d.delta.TotalFds(), 0);
}

TEST_F(DiffTest, NamesTheAddedFdAndItsKind) {
  Snapshot before = Take();
  int fd = Open("pidfd");
  SnapshotDiff d = DiffSnapshots(before, Take());
  ASSERT_EQ(d.fds_added.size(), 1u);
  EXPECT_EQ(d.fds_added[0].fd, fd);
  EXPECT_EQ(d.fds_added[0].kind, FdKind::kPidfd);
  EXPECT_TRUE(d.fds_removed.empty());
  EXPECT_EQ(d.delta.fds[FdKind::kPidfd], 1);
  EXPECT_EQ(d.delta.TotalFds(), 1);
}

TEST_F(DiffTest, NamesTheRemovedFd) {
  int fd = Open("eventfd");
  Snapshot before = Take();
  ASSERT_EQ(holder_.Command("close " + std::to_string(fd)), "ok");
  SnapshotDiff d = DiffSnapshots(before, Take());
  ASSERT_EQ(d.fds_removed.size(), 1u);
  EXPECT_EQ(d.fds_removed[0].fd, fd);
  EXPECT_EQ(d.delta.fds[FdKind::kEventfd], -1);
}

TEST_F(DiffTest, ReplacedFdIsBothRemovedAndAddedWithNetZero) {
  int fd = Open("pipe");
  Snapshot before = Take();
  ASSERT_EQ(holder_.Command("close " + std::to_string(fd)), "ok");
  ASSERT_EQ(Open("pipe"), fd) << "the lowest free number is reused";
  SnapshotDiff d = DiffSnapshots(before, Take());
  EXPECT_EQ(d.fds_added.size(), 1u) << "a new pipe has a new inode";
  EXPECT_EQ(d.fds_removed.size(), 1u);
  EXPECT_EQ(d.delta.fds[FdKind::kPipe], 0);
}

TEST_F(DiffTest, ThreadsAndChildrenAddedByIdentity) {
  Snapshot before = Take();
  std::string thread = holder_.Command("thread worker-x");
  std::string zombie = holder_.Command("zombie");
  ASSERT_EQ(thread.substr(0, 3), "ok ");
  ASSERT_EQ(zombie.substr(0, 3), "ok ");
  SnapshotDiff d = DiffSnapshots(before, Take());
  ASSERT_EQ(d.threads_added.size(), 1u);
  EXPECT_EQ(d.threads_added[0].name, "worker-x");
  EXPECT_EQ(d.threads_added[0].tid, std::stoi(thread.substr(3)));
  ASSERT_EQ(d.children_added.size(), 1u);
  EXPECT_EQ(d.children_added[0].pid, std::stoi(zombie.substr(3)));
  EXPECT_EQ(d.children_added[0].state, ProcessState::kZombie);
  EXPECT_EQ(d.delta.threads, 1);
  EXPECT_EQ(d.delta.children, 1);
}

TEST(DiffIdentityTest, ReusedPidWithNewStartTimeIsANewProcess) {
  Snapshot before, after;
  ProcessInfo first;
  first.pid = 100;
  first.start_time = 5;
  ProcessInfo reused = first;
  reused.start_time = 9;
  before.children.push_back(first);
  after.children.push_back(reused);
  SnapshotDiff d = DiffSnapshots(before, after);
  EXPECT_EQ(d.children_added.size(), 1u);
  EXPECT_EQ(d.children_removed.size(), 1u);
  EXPECT_EQ(d.delta.children, 0);
}

}  // namespace
}  // namespace leakwatch
