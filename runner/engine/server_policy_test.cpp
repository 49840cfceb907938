// The worker's server decisions on their own: respawn policies, failed pre-flights, and what a
// module leaves behind for the next one.
#include "server_policy.h"

#include <gtest/gtest.h>

namespace leakwatch::run {
namespace {

HealthReport Degraded() {
  HealthReport health;
  health.state = HealthState::kDegraded;
  health.message = "demo-server (pid 7) is degraded: worker pool shut down";
  return health;
}

TEST(FreshServerForTest, TheFirstModuleStartsOneWithoutAReason) {
  FreshServer fresh = FreshServerFor(RespawnPolicy::kOnFailure, false, "m", "", "");
  EXPECT_TRUE(fresh.start);
  EXPECT_EQ(fresh.reason, "");
  EXPECT_EQ(fresh.note, "");
}

TEST(FreshServerForTest, EachPolicyDecidesWhenAHealthyServerIsReplaced) {
  EXPECT_EQ(FreshServerFor(RespawnPolicy::kPerModule, true, "b", "b", "").reason, "per-module");
  EXPECT_EQ(FreshServerFor(RespawnPolicy::kPerBatch, true, "b2", "b1", "").reason, "per-batch");
  EXPECT_FALSE(FreshServerFor(RespawnPolicy::kPerBatch, true, "b1", "b1", "").start);
  EXPECT_FALSE(FreshServerFor(RespawnPolicy::kOnFailure, true, "b2", "b1", "").start);
  EXPECT_FALSE(FreshServerFor(RespawnPolicy::kNever, true, "b2", "b1", "").start);
}

TEST(FreshServerForTest, AServerLeftUnfitIsReplacedWithTheReasonExceptWithNever) {
  const std::string died = "the server died (killed by SIGABRT) during m/c";
  FreshServer fresh = FreshServerFor(RespawnPolicy::kOnFailure, true, "b", "b", died);
  EXPECT_TRUE(fresh.start);
  EXPECT_EQ(fresh.reason, died);
  EXPECT_EQ(fresh.note, died);
  EXPECT_EQ(FreshServerFor(RespawnPolicy::kPerModule, true, "b", "b", died).reason, died);
  EXPECT_FALSE(FreshServerFor(RespawnPolicy::kNever, true, "b", "b", died).start);
}

TEST(AfterFailedPreflightTest, NeverKeepsTheDirtyServerAndSaysSinceWhen) {
  PreflightAction action = AfterFailedPreflight(RespawnPolicy::kNever, Degraded(), "m/c");
  EXPECT_FALSE(action.respawn);
  EXPECT_EQ(action.message,
            "dirty state: server degraded since m/c: demo-server (pid 7) is degraded: worker "
            "pool shut down");
  EXPECT_EQ(AfterFailedPreflight(RespawnPolicy::kNever, Degraded(), "")
                .message.find("since an earlier module"),
            std::string("dirty state: server degraded ").size());
}

TEST(AfterFailedPreflightTest, OtherPoliciesRespawnOnceAndSayWhy) {
  PreflightAction action = AfterFailedPreflight(RespawnPolicy::kPerBatch, Degraded(), "m/c");
  EXPECT_TRUE(action.respawn);
  EXPECT_EQ(action.message,
            "pre-flight found it degraded after m/c: demo-server (pid 7) is degraded: worker "
            "pool shut down");
}

TEST(RespawnReasonAfterTest, ADeathOrAnExitLeavesAReasonAndAFitServerNone) {
  EXPECT_EQ(RespawnReasonAfter("died (killed by SIGKILL) during m/c", Liveness{}, "m/c"),
            "the server died (killed by SIGKILL) during m/c");
  EXPECT_EQ(RespawnReasonAfter("", Liveness{.running = false, .exit_code = 0}, "m/c"),
            "the server exited after m/c: exited with status 0");
  EXPECT_EQ(RespawnReasonAfter("", Liveness{}, "m/c"), "");
}

}  // namespace
}  // namespace leakwatch::run
