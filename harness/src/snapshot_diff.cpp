#include "leakwatch/snapshot_diff.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace leakwatch {
namespace {

// Elements of `a` that have no equal (by `key`) in `b`. Both are small; a sorted key set keeps
// this O(n log n) for 10,000-FD processes.
template <typename T, typename KeyFn>
std::vector<T> Missing(const std::vector<T>& a, const std::vector<T>& b, KeyFn key) {
  // The common case of a per-case check: nothing changed. Both lists come in the same order
  // (by number), so a linear walk settles it without building a set.
  if (a.size() == b.size() &&
      std::equal(a.begin(), a.end(), b.begin(),
                 [&](const T& x, const T& y) { return key(x) == key(y); })) {
    return {};
  }
  using Key = decltype(key(a.front()));
  std::set<Key> in_b;
  for (const T& item : b) in_b.insert(key(item));
  std::vector<T> out;
  for (const T& item : a) {
    if (!in_b.contains(key(item))) out.push_back(item);
  }
  return out;
}

}  // namespace

bool SnapshotDiff::Empty() const {
  return fds_added.empty() && fds_removed.empty() && threads_added.empty() &&
         threads_removed.empty() && children_added.empty() && children_removed.empty();
}

SnapshotDiff DiffSnapshots(const Snapshot& before, const Snapshot& after) {
  SnapshotDiff d;
  d.delta = Subtract(after.Counts(), before.Counts());
  // Anonymous inodes share one inode number, so the link text is part of an FD's identity.
  // References, not copies: the keys live no longer than the two snapshots.
  auto fd_key = [](const FdInfo& fd) { return std::tie(fd.fd, fd.inode, fd.target); };
  auto thread_key = [](const ThreadInfo& t) { return t.tid; };
  // start_time tells a reused PID from the process that had it before.
  auto process_key = [](const ProcessInfo& p) { return std::pair(p.pid, p.start_time); };
  if (!after.fds.empty()) d.fds_added = Missing(after.fds, before.fds, fd_key);
  if (!before.fds.empty()) d.fds_removed = Missing(before.fds, after.fds, fd_key);
  if (!after.threads.empty()) d.threads_added = Missing(after.threads, before.threads, thread_key);
  if (!before.threads.empty()) {
    d.threads_removed = Missing(before.threads, after.threads, thread_key);
  }
  if (!after.children.empty()) {
    d.children_added = Missing(after.children, before.children, process_key);
  }
  if (!before.children.empty()) {
    d.children_removed = Missing(before.children, after.children, process_key);
  }
  d.rss_kb_delta = after.memory.rss_kb - before.memory.rss_kb;
  d.mappings_delta = after.memory.mappings - before.memory.mappings;
  return d;
}

}  // namespace leakwatch
