// hunt.h — repeat hunts of `leakwatch run`: did a case leak, or only initialise something once?
//
// A case that leaked is run again alone, `warmup + runs` times in one process (so that one-time
// initialisation in the test process, or in the server, happened before the measured runs), each
// run checked on its own. A kind of a target leaks only if it grew in every measured run: the rule
// of repeat_rule.h, applied to the runner's per-run reports.
//
//   std::vector<std::vector<LeakReport>> runs = ...;  // the reports of each run, in order
//   std::vector<LeakReport> confirmed = GrewInEveryRun(runs, /*warmup=*/1);
//   if (confirmed.empty()) ...                        // one-time growth: not a leak
#pragma once

#include <vector>

#include "events.h"

namespace leakwatch::run {

// Per target ("server", "test"): the kinds that grew in every run after the first `warmup`, with
// the count summed over those runs, and the details of the last run. No measured run: nothing.
std::vector<LeakReport> GrewInEveryRun(const std::vector<std::vector<LeakReport>>& runs,
                                       int warmup);

}  // namespace leakwatch::run
