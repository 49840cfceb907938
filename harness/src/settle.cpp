#include "leakwatch/settle.h"

#include <algorithm>
#include <thread>

namespace leakwatch {
namespace {

// Takes "after" snapshots with backoff until one is within slack or the deadline has passed.
// `Outcome` is SettleResult or TreeSettleResult; `recheck` takes and judges one snapshot into it.
template <typename Outcome, typename Recheck>
Result<Outcome> SettleLoop(const SettlePolicy& policy, Recheck recheck) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + policy.deadline;
  std::chrono::nanoseconds backoff = policy.initial_backoff;
  Outcome result;
  for (;;) {
    if (Status taken = recheck(result); !taken) return taken.error();
    ++result.snapshots;
    Clock::time_point now = Clock::now();
    if (result.growth.empty() || now >= deadline) break;
    // Never sleep past the deadline: the last snapshot is taken at the deadline itself.
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(backoff, deadline - now));
    backoff = std::min<std::chrono::nanoseconds>(backoff * 2, policy.max_backoff);
  }
  result.waited = Clock::now() - start;
  return result;
}

}  // namespace

Result<SettleResult> Settle(const Snapshot& before, const SnapshotFunction& take_after,
                            const Slack& slack, const SettlePolicy& policy,
                            const DiffFilter& filter) {
  return SettleLoop<SettleResult>(policy, [&](SettleResult& result) -> Status {
    Result<Snapshot> after = take_after();
    if (!after) return after.error();
    result.diff = DiffSnapshots(before, *after);
    if (filter) filter(result.diff);
    result.after = std::move(*after);
    result.growth = GrowthBeyondSlack(result.diff.delta, slack);
    return Ok{};
  });
}

Result<TreeSettleResult> SettleTree(const TreeSnapshot& before,
                                    const TreeSnapshotFunction& take_after, const Slack& slack,
                                    const SettlePolicy& policy, const TreeDiffFilter& filter,
                                    const TreeSnapshot* earlier) {
  return SettleLoop<TreeSettleResult>(policy, [&](TreeSettleResult& result) -> Status {
    Result<TreeSnapshot> after = take_after();
    if (!after) return after.error();
    result.diff = DiffTrees(before, *after, earlier);
    if (filter) filter(result.diff);
    result.after = std::move(*after);
    result.growth = GrowthBeyondSlack(result.diff.growth, slack);
    return Ok{};
  });
}

}  // namespace leakwatch
