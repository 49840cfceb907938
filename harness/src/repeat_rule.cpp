#include "leakwatch/repeat_rule.h"

#include <cstddef>
#include <string>

namespace leakwatch {

std::vector<Growth> GrewInEveryRun(const std::vector<ResourceCounts>& per_run_deltas, int warmups) {
  std::vector<Growth> out;
  const std::size_t first = warmups < 0 ? 0 : static_cast<std::size_t>(warmups);
  if (per_run_deltas.size() <= first) return out;

  // Checks one kind given a getter; appends when every measured run grew.
  auto check = [&](std::string key, auto get) {
    std::int64_t total = 0;
    for (std::size_t run = first; run < per_run_deltas.size(); ++run) {
      std::int64_t d = get(per_run_deltas[run]);
      if (d <= 0) return;
      total += d;
    }
    out.push_back({std::move(key), total, 0});
  };
  for (FdKind kind : AllFdKinds()) {
    check(std::string(FdKindName(kind)), [kind](const ResourceCounts& c) { return c.fds[kind]; });
  }
  check(std::string(kThreadKey), [](const ResourceCounts& c) { return c.threads; });
  check(std::string(kChildKey), [](const ResourceCounts& c) { return c.children; });
  return out;
}

}  // namespace leakwatch
