// tree_snapshot.cpp — the root and its descendants, then the extra members and theirs, each
// snapshotted once.
#include "leakwatch/tree_snapshot.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>
#include <unordered_set>

#include "process_tree.h"

namespace leakwatch {
namespace {

// A member's FDs and threads; its descendants are members of their own.
constexpr SnapshotOptions kMemberOptions{.children = false, .memory = false};
// A top process (the root, an extra member) also lists its descendants.
constexpr SnapshotOptions kTopOptions{.memory = false};

bool IsZombie(ProcessState state) {
  return state == ProcessState::kZombie || state == ProcessState::kDead;
}

class TreeReader {
 public:
  explicit TreeReader(pid_t root) { tree_.root = root; }

  // Adds `pid` and its descendants. kNotFound when `pid` is gone.
  Status AddTop(pid_t pid, int depth) {
    if (known_.contains(pid)) return Ok{};
    Result<ProcessInfo> info = internal::ReadProcessInfo(pid);
    if (!info) return info.error();
    Result<Snapshot> snapshot = TakeSnapshot(pid, kTopOptions);
    if (!snapshot) return snapshot.error();
    info->depth = depth;
    std::vector<ProcessInfo> descendants = std::move(snapshot->children);
    snapshot->children.clear();
    Add(std::move(*info), std::move(*snapshot));
    for (ProcessInfo& descendant : descendants) {
      if (known_.contains(descendant.pid)) continue;
      descendant.depth += depth;
      if (IsZombie(descendant.state)) {
        Add(std::move(descendant), Snapshot{.pid = descendant.pid});
        continue;
      }
      Result<Snapshot> member = TakeSnapshot(descendant.pid, kMemberOptions);
      if (!member) {
        // Exited meanwhile: it counts as exited. Anything else means the check is incomplete.
        if (member.error().code() == ErrorCode::kNotFound) continue;
        return MemberError(descendant, member.error());
      }
      Add(std::move(descendant), std::move(*member));
    }
    return Ok{};
  }

  Status AddExtra(pid_t pid) {
    Status added = AddTop(pid, 1);
    if (added || added.error().code() == ErrorCode::kNotFound) return Ok{};
    return added;
  }

  TreeSnapshot Take() { return std::move(tree_); }

 private:
  void Add(ProcessInfo info, Snapshot snapshot) {
    known_.insert(info.pid);
    tree_.members.push_back(TreeMember{std::move(info), std::move(snapshot)});
  }

  static Error MemberError(const ProcessInfo& member, const Error& error) {
    return Error(
        error.code(),
        fmt::format("process {} ({}) of the tree: {}", member.pid, member.cmd, error.message()),
        error.errno_value());
  }

  TreeSnapshot tree_;
  std::unordered_set<pid_t> known_;
};

}  // namespace

const TreeMember* TreeSnapshot::Find(pid_t pid, std::uint64_t start_time) const {
  for (const TreeMember& member : members) {
    if (member.process.pid == pid && member.process.start_time == start_time) return &member;
  }
  return nullptr;
}

const TreeMember* TreeSnapshot::FindPid(pid_t pid) const {
  for (const TreeMember& member : members) {
    if (member.process.pid == pid) return &member;
  }
  return nullptr;
}

Result<TreeSnapshot> TakeTreeSnapshot(pid_t root, const TreeMembers& extra) {
  TreeReader reader(root);
  if (Status added = reader.AddTop(root, 0); !added) return added.error();
  if (extra) {
    for (pid_t pid : extra()) {
      if (Status added = reader.AddExtra(pid); !added) return added.error();
    }
  }
  return reader.Take();
}

bool SameCounts(const TreeSnapshot& a, const TreeSnapshot& b) {
  if (a.root != b.root || a.members.size() != b.members.size()) return false;
  for (const TreeMember& member : a.members) {
    const TreeMember* other = b.Find(member.process.pid, member.process.start_time);
    if (other == nullptr) return false;
    const ResourceCounts mine = member.snapshot.Counts();
    const ResourceCounts theirs = other->snapshot.Counts();
    if (mine.fds.by_kind != theirs.fds.by_kind || mine.threads != theirs.threads) return false;
  }
  return true;
}

Result<QuietTree> WaitForQuietTree(pid_t root, const TreeMembers& extra, const QuietPolicy& policy,
                                   const TreeSnapshot* known) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  auto waited = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  };
  Result<TreeSnapshot> first = TakeTreeSnapshot(root, extra);
  if (!first) return first.error();
  QuietTree result{.tree = std::move(*first)};
  Clock::time_point unchanged_since = Clock::now();
  // From 1 ms up to `poll`: a server that is back as `known` left it (a pre-flight connection
  // closing, say) is seen within a millisecond or two.
  std::chrono::milliseconds pause{1};
  for (;;) {
    if (known != nullptr && SameCounts(result.tree, *known)) break;
    if (Clock::now() - unchanged_since >= policy.window) break;
    if (Clock::now() - start >= policy.deadline) {
      result.waited = waited();
      return result;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, policy.poll);
    Result<TreeSnapshot> next = TakeTreeSnapshot(root, extra);
    if (!next) return next.error();
    if (!SameCounts(*next, result.tree)) unchanged_since = Clock::now();
    result.tree = std::move(*next);
  }
  result.quiet = true;
  result.waited = waited();
  return result;
}

}  // namespace leakwatch
