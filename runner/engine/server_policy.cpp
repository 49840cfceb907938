// server_policy.cpp — respawn policies and pre-flight outcomes.
#include "server_policy.h"

#include <fmt/format.h>

namespace leakwatch::run {

FreshServer FreshServerFor(RespawnPolicy policy, bool running, const std::string& batch,
                           const std::string& current_batch, const std::string& pending) {
  FreshServer fresh;
  if (!running) {
    fresh.start = true;
    fresh.reason = pending;
  } else if (policy == RespawnPolicy::kPerModule) {
    fresh.start = true;
    fresh.reason = pending.empty() ? "per-module" : pending;
  } else if (policy == RespawnPolicy::kPerBatch && batch != current_batch) {
    fresh.start = true;
    fresh.reason = pending.empty() ? "per-batch" : pending;
  } else if (!pending.empty() && policy != RespawnPolicy::kNever) {
    fresh.start = true;
    fresh.reason = pending;
  }
  if (fresh.start && !pending.empty()) fresh.note = pending;
  return fresh;
}

PreflightAction AfterFailedPreflight(RespawnPolicy policy, const HealthReport& health,
                                     const std::string& last_ran) {
  if (policy == RespawnPolicy::kNever) {
    return {false, fmt::format("dirty state: server {} since {}: {}", HealthStateName(health.state),
                               last_ran.empty() ? "an earlier module" : last_ran, health.message)};
  }
  return {true, fmt::format("pre-flight found it {}{}: {}", HealthStateName(health.state),
                            last_ran.empty() ? "" : " after " + last_ran, health.message)};
}

std::string RespawnReasonAfter(const std::string& death, const Liveness& liveness,
                               const std::string& last_ran) {
  if (!death.empty()) return "the server " + death;
  if (!liveness.running) return "the server exited after " + last_ran + ": " + liveness.Describe();
  return "";
}

}  // namespace leakwatch::run
