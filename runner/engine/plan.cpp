// plan.cpp — tag selection, sharding and the assignment of batches to workers.
#include "plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "leakwatch/spelling.h"

namespace leakwatch::run {
namespace {

bool CarriesAny(const ModuleConfig& module, const std::vector<std::string>& tags) {
  return std::ranges::find_first_of(module.tags, tags) != module.tags.end();
}

// "`a`, `b`, `c`"
std::string Quoted(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& word : words) {
    if (!text.empty()) text += ", ";
    text += fmt::format("`{}`", word);
  }
  return text;
}

std::string UnknownTag(std::string_view option, const std::string& tag,
                       const std::vector<std::string>& known) {
  std::string message = fmt::format("{} {}: no module in the config has this tag", option, tag);
  if (std::optional<std::string> near = NearestName(tag, known)) {
    message += fmt::format("; did you mean `{}`?", *near);
  }
  if (known.empty()) return message + " (no module has any tags)";
  return message + fmt::format(" (tags in the config: {})", Quoted(known));
}

}  // namespace

Result<std::vector<ModuleConfig>> SelectByTags(std::vector<ModuleConfig> modules,
                                               const TagSelection& selection) {
  if (selection.tags.empty() && selection.skip_tags.empty()) return modules;
  std::set<std::string> tag_set;
  for (const ModuleConfig& module : modules) tag_set.insert(module.tags.begin(), module.tags.end());
  const std::vector<std::string> known(tag_set.begin(), tag_set.end());  // sorted
  std::string asked;  // "--tag a --skip-tag b", for the message when nothing is left
  for (const auto& [option, tags] :
       {std::pair{"--tag", &selection.tags}, std::pair{"--skip-tag", &selection.skip_tags}}) {
    for (const std::string& tag : *tags) {
      if (!tag_set.contains(tag)) {
        return Error(ErrorCode::kInvalidArgument, UnknownTag(option, tag, known));
      }
      asked += fmt::format("{}{} {}", asked.empty() ? "" : " ", option, tag);
    }
  }
  const std::size_t total = modules.size();
  std::erase_if(modules, [&](const ModuleConfig& module) {
    return (!selection.tags.empty() && !CarriesAny(module, selection.tags)) ||
           CarriesAny(module, selection.skip_tags);
  });
  if (modules.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("no module to run: {} selects none of the {} module{} in the config",
                             asked, total, total == 1 ? "" : "s"));
  }
  return modules;
}

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
