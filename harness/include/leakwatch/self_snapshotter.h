// self_snapshotter.h — fast repeated snapshots of the calling process, for per-case checks.
//
// A per-case check takes two snapshots around every test case, so their cost is the harness's
// overhead. In its own process leakwatch can do better than walking /proc for every descriptor:
// it lists the FD numbers once per snapshot (one getdents64), fstat()s each descriptor directly,
// and keeps an identity cache (number, device, inode, type) so that only descriptors it has not
// seen before are classified through /proc (readlink, xattr, fdinfo). Anonymous inodes of the
// shared kind (eventfd, eventpoll, timerfd, ...) have no identity of their own and are always
// re-read. A thread's name is re-read while the thread is young (first seen less than a second
// ago, which covers a settle window): new threads often name themselves just after they start.
//
//   SelfSnapshotter snapshotter;
//   Result<Snapshot> before = snapshotter.Take();
//   RunCase();
//   Result<Snapshot> after = snapshotter.Take();
//
// Every descriptor the snapshotter opens is closed before Take() returns, so nothing of its own
// shows in the next snapshot. Not thread-safe: one snapshotter per checking thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "leakwatch/result.h"
#include "leakwatch/snapshot.h"

namespace leakwatch {

class SelfSnapshotter {
 public:
  SelfSnapshotter() = default;

  // FDs, threads and descendants of this process (no memory figures: they are not checked per
  // case, and reading /proc/self/maps costs more than everything else together).
  Result<Snapshot> Take();

 private:
  struct CachedFd {
    std::uint64_t dev = 0;
    std::uint64_t ino = 0;
    mode_t type = 0;
    FdInfo info;
  };
  // fd number -> what it was the last time; an entry is dropped when its number is closed.
  std::unordered_map<int, CachedFd> fd_cache_;
  struct CachedThread {
    std::string name;
    std::chrono::steady_clock::time_point first_seen;
  };
  std::unordered_map<pid_t, CachedThread> threads_;
};

}  // namespace leakwatch
