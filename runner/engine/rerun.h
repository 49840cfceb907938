// rerun.h — running single cases of a module again: for retries and repeat hunts.
//
// GoogleTest modules are narrowed with --gtest_filter (and repeated with --gtest_repeat); pytest
// modules through the plugin's LEAKWATCH_SELECT / LEAKWATCH_REPEAT (control_protocol.h). Plain
// modules are one case and cannot be narrowed.
//
//   if (CanRerunCases(module)) RunModule(RerunOf(module, "Suite.Case", /*repeat=*/4));
#pragma once

#include <string>

#include "run_config.h"

namespace leakwatch::run {

bool CanRerunCases(const ModuleConfig& module);

// `module` narrowed to the one case `case_id`, run `repeat` times in a row in one process.
ModuleConfig RerunOf(const ModuleConfig& module, const std::string& case_id, int repeat = 1);

// Are the leaks of `module`'s cases judged by a repeat hunt (config `checks.hunt`)? Then the
// runner tells the module "ok" at case-end, and the hunt gives the verdict.
bool Hunts(const RunConfig& config, const ModuleConfig& module);

}  // namespace leakwatch::run
