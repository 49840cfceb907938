// The repeat-hunt rule over the runner's per-run reports: only kinds that grew in every measured
// run count, per target, with the growth summed; warm-up runs and runs that found nothing matter.
#include "hunt.h"

#include <gtest/gtest.h>

namespace leakwatch::run {
namespace {

LeakReport Report(const std::string& target, std::vector<LeakedKind> kinds,
                  std::vector<std::string> details = {}) {
  LeakReport report;
  report.target = target;
  report.pid = target == "server" ? 100 : 200;
  report.kinds = std::move(kinds);
  report.details = std::move(details);
  return report;
}

TEST(HuntTest, AKindThatGrewInEveryMeasuredRunIsConfirmedWithItsGrowthSummed) {
  std::vector<std::vector<LeakReport>> runs = {
      {Report("test", {{"eventfd", 5}})},  // warm-up: not counted
      {Report("test", {{"eventfd", 1}}, {"fd 7 eventfd"})},
      {Report("test", {{"eventfd", 2}}, {"fd 8 eventfd", "fd 9 eventfd"})},
  };
  std::vector<LeakReport> confirmed = GrewInEveryRun(runs, 1);
  ASSERT_EQ(confirmed.size(), 1u);
  EXPECT_EQ(confirmed[0].target, "test");
  EXPECT_EQ(confirmed[0].pid, 200);
  ASSERT_EQ(confirmed[0].kinds.size(), 1u);
  EXPECT_EQ(confirmed[0].kinds[0].kind, "eventfd");
  EXPECT_EQ(confirmed[0].kinds[0].count, 3);
  EXPECT_EQ(confirmed[0].details, (std::vector<std::string>{"fd 8 eventfd", "fd 9 eventfd"}))
      << "the last run's details";
}

TEST(HuntTest, GrowthInTheWarmUpOnlyOrInSomeRunsOnlyIsNotALeak) {
  EXPECT_TRUE(GrewInEveryRun({{Report("test", {{"thread", 1}})}, {}, {}}, 1).empty())
      << "one-time initialisation in the warm-up";
  EXPECT_TRUE(GrewInEveryRun({{}, {Report("server", {{"pidfd", 1}})}, {}}, 1).empty())
      << "a measured run without growth clears the kind";
  EXPECT_TRUE(GrewInEveryRun({{Report("test", {{"eventfd", 1}})}}, 1).empty())
      << "no measured run: nothing to judge";
}

TEST(HuntTest, TargetsAndKindsAreJudgedEachOnTheirOwn) {
  std::vector<std::vector<LeakReport>> runs = {
      {Report("server", {{"pidfd", 1}, {"thread", 1}}), Report("test", {{"child", 1}})},
      {Report("server", {{"pidfd", 1}}), Report("test", {{"child", 1}})},
  };
  std::vector<LeakReport> confirmed = GrewInEveryRun(runs, 0);
  ASSERT_EQ(confirmed.size(), 2u);
  EXPECT_EQ(confirmed[0].target, "server");
  ASSERT_EQ(confirmed[0].kinds.size(), 1u) << "thread grew in the first run only";
  EXPECT_EQ(confirmed[0].kinds[0].kind, "pidfd");
  EXPECT_EQ(confirmed[0].kinds[0].count, 2);
  EXPECT_EQ(confirmed[1].target, "test");
  EXPECT_EQ(confirmed[1].kinds[0].kind, "child");
  EXPECT_EQ(confirmed[1].kinds[0].count, 2);
}

}  // namespace
}  // namespace leakwatch::run
