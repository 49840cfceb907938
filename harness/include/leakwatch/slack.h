// slack.h — how much growth per resource kind is tolerated, and which kinds grew beyond it.
//
// A slack spec is a comma-separated list of key=N, where a key is an FD kind ("pidfd"), "fd"
// (every FD kind not named on its own), "thread" or "child" (descendant processes). Everything
// defaults to 0: any growth is a leak.
//
//   Result<Slack> slack = ParseSlack("fd=0,pidfd=1,thread=2");
//   for (const Growth& g : GrowthBeyondSlack(diff.delta, *slack))
//     std::cout << g.key << " +" << g.delta << " (slack " << g.slack << ")\n";
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leakwatch/resource_counts.h"
#include "leakwatch/result.h"

namespace leakwatch {

struct Slack {
  ResourceCounts allowed;  // per kind; all 0 by default

  // The same tolerance for every FD kind, threads and children.
  static Slack Uniform(std::int64_t n);
};

// Errors (kInvalidArgument) name the offending entry: unknown key (with the valid keys), a value
// that is not a non-negative integer, an empty entry.
Result<Slack> ParseSlack(std::string_view spec);
// The canonical spec: "fd=N" for the common FD value, then the kinds that differ, thread, child.
std::string FormatSlack(const Slack& slack);

struct Growth {
  std::string key;  // "pidfd", "thread", "child"
  std::int64_t delta = 0;
  std::int64_t slack = 0;
};

// The kinds whose delta exceeds their slack, in FdKind order, then thread, then child.
std::vector<Growth> GrowthBeyondSlack(const ResourceCounts& delta, const Slack& slack);

// "2 pidfd, 1 thread" — for one-line summaries.
std::string SummarizeGrowth(const std::vector<Growth>& growth);

}  // namespace leakwatch
