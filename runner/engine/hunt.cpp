// hunt.cpp — the repeat-hunt rule over per-run leak reports, by way of repeat_rule.h.
#include "hunt.h"

#include <map>

#include "leakwatch/fd_kind.h"
#include "leakwatch/repeat_rule.h"
#include "leakwatch/resource_counts.h"

namespace leakwatch::run {
namespace {

// A report's kinds as the deltas repeat_rule.h judges.
ResourceCounts AsCounts(const LeakReport& report) {
  ResourceCounts counts;
  for (const LeakedKind& kind : report.kinds) {
    if (kind.kind == kThreadKey) {
      counts.threads += kind.count;
    } else if (kind.kind == kChildKey) {
      counts.children += kind.count;
    } else if (std::optional<FdKind> fd = ParseFdKind(kind.kind)) {
      counts.fds[*fd] += kind.count;
    }
  }
  return counts;
}

}  // namespace

std::vector<LeakReport> GrewInEveryRun(const std::vector<std::vector<LeakReport>>& runs,
                                       int warmup) {
  // target -> its delta in each run (zero in a run that reported nothing for it)
  std::map<std::string, std::vector<ResourceCounts>> deltas;
  std::map<std::string, const LeakReport*> last;
  for (std::size_t run = 0; run < runs.size(); ++run) {
    for (const LeakReport& report : runs[run]) {
      std::vector<ResourceCounts>& per_run = deltas[report.target];
      per_run.resize(runs.size());
      per_run[run] = AsCounts(report);
      last[report.target] = &report;
    }
  }
  std::vector<LeakReport> confirmed;
  for (const auto& [target, per_run] : deltas) {
    std::vector<Growth> growth = leakwatch::GrewInEveryRun(per_run, warmup);
    if (growth.empty()) continue;
    LeakReport report;
    report.target = target;
    report.pid = last[target]->pid;
    for (const Growth& grew : growth) report.kinds.push_back({grew.key, grew.delta});
    report.details = last[target]->details;
    confirmed.push_back(std::move(report));
  }
  return confirmed;
}

}  // namespace leakwatch::run
