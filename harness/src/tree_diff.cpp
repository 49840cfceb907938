// tree_diff.cpp — match processes by identity, pair replacements, diff each process.
#include "leakwatch/tree_diff.h"

#include <algorithm>

namespace leakwatch {
namespace {

void AddPositive(ResourceCounts& sum, const ResourceCounts& delta) {
  for (FdKind kind : AllFdKinds()) sum.fds[kind] += std::max<std::int64_t>(delta.fds[kind], 0);
  sum.threads += std::max<std::int64_t>(delta.threads, 0);
}

// Replacements are found among processes of the same parent running the same command.
bool CanReplace(const ProcessInfo& exited, const ProcessInfo& appeared) {
  return exited.ppid == appeared.ppid && exited.cmd == appeared.cmd;
}

}  // namespace

std::string_view MemberChangeName(MemberChange change) {
  switch (change) {
    case MemberChange::kLived:
      return "lived";
    case MemberChange::kReplaced:
      return "replaced";
    case MemberChange::kAppeared:
      return "appeared";
    case MemberChange::kExited:
      return "exited";
  }
  return "?";
}

void TreeDiff::Recount() {
  growth = ResourceCounts{};
  for (const MemberDiff& member : members) {
    switch (member.change) {
      case MemberChange::kLived:
      case MemberChange::kReplaced:
        AddPositive(growth, member.diff.delta);
        break;
      case MemberChange::kAppeared:
        ++growth.children;
        break;
      case MemberChange::kExited:
        break;
    }
  }
}

TreeDiff DiffTrees(const TreeSnapshot& before, const TreeSnapshot& after,
                   const TreeSnapshot* earlier) {
  TreeDiff tree;
  // Processes gone by the end that a new one may stand in for, each as `earlier` knew it when it
  // can; `listed`: whether it was in `before` (and so is reported as exited when unpaired).
  struct Candidate {
    const TreeMember* member;
    bool listed;
  };
  std::vector<Candidate> gone;
  auto gone_by_end = [&](const TreeMember& m) {
    return after.Find(m.process.pid, m.process.start_time) == nullptr;
  };
  for (const TreeMember& member : before.members) {
    if (!gone_by_end(member)) continue;
    const TreeMember* known =
        earlier ? earlier->Find(member.process.pid, member.process.start_time) : nullptr;
    gone.push_back({known ? known : &member, true});
  }
  if (earlier) {
    for (const TreeMember& member : earlier->members) {
      if (gone_by_end(member) && !before.Find(member.process.pid, member.process.start_time)) {
        gone.push_back({&member, false});
      }
    }
  }
  for (const TreeMember& member : after.members) {
    MemberDiff diff{.process = member.process};
    const TreeMember* same = before.Find(member.process.pid, member.process.start_time);
    // A process that began since `earlier` may still have been starting up at `before`: when it
    // stands in for a process gone since, it is judged against that one as it was serving.
    const bool young =
        earlier != nullptr && !earlier->Find(member.process.pid, member.process.start_time);
    auto stand_in = gone.end();
    if (same == nullptr || young) {
      stand_in = std::find_if(gone.begin(), gone.end(), [&](const Candidate& old) {
        return CanReplace(old.member->process, member.process);
      });
    }
    if (stand_in != gone.end()) {
      diff.change = MemberChange::kReplaced;
      diff.replaced = stand_in->member->process;
      diff.diff = DiffSnapshots(stand_in->member->snapshot, member.snapshot);
      gone.erase(stand_in);
    } else if (same != nullptr) {
      diff.diff = DiffSnapshots(same->snapshot, member.snapshot);
    } else {
      diff.change = MemberChange::kAppeared;
      diff.diff = DiffSnapshots(Snapshot{}, member.snapshot);
    }
    tree.members.push_back(std::move(diff));
  }
  for (const Candidate& old : gone) {
    if (!old.listed) continue;
    tree.members.push_back(
        MemberDiff{.change = MemberChange::kExited, .process = old.member->process});
  }
  tree.Recount();
  return tree;
}

}  // namespace leakwatch
