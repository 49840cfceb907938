// tree_diff.h — what changed in a process tree between two snapshots, judged process by process.
//
// Each process of the "after" tree is matched to the "before" tree by pid + start time:
//   lived     — there before and after: its FDs and threads are diffed as one process's are;
//   replaced  — new, but it stands in for a process that exited during the interval and had the
//               same parent and the same command (a pre-fork server replacing a worker): it is
//               diffed against the one it replaced, so a recycled worker is not a leak but a
//               worker that grew is;
//   appeared  — new and still there at the end (a zombie too, which nobody reaped): a child leak,
//               diffed against nothing, so that its diff lists what it holds;
//   exited    — there before, gone after, and replaced by nothing.
// (With `earlier`, a replacement may also stand in for a process that exited just before the
// interval; see DiffTrees.)
// Growth sums, per kind, what grew in every lived or replaced process (so that a process that
// shrank does not hide one that grew), and counts each appeared process as one `child`.
//
//   TreeDiff diff = DiffTrees(before, after);
//   suppressions.Filter("Suite.Case", diff);      // optional; recounts the growth
//   for (const Growth& g : GrowthBeyondSlack(diff.growth, slack)) ...
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "leakwatch/resource_counts.h"
#include "leakwatch/snapshot.h"
#include "leakwatch/snapshot_diff.h"
#include "leakwatch/tree_snapshot.h"

namespace leakwatch {

enum class MemberChange { kLived, kReplaced, kAppeared, kExited };

// "lived", "replaced", "appeared", "exited".
std::string_view MemberChangeName(MemberChange change);

struct MemberDiff {
  MemberChange change = MemberChange::kLived;
  ProcessInfo process;                  // as it is at the end (at the start for kExited)
  std::optional<ProcessInfo> replaced;  // kReplaced: the process it stands in for
  // kLived, kReplaced: the process's own diff (its `children` fields stay empty: processes are
  // members of their own). kAppeared: everything it holds, as added. kExited: empty.
  SnapshotDiff diff;
};

struct TreeDiff {
  std::vector<MemberDiff> members;  // in the order of the "after" tree, then the exited ones
  // Per kind, the sum of the positive deltas of lived and replaced processes; `children` is the
  // number of appeared processes. Kept up to date by DiffTrees and by Recount().
  ResourceCounts growth;

  // Recomputes `growth` from `members`, after a filter changed them.
  void Recount();
};

// `earlier` (may be null) is the same tree as seen one interval before: its "before", and the
// processes that appeared in its "after". A server often replaces a worker a moment after the
// interval in which the old one was told to go: the old one is shutting down (it has closed much
// of what it held, or is a zombie without a command line) or gone at the next "before", and the
// new one appears during the next interval. The processes of `earlier` that are gone by `after`
// are candidates for pairing too, and a candidate's identity and counts are taken from `earlier`
// when it is there: what it held while it was serving. A process that began since `earlier` and
// stands in for such a one is paired with it even when it was already in `before` (it may have
// been starting up then).
TreeDiff DiffTrees(const TreeSnapshot& before, const TreeSnapshot& after,
                   const TreeSnapshot* earlier = nullptr);

}  // namespace leakwatch
