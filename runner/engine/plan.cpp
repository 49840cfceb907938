// plan.cpp — sharding and the assignment of batches to workers.
#include "plan.h"

#include <algorithm>
#include <map>

namespace leakwatch::run {

Plan MakePlan(const RunConfig& config) {
  Plan plan;
  const Shard shard = config.shard.value_or(Shard{});
  for (int i = 0; i < static_cast<int>(config.modules.size()); ++i) {
    if (shard.total <= 1 || i % shard.total == shard.index) plan.modules.push_back(i);
  }
  // Batches in order of their first module.
  std::vector<std::vector<int>> batches;
  std::map<std::string, std::size_t> batch_of;
  for (int index : plan.modules) {
    const ModuleConfig& module = config.modules[index];
    std::string key = module.batch.empty() ? "\x01" + module.name : module.batch;
    auto [it, added] = batch_of.try_emplace(key, batches.size());
    if (added) batches.emplace_back();
    batches[it->second].push_back(index);
  }
  const int workers = std::max(1, std::min<int>(config.jobs, static_cast<int>(batches.size())));
  plan.workers.resize(workers);
  // Each batch to the worker with the fewest modules so far (ties: the lowest number).
  for (const std::vector<int>& batch : batches) {
    auto least = std::min_element(plan.workers.begin(), plan.workers.end(),
                                  [](const WorkerPlan& a, const WorkerPlan& b) {
                                    return a.modules.size() < b.modules.size();
                                  });
    least->modules.insert(least->modules.end(), batch.begin(), batch.end());
  }
  std::erase_if(plan.workers, [](const WorkerPlan& w) { return w.modules.empty(); });
  return plan;
}

}  // namespace leakwatch::run
