// The repeat-hunt rule over the runner's per-run reports: only kinds that grew in every measured
// run count, per target summed over its processes; warm-up runs and runs that found nothing
// matter.
#include "hunt.h"

#include <gtest/gtest.h>

namespace leakwatch::run {
namespace {

LeakReport Report(const std::string& target, std::vector<LeakedKind> kinds,
                  std::vector<std::string> details = {}, pid_t pid = 0) {
  LeakReport report;
  report.target = target;
  report.pid = pid != 0 ? pid : target == "server" ? 100 : 200;
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
  HuntVerdict verdict = GrewInEveryRun(runs, 1);
  ASSERT_EQ(verdict.leaks.size(), 1u);
  EXPECT_EQ(verdict.leaks[0].target, "test");
  EXPECT_EQ(verdict.leaks[0].pid, 200);
  ASSERT_EQ(verdict.leaks[0].kinds.size(), 1u);
  EXPECT_EQ(verdict.leaks[0].kinds[0].kind, "eventfd");
  EXPECT_EQ(verdict.leaks[0].kinds[0].count, 2) << "the last run's own growth";
  EXPECT_EQ(verdict.leaks[0].details, (std::vector<std::string>{"fd 8 eventfd", "fd 9 eventfd"}))
      << "the last run's details";
  EXPECT_EQ(verdict.total, "test: eventfd +3") << "summed over the measured runs";
}

TEST(HuntTest, GrowthInTheWarmUpOnlyOrInSomeRunsOnlyIsNotALeak) {
  EXPECT_TRUE(GrewInEveryRun({{Report("test", {{"thread", 1}})}, {}, {}}, 1).leaks.empty())
      << "one-time initialisation in the warm-up";
  EXPECT_TRUE(GrewInEveryRun({{}, {Report("server", {{"pidfd", 1}})}, {}}, 1).leaks.empty())
      << "a measured run without growth clears the kind";
  EXPECT_TRUE(GrewInEveryRun({{Report("test", {{"eventfd", 1}})}}, 1).leaks.empty())
      << "no measured run: nothing to judge";
}

TEST(HuntTest, TargetsAndKindsAreJudgedEachOnTheirOwn) {
  std::vector<std::vector<LeakReport>> runs = {
      {Report("server", {{"pidfd", 1}, {"thread", 1}}), Report("test", {{"child", 1}})},
      {Report("server", {{"pidfd", 1}}), Report("test", {{"child", 1}})},
  };
  HuntVerdict verdict = GrewInEveryRun(runs, 0);
  ASSERT_EQ(verdict.leaks.size(), 2u);
  EXPECT_EQ(verdict.leaks[0].target, "server");
  ASSERT_EQ(verdict.leaks[0].kinds.size(), 1u) << "thread grew in the first run only";
  EXPECT_EQ(verdict.leaks[0].kinds[0].kind, "pidfd");
  EXPECT_EQ(verdict.leaks[1].target, "test");
  EXPECT_EQ(verdict.leaks[1].kinds[0].kind, "child");
  EXPECT_EQ(verdict.total, "server: pidfd +2; test: child +2");
}

TEST(HuntTest, AServerKindCountsOverAllItsProcessesWhicheverWorkerServedEachRun) {
  // A pre-fork server: each run is served by another worker, and each leaks one socket there.
  std::vector<std::vector<LeakReport>> runs = {
      {Report("server", {{"tcp", 1}}, {}, 301)},
      {Report("server", {{"tcp", 1}}, {}, 302)},
      {Report("server", {{"tcp", 1}}, {"fd 9 tcp"}, 301),
       Report("server", {{"pidfd", 1}}, {}, 303)},
  };
  HuntVerdict verdict = GrewInEveryRun(runs, 0);
  ASSERT_EQ(verdict.leaks.size(), 1u) << "pidfd grew in one run only";
  EXPECT_EQ(verdict.leaks[0].pid, 301);
  EXPECT_EQ(verdict.leaks[0].details, std::vector<std::string>{"fd 9 tcp"});
  EXPECT_EQ(verdict.total, "server: tcp +3");
}

}  // namespace
}  // namespace leakwatch::run
