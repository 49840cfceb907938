// resource_counts.h — counts of a process's resources by kind, and the names that address them.
//
// Every check in leakwatch compares counts: open FDs per kind, threads, and descendant
// processes. A resource is named in output, in JSON and in slack specs by a key: an FD kind name
// ("pidfd"), "thread" or "child".
//
//   ResourceCounts c = snapshot.Counts();
//   c.fds[FdKind::kPidfd]; c.threads; c.children; c.TotalFds();
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "leakwatch/fd_kind.h"

namespace leakwatch {

// Per-kind FD counts, indexable by FdKind.
struct FdKindCounts {
  std::array<std::int64_t, kFdKindCount> by_kind{};

  std::int64_t& operator[](FdKind kind) { return by_kind[static_cast<std::size_t>(kind)]; }
  std::int64_t operator[](FdKind kind) const { return by_kind[static_cast<std::size_t>(kind)]; }
  std::int64_t Total() const;
};

struct ResourceCounts {
  FdKindCounts fds;
  std::int64_t threads = 0;
  std::int64_t children = 0;  // all descendants, zombies included

  std::int64_t TotalFds() const { return fds.Total(); }
};

// Element-wise after - before.
ResourceCounts Subtract(const ResourceCounts& after, const ResourceCounts& before);

inline constexpr std::string_view kThreadKey = "thread";
inline constexpr std::string_view kChildKey = "child";

}  // namespace leakwatch
