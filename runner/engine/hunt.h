// hunt.h — repeat hunts of `leakwatch run`: did a case leak, or only initialise something once?
//
// A case that leaked is run again alone, `warmup + runs` times in one process (so that one-time
// initialisation in the test process, or in the server, happened before the measured runs), each
// run checked on its own. A kind of a target leaks only if it grew in every measured run (summed
// over the target's processes): the rule of repeat_rule.h, applied to the runner's per-run
// reports.
//
//   std::vector<std::vector<LeakReport>> runs = ...;  // the reports of each run, in order
//   HuntVerdict verdict = GrewInEveryRun(runs, /*warmup=*/1);
//   if (verdict.leaks.empty()) ...                    // one-time growth: not a leak
#pragma once

#include <string>
#include <vector>

#include "events.h"

namespace leakwatch::run {

struct HuntVerdict {
  // The last run's reports, cut to the kinds that grew in every measured run; empty: no leak.
  std::vector<LeakReport> leaks;
  // Per target, those kinds with their growth summed over the measured runs:
  // "server: pidfd +3; test: eventfd +3".
  std::string total;
};

// No measured run: no leak.
HuntVerdict GrewInEveryRun(const std::vector<std::vector<LeakReport>>& runs, int warmup);

}  // namespace leakwatch::run
