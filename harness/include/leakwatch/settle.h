// settle.h — re-check a suspected leak until it goes away or a deadline passes.
//
// Programs often close a socket, join a thread or reap a child a few milliseconds after a test
// case has ended. Settle takes the "after" snapshot again with backoff (1 ms, doubling, capped at
// 100 ms) until every kind is within slack or the deadline (default 500 ms) has passed, and
// returns the last snapshot and its diff. Only what is still there at the end counts as a leak.
//
//   SettleResult r = Settle(before, [&] { return TakeSnapshot(pid); }, slack, SettlePolicy{});
//   if (!r.growth.empty()) ReportLeak(r.diff, r.growth);
//
// SettleTree does the same for a whole process tree (tree_diff.h): slack applies to the growth
// summed over the tree's processes, and every re-check snapshots the whole tree again.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "leakwatch/result.h"
#include "leakwatch/slack.h"
#include "leakwatch/snapshot.h"
#include "leakwatch/snapshot_diff.h"
#include "leakwatch/tree_diff.h"
#include "leakwatch/tree_snapshot.h"

namespace leakwatch {

struct SettlePolicy {
  std::chrono::milliseconds initial_backoff{1};
  std::chrono::milliseconds max_backoff{100};
  std::chrono::milliseconds deadline{500};  // 0: one snapshot, no retry
};

struct SettleResult {
  Snapshot after;
  SnapshotDiff diff;
  std::vector<Growth> growth;  // beyond slack; empty when settled
  int snapshots = 0;           // how many "after" snapshots were taken
  std::chrono::nanoseconds waited{0};
};

using SnapshotFunction = std::function<Result<Snapshot>()>;
// Adjusts every diff before growth is judged, e.g. to drop suppressed resources.
using DiffFilter = std::function<void(SnapshotDiff&)>;

// Fails only when a snapshot fails (e.g. the process exited).
Result<SettleResult> Settle(const Snapshot& before, const SnapshotFunction& take_after,
                            const Slack& slack, const SettlePolicy& policy = {},
                            const DiffFilter& filter = nullptr);

struct TreeSettleResult {
  TreeSnapshot after;
  TreeDiff diff;
  std::vector<Growth> growth;  // of diff.growth beyond slack; empty when settled
  int snapshots = 0;
  std::chrono::nanoseconds waited{0};
};

using TreeSnapshotFunction = std::function<Result<TreeSnapshot>()>;
// Adjusts every tree diff before growth is judged (and must Recount() what it changes).
using TreeDiffFilter = std::function<void(TreeDiff&)>;

// Fails only when a snapshot of the tree fails (e.g. its root exited). `earlier`: see DiffTrees.
Result<TreeSettleResult> SettleTree(const TreeSnapshot& before,
                                    const TreeSnapshotFunction& take_after, const Slack& slack,
                                    const SettlePolicy& policy = {},
                                    const TreeDiffFilter& filter = nullptr,
                                    const TreeSnapshot* earlier = nullptr);

}  // namespace leakwatch
