#include "leakwatch/settle.h"

#include <algorithm>
#include <thread>

namespace leakwatch {

Result<SettleResult> Settle(const Snapshot& before, const SnapshotFunction& take_after,
                            const Slack& slack, const SettlePolicy& policy,
                            const DiffFilter& filter) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + policy.deadline;
  std::chrono::nanoseconds backoff = policy.initial_backoff;
  SettleResult result;
  for (;;) {
    Result<Snapshot> after = take_after();
    if (!after) return after.error();
    ++result.snapshots;
    result.diff = DiffSnapshots(before, *after);
    if (filter) filter(result.diff);
    result.after = std::move(*after);
    result.growth = GrowthBeyondSlack(result.diff.delta, slack);
    Clock::time_point now = Clock::now();
    if (result.growth.empty() || now >= deadline) break;
    // Never sleep past the deadline: the last snapshot is taken at the deadline itself.
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(backoff, deadline - now));
    backoff = std::min<std::chrono::nanoseconds>(backoff * 2, policy.max_backoff);
  }
  result.waited = Clock::now() - start;
  return result;
}

}  // namespace leakwatch
