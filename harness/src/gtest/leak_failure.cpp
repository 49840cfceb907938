#include "leak_failure.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "leakwatch/leak_report.h"

namespace leakwatch::internal {
namespace {

std::string SlackText(const std::vector<Growth>& growth) {
  bool same = std::all_of(growth.begin(), growth.end(),
                          [&](const Growth& g) { return g.slack == growth.front().slack; });
  if (same) return fmt::format("slack {}", growth.front().slack);
  std::string out = "slack ";
  for (const Growth& g : growth) {
    out += fmt::format("{}{}={}", &g == &growth.front() ? "" : ",", g.key, g.slack);
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
  std::string out = fmt::format("leakwatch: case leaked {}{} ({})", SummarizeGrowth(growth),
                                context, SlackText(growth));
  if (items.size() == 1) return out + ": " + items.front();
  for (const std::string& item : items) out += "\n  " + item;
  return out;
}

std::string FormatUncheckedFailure(const std::string& reason) {
  return "leakwatch: case could not be checked: " + reason;
}

}  // namespace leakwatch::internal
