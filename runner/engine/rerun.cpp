// rerun.cpp — narrowing a module to one case, per framework.
#include "rerun.h"

#include "leakwatch/control_protocol.h"

namespace leakwatch::run {

bool CanRerunCases(const ModuleConfig& module) {
  return module.framework == Framework::kGtest || module.framework == Framework::kPytest;
}

ModuleConfig RerunOf(const ModuleConfig& module, const std::string& case_id, int repeat) {
  ModuleConfig again = module;
  if (module.framework == Framework::kGtest) {
    // A flag beats GTEST_FILTER in the module's env.
    again.command.push_back("--gtest_filter=" + case_id);
    if (repeat > 1) again.command.push_back("--gtest_repeat=" + std::to_string(repeat));
  } else {
    again.env.push_back(std::string(control::kSelectVariable) + "=" + case_id);
    again.env.push_back(std::string(control::kRepeatVariable) + "=" + std::to_string(repeat));
  }
  return again;
}

bool Hunts(const RunConfig& config, const ModuleConfig& module) {
  return config.checks.hunt_runs > 0 && CanRerunCases(module);
}

}  // namespace leakwatch::run
