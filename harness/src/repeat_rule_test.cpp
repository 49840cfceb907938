#include "leakwatch/repeat_rule.h"

#include <gtest/gtest.h>

namespace leakwatch {
namespace {

ResourceCounts Delta(std::int64_t pidfd, std::int64_t threads) {
  ResourceCounts c;
  c.fds[FdKind::kPidfd] = pidfd;
  c.threads = threads;
  return c;
}

TEST(RepeatRuleTest, GrowthInEveryMeasuredRunIsALeak) {
  std::vector<Growth> g = GrewInEveryRun({Delta(1, 0), Delta(1, 0), Delta(2, 0)}, 1);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].key, "pidfd");
  EXPECT_EQ(g[0].delta, 3) << "the sum over measured runs, warm-ups left out";
}

TEST(RepeatRuleTest, OneTimeInitialisationIsNotALeak) {
  // A lazily started thread: +1 in the first run only.
  EXPECT_TRUE(GrewInEveryRun({Delta(0, 1), Delta(0, 0), Delta(0, 0)}, 0).empty());
  EXPECT_TRUE(GrewInEveryRun({Delta(0, 1), Delta(0, 0), Delta(0, 0)}, 1).empty());
}

TEST(RepeatRuleTest, WarmupsAreNotMeasured) {
  EXPECT_TRUE(GrewInEveryRun({Delta(0, 0), Delta(1, 0)}, 0).empty());
  EXPECT_EQ(GrewInEveryRun({Delta(0, 0), Delta(1, 0)}, 1).size(), 1u);
}

TEST(RepeatRuleTest, NoMeasuredRunMeansNoLeak) {
  EXPECT_TRUE(GrewInEveryRun({Delta(5, 5)}, 1).empty());
  EXPECT_TRUE(GrewInEveryRun({}, 0).empty());
}

TEST(RepeatRuleTest, ShrinkingInOneRunClearsTheKind) {
  EXPECT_TRUE(GrewInEveryRun({Delta(1, 1), Delta(-1, 1), Delta(1, 1)}, 0).size() == 1u);
}

}  // namespace
}  // namespace leakwatch
