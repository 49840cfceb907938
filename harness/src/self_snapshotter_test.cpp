// The fast self-snapshot must agree with the full procfs snapshot, also after descriptors are
// replaced behind the identity cache's back.
#include "leakwatch/self_snapshotter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <thread>

#include "leakwatch/snapshot_diff.h"

namespace leakwatch {
namespace {

void ExpectSameFds(const Snapshot& fast, const Snapshot& full) {
  ASSERT_EQ(fast.fds.size(), full.fds.size());
  for (std::size_t i = 0; i < fast.fds.size(); ++i) {
    EXPECT_EQ(fast.fds[i].fd, full.fds[i].fd);
    EXPECT_EQ(fast.fds[i].kind, full.fds[i].kind) << full.fds[i].target;
    EXPECT_EQ(fast.fds[i].target, full.fds[i].target);
    EXPECT_EQ(fast.fds[i].inode, full.fds[i].inode);
  }
}

TEST(SelfSnapshotterTest, AgreesWithTheFullSnapshot) {
  SelfSnapshotter snapshotter;
  int efd = eventfd(0, EFD_CLOEXEC);
  int file = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  Result<Snapshot> fast = snapshotter.Take();
  Result<Snapshot> full = TakeSnapshot(getpid());
  ASSERT_TRUE(fast && full);
  ExpectSameFds(*fast, *full);
  EXPECT_EQ(fast->threads.size(), full->threads.size());
  close(efd);
  close(file);
}

TEST(SelfSnapshotterTest, SeesAReplacedDescriptorDespiteTheCache) {
  SelfSnapshotter snapshotter;
  int fd = eventfd(0, EFD_CLOEXEC);
  ASSERT_TRUE(snapshotter.Take());
  // Same number, same anonymous inode, other kind.
  close(fd);
  ASSERT_EQ(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC), fd);
  Result<Snapshot> after = snapshotter.Take();
  ASSERT_TRUE(after);
  auto it = std::find_if(after->fds.begin(), after->fds.end(),
                         [fd](const FdInfo& info) { return info.fd == fd; });
  ASSERT_NE(it, after->fds.end());
  EXPECT_EQ(it->kind, FdKind::kTimerfd);
  close(fd);

  // A file replaced by another file at the same number.
  int a = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  ASSERT_TRUE(snapshotter.Take());
  close(a);
  ASSERT_EQ(open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC), a);
  after = snapshotter.Take();
  ASSERT_TRUE(after);
  it = std::find_if(after->fds.begin(), after->fds.end(),
                    [a](const FdInfo& info) { return info.fd == a; });
  ASSERT_NE(it, after->fds.end());
  EXPECT_EQ(it->kind, FdKind::kDir);
  close(a);
}

TEST(SelfSnapshotterTest, RepeatedSnapshotsLeaveNothingBehind) {
  SelfSnapshotter snapshotter;
  Result<Snapshot> first = snapshotter.Take();
  ASSERT_TRUE(first);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(snapshotter.Take());
  Result<Snapshot> last = snapshotter.Take();
  ASSERT_TRUE(last);
  EXPECT_TRUE(DiffSnapshots(*first, *last).Empty());
  Result<Snapshot> full = TakeSnapshot(getpid());
  ASSERT_TRUE(full);
  ExpectSameFds(*last, *full);
}

TEST(SelfSnapshotterTest, NamesNewThreads) {
  SelfSnapshotter snapshotter;
  Result<Snapshot> before = snapshotter.Take();
  // Two pipes: one says the thread has named itself, the other lets it finish.
  int named[2], finish[2];
  ASSERT_EQ(pipe2(named, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(finish, O_CLOEXEC), 0);
  std::thread worker([&] {
    pthread_setname_np(pthread_self(), "lw-worker");
    char c = 'x';
    (void)!write(named[1], &c, 1);
    (void)!read(finish[0], &c, 1);
  });
  char c;
  ASSERT_EQ(read(named[0], &c, 1), 1);
  Result<Snapshot> during = snapshotter.Take();
  ASSERT_EQ(write(finish[1], "y", 1), 1);
  worker.join();
  for (int fd : {named[0], named[1], finish[0], finish[1]}) close(fd);
  ASSERT_TRUE(before && during);
  SnapshotDiff d = DiffSnapshots(*before, *during);
  ASSERT_EQ(d.threads_added.size(), 1u);
  EXPECT_EQ(d.threads_added[0].name, "lw-worker");
}

}  // namespace
}  // namespace leakwatch
