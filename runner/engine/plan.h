// plan.h — which modules this run executes, on which worker, in which order.
//
// Sharding picks every N-th module (by position in the config, so that N shards cover every
// module exactly once); workers then get whole batches (modules that share a server under
// respawn: per-batch stay on one worker, in config order), balanced by count. Tag selection
// (`leakwatch run --tag / --skip-tag`) comes first and narrows the config's modules, so that
// shards split the selected modules and the others appear nowhere.
//
//   Result<std::vector<ModuleConfig>> selected = SelectByTags(config.modules, {{"fast"}, {}});
//   if (selected) config.modules = std::move(*selected);
//   Plan plan = MakePlan(config);
//   for (const WorkerPlan& worker : plan.workers) for (int m : worker.modules) ...
#pragma once

#include <string>
#include <vector>

#include "leakwatch/result.h"
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

// Which modules to run by their `tags:`. Empty lists select every module.
struct TagSelection {
  std::vector<std::string> tags;       // keep only modules carrying at least one of these
  std::vector<std::string> skip_tags;  // leave out modules carrying any of these (wins)
};

// The modules `selection` keeps, in config order. kInvalidArgument when a tag of the selection
// is carried by no module (the message names it, lists the tags there are, sorted, and the
// nearest one), or when nothing is left to run.
Result<std::vector<ModuleConfig>> SelectByTags(std::vector<ModuleConfig> modules,
                                               const TagSelection& selection);

}  // namespace leakwatch::run
