#include "leak_failure.h"

#include <unistd.h>

#include <algorithm>

#include "leakwatch/leak_report.h"

namespace leakwatch::internal {
namespace {

std::string SlackText(const std::vector<Growth>& growth) {
  bool same = std::all_of(growth.begin(), growth.end(),
                          [&](const Growth& g) { return g.slack == growth.front().slack; });
  if (same) return "slack " + std::to_string(growth.front().slack);
  std::string out = "slack ";
  for (const Growth& g : growth) {
    out += (&g == &growth.front() ? "" : ",") + g.key + "=" + std::to_string(g.slack);
  }
  return out;
}

}  // namespace

std::string FormatLeakFailure(const SnapshotDiff& diff, const std::vector<Growth>& growth,
                              const std::string& context) {
  std::vector<LeakReport> reports = DescribeProcessLeak("test", ::getpid(), "", diff, growth);
  std::vector<std::string> items;
  for (const LeakReport& report : reports) {
    items.insert(items.end(), report.details.begin(), report.details.end());
  }
  std::string out = "leakwatch: case leaked " + SummarizeGrowth(growth) + context + " (" +
                    SlackText(growth) + ")";
  if (items.size() == 1) return out + ": " + items.front();
  for (const std::string& item : items) out += "\n  " + item;
  return out;
}

std::string FormatUncheckedFailure(const std::string& reason) {
  return "leakwatch: case could not be checked: " + reason;
}

std::string FormatMemoryLeak(unsigned long bytes) {
  return "leakwatch: case leaked " + std::to_string(bytes) +
         " bytes of memory (definitely lost, Valgrind memcheck; the loss records are in "
         "Valgrind's output above)";
}

}  // namespace leakwatch::internal
