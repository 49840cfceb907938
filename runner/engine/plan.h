// plan.h — which modules this run executes, on which worker, in which order.
//
// Sharding picks every N-th module (by position in the config, so that N shards cover every
// module exactly once); workers then get whole batches (modules that share a server under
// respawn: per-batch stay on one worker, in config order), balanced by count.
//
//   Plan plan = MakePlan(config);
//   for (const WorkerPlan& worker : plan.workers) for (int m : worker.modules) ...
#pragma once

#include <string>
#include <vector>

#include "run_config.h"

namespace leakwatch::run {

struct WorkerPlan {
  std::vector<int> modules;  // indices into RunConfig::modules, in run order
};

struct Plan {
  std::vector<int> modules;         // this shard's modules, in config order
  std::vector<WorkerPlan> workers;  // at most RunConfig::jobs, none empty
};

Plan MakePlan(const RunConfig& config);

}  // namespace leakwatch::run
