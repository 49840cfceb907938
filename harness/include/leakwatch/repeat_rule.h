// repeat_rule.h — the rule for repeat hunts: a kind leaks only if it grew in every measured run.
//
// One-time lazy initialisation (a cache, a logging thread, a connection pool) grows a count the
// first time a case runs and never again. Running the case several times and blaming only kinds
// that grew in every run after the warm-ups (CPython's `regrtest -R` rule) tells the two apart.
//
//   std::vector<ResourceCounts> deltas = ...;  // one per run, in order
//   std::vector<Growth> leaks = GrewInEveryRun(deltas, /*warmups=*/1);
#pragma once

#include <vector>

#include "leakwatch/resource_counts.h"
#include "leakwatch/slack.h"

namespace leakwatch {

// The kinds whose delta was > 0 in every run after the first `warmups` runs. Growth::delta is the
// sum over the measured runs, Growth::slack is 0. No measured run (runs <= warmups): no leak.
std::vector<Growth> GrewInEveryRun(const std::vector<ResourceCounts>& per_run_deltas, int warmups);

}  // namespace leakwatch
