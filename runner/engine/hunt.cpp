// hunt.cpp — the repeat-hunt rule over per-run leak reports, by way of repeat_rule.h.
#include "hunt.h"

#include <algorithm>
#include <map>
#include <set>

#include "leakwatch/fd_kind.h"
#include "leakwatch/repeat_rule.h"
#include "leakwatch/resource_counts.h"

namespace leakwatch::run {
namespace {

// A report's kinds added to the deltas repeat_rule.h judges.
void AddCounts(const LeakReport& report, ResourceCounts& counts) {
  for (const LeakedKind& kind : report.kinds) {
    if (kind.kind == kThreadKey) {
      counts.threads += kind.count;
    } else if (kind.kind == kChildKey) {
      counts.children += kind.count;
    } else if (std::optional<FdKind> fd = ParseFdKind(kind.kind)) {
      counts.fds[*fd] += kind.count;
    }
  }
}

}  // namespace

HuntVerdict GrewInEveryRun(const std::vector<std::vector<LeakReport>>& runs, int warmup) {
  // target -> its delta in each run, summed over its processes (zero in a run without a report)
  std::map<std::string, std::vector<ResourceCounts>> deltas;
  for (std::size_t run = 0; run < runs.size(); ++run) {
    for (const LeakReport& report : runs[run]) {
      std::vector<ResourceCounts>& per_run = deltas[report.target];
      per_run.resize(runs.size());
      AddCounts(report, per_run[run]);
    }
  }
  HuntVerdict verdict;
  for (const auto& [target, per_run] : deltas) {
    std::vector<Growth> growth = leakwatch::GrewInEveryRun(per_run, warmup);
    if (growth.empty()) continue;
    std::vector<LeakedKind> total;
    std::set<std::string> confirmed;
    for (const Growth& grew : growth) {
      total.push_back({grew.key, grew.delta});
      confirmed.insert(grew.key);
    }
    verdict.total += (verdict.total.empty() ? "" : "; ") + target + ": " + SummarizeKinds(total);
    // Growth in every measured run means the last run has reports for the target.
    for (const LeakReport& report : runs.back()) {
      if (report.target != target) continue;
      LeakReport cut = report;
      std::erase_if(cut.kinds, [&](const LeakedKind& k) { return !confirmed.contains(k.kind); });
      if (!cut.kinds.empty()) verdict.leaks.push_back(std::move(cut));
    }
  }
  return verdict;
}

}  // namespace leakwatch::run
