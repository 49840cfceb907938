// Settle on real processes: a resource closed shortly after the "after" point is not a leak, one
// that stays open is; and the retry schedule on a scripted sequence of snapshots.
#include "leakwatch/settle.h"

#include <gtest/gtest.h>

#include "child_process.h"

namespace leakwatch {
namespace {

using testing::BinPath;
using testing::ChildProcess;

class SettleOnHolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    holder_ = ChildProcess::Start({BinPath("lw-holder")});
    holder_.ReadLineStartingWith("ready");
    Result<Snapshot> snap = TakeSnapshot(holder_.pid());
    ASSERT_TRUE(snap);
    before_ = *snap;
  }
  SnapshotFunction TakeAfter() {
    return [pid = holder_.pid()] { return TakeSnapshot(pid); };
  }
  ChildProcess holder_;
  Snapshot before_;
};

TEST_F(SettleOnHolderTest, ResourceClosedTwentyMillisecondsLaterIsNotALeak) {
  std::string reply = holder_.Command("open pipe");
  ASSERT_EQ(reply.substr(0, 3), "ok ");
  ASSERT_EQ(holder_.Command("close-later " + reply.substr(3) + " 20"), "ok");
  Result<SettleResult> r = Settle(before_, TakeAfter(), Slack{});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->growth.empty()) << SummarizeGrowth(r->growth);
  EXPECT_EQ(r->diff.delta.fds[FdKind::kPipe], 0);
}

TEST_F(SettleOnHolderTest, ResourceThatStaysOpenIsALeak) {
  std::string reply = holder_.Command("open pidfd");
  ASSERT_EQ(reply.substr(0, 3), "ok ");
  Result<SettleResult> r = Settle(before_, TakeAfter(), Slack{});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->growth.size(), 1u);
  EXPECT_EQ(r->growth[0].key, "pidfd");
  EXPECT_EQ(r->growth[0].delta, 1);
  ASSERT_EQ(r->diff.fds_added.size(), 1u);
  EXPECT_EQ(r->diff.fds_added[0].fd, std::stoi(reply.substr(3)));
  EXPECT_GE(r->waited, SettlePolicy{}.deadline) << "a leak is only reported at the deadline";
  EXPECT_GT(r->snapshots, 1);
}

TEST_F(SettleOnHolderTest, GrowthWithinSlackSettlesAtOnce) {
  ASSERT_EQ(holder_.Command("open eventfd").substr(0, 3), "ok ");
  Result<Slack> slack = ParseSlack("eventfd=1");
  ASSERT_TRUE(slack);
  Result<SettleResult> r = Settle(before_, TakeAfter(), *slack);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->growth.empty());
  EXPECT_EQ(r->snapshots, 1);
}

TEST_F(SettleOnHolderTest, ProcessGoneIsAnError) {
  SnapshotFunction take_after = TakeAfter();
  holder_.Kill();
  Result<SettleResult> r = Settle(before_, take_after, Slack{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
}

// A scripted process: leaks until the n-th snapshot, then is clean.
SnapshotFunction CleanFrom(int n, int& calls) {
  return [n, &calls]() -> Result<Snapshot> {
    Snapshot s;
    FdInfo leaked;
    leaked.fd = 3;
    leaked.kind = FdKind::kTimerfd;
    if (++calls < n) s.fds.push_back(leaked);
    return s;
  };
}

TEST(SettleScheduleTest, RetriesUntilClean) {
  int calls = 0;
  Result<SettleResult> r = Settle(Snapshot{}, CleanFrom(4, calls), Slack{}, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->snapshots, 4);
  EXPECT_TRUE(r->growth.empty());
}

TEST(SettleScheduleTest, ZeroDeadlineTakesOneSnapshot) {
  int calls = 0;
  SettlePolicy policy;
  policy.deadline = std::chrono::milliseconds(0);
  Result<SettleResult> r = Settle(Snapshot{}, CleanFrom(100, calls), Slack{}, policy);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->snapshots, 1);
  EXPECT_EQ(r->growth.size(), 1u);
}

TEST(SettleScheduleTest, BackoffDoublesFromOneMillisecondUpToTheCap) {
  // Sleeps of 1, 2, 4, ... ms capped at 100 ms within 500 ms: at most 1+2+4+...+64 = 127 ms
  // for 8 snapshots, then 100 ms steps: about 11 snapshots in all. The count is bounded from
  // above by the schedule whatever the load, since every sleep lasts at least its backoff.
  int calls = 0;
  Result<SettleResult> r = Settle(Snapshot{}, CleanFrom(1'000'000, calls), Slack{}, {});
  ASSERT_TRUE(r);
  EXPECT_LE(r->snapshots, 12);
  EXPECT_GE(r->snapshots, 2);
  EXPECT_EQ(r->growth.size(), 1u);
}

}  // namespace
}  // namespace leakwatch
