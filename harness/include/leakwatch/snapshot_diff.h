// snapshot_diff.h — what changed between two snapshots of one process.
//
// FDs are matched by identity (number + inode + link text: anonymous inodes all share one inode),
// threads by TID, descendants by PID + start time (so a reused PID is a new process). Counts are
// net per kind: an FD closed and another of the same kind opened is a delta of 0 but shows up in
// both `fds_added` and `fds_removed`.
//
//   SnapshotDiff d = DiffSnapshots(before, after);
//   d.delta.fds[FdKind::kPidfd];   // +1 when one pidfd more is open
//   for (const FdInfo& fd : d.fds_added) ...
#pragma once

#include <cstdint>
#include <vector>

#include "leakwatch/resource_counts.h"
#include "leakwatch/snapshot.h"

namespace leakwatch {

struct SnapshotDiff {
  ResourceCounts delta;  // after - before, per kind
  std::vector<FdInfo> fds_added;
  std::vector<FdInfo> fds_removed;
  std::vector<ThreadInfo> threads_added;
  std::vector<ThreadInfo> threads_removed;
  std::vector<ProcessInfo> children_added;
  std::vector<ProcessInfo> children_removed;
  std::int64_t rss_kb_delta = 0;
  std::int64_t mappings_delta = 0;

  bool Empty() const;  // no resource added or removed
};

SnapshotDiff DiffSnapshots(const Snapshot& before, const Snapshot& after);

}  // namespace leakwatch
