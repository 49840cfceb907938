// tree_snapshot.h — every process of a process tree at one instant, each with its FDs and threads.
//
// A server often does its work in other processes than the one that was started: a master with
// workers, a pre-fork pool, a GUI with helpers, a wrapper script that does not exec. A check of
// such a server must look at each of them. A TreeSnapshot is the root, its descendants (zombies
// included: an unreaped child is a leak) and any other members the caller names (the processes
// of the root's cgroup, orphans that were reparented to the runner), each known by pid + start
// time, so that a reused PID is a new process.
//
//   TreeMembers extra = [&] { return spawned.ExtraTreeMembers(); };  // may be empty
//   Result<TreeSnapshot> tree = TakeTreeSnapshot(server_pid, extra);
//   if (!tree) return tree.error();   // the root is gone, or a member cannot be read
//   for (const TreeMember& m : tree->members) Print(m.process.pid, m.process.cmd, m.snapshot);
//
// A member that exits while the tree is read is left out (it exited), not an error; the root
// is the exception, since without it there is no tree.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <vector>

#include "leakwatch/result.h"
#include "leakwatch/snapshot.h"

namespace leakwatch {

struct TreeMember {
  // pid, ppid, state, start time and command line; depth 0 for the root, 1 for its children and
  // for extra members that are not its descendants.
  ProcessInfo process;
  // FDs and threads (no descendants, no memory figures); empty for a zombie, which holds none.
  Snapshot snapshot;
};

struct TreeSnapshot {
  pid_t root = 0;
  std::vector<TreeMember> members;  // the root first

  // The member with this identity, or null.
  const TreeMember* Find(pid_t pid, std::uint64_t start_time) const;
  // The member with this pid (whatever its start time), or null.
  const TreeMember* FindPid(pid_t pid) const;
};

// Other processes that belong to the tree besides the root and its descendants: the live
// members of its cgroup, orphans it left that were reparented to us. Called once per snapshot.
using TreeMembers = std::function<std::vector<pid_t>()>;

// Errors: those of TakeSnapshot for the root (kNotFound once it has exited or is exiting,
// kPermissionDenied), and kPermissionDenied naming the member that cannot be read.
Result<TreeSnapshot> TakeTreeSnapshot(pid_t root, const TreeMembers& extra = nullptr);

// Do two snapshots of a tree hold the same processes (pid + start time) with the same number of
// FDs of every kind and of threads?
bool SameCounts(const TreeSnapshot& a, const TreeSnapshot& b);

// A server that says it is ready may still be starting: a pre-fork master forks its workers
// one by one after it listens, and each worker opens what it needs as it boots. A baseline taken
// then would blame the first case for the rest of the start.
struct QuietPolicy {
  std::chrono::milliseconds window{100};  // unchanged for this long: quiet
  std::chrono::milliseconds poll{10};
  std::chrono::milliseconds deadline{5000};  // then the wait gives up (quiet = false)
};

struct QuietTree {
  TreeSnapshot tree;  // the last snapshot taken
  bool quiet = false;
  std::chrono::milliseconds waited{0};
};

// Snapshots the tree until it has not changed (SameCounts) for `policy.window`. With `known` (an
// earlier snapshot of the same tree, say the end of the last case) a tree that matches it, now
// or at any poll, is quiet at once: it is back as it was. Errors: those of TakeTreeSnapshot.
Result<QuietTree> WaitForQuietTree(pid_t root, const TreeMembers& extra, const QuietPolicy& policy,
                                   const TreeSnapshot* known = nullptr);

}  // namespace leakwatch
