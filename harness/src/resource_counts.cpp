#include "leakwatch/resource_counts.h"

#include <numeric>

namespace leakwatch {

std::int64_t FdKindCounts::Total() const {
  return std::accumulate(by_kind.begin(), by_kind.end(), std::int64_t{0});
}

ResourceCounts Subtract(const ResourceCounts& after, const ResourceCounts& before) {
  ResourceCounts d;
  for (std::size_t i = 0; i < kFdKindCount; ++i) {
    d.fds.by_kind[i] = after.fds.by_kind[i] - before.fds.by_kind[i];
  }
  d.threads = after.threads - before.threads;
  d.children = after.children - before.children;
  return d;
}

}  // namespace leakwatch
