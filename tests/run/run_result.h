// run_result.h — run the real `leakwatch run` on a config and read its JSON report, for the
// end-to-end tests of tests/run.
//
//   TempDir dir;
//   RunResult run = RunLeakwatch(dir, Config(GtestModule("m", "Suite.*")));
//   EXPECT_EQ(run.status["m Suite.Case"], "PASS");
#pragma once

#include <sys/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "child_process.h"

namespace leakwatch::testing {

struct RunResult {
  CommandResult command;
  nlohmann::json report;                      // the JSON report; null when none was written
  std::vector<nlohmann::json> cases;          // case-finished events
  std::map<std::string, std::string> status;  // "module name" -> status
};

// Writes `config` to dir/leakwatch.yaml and runs `leakwatch run -c` on it with --no-progress and
// --json dir/report.json, plus `extra` arguments; as user nobody when `as_nobody` (needs root).
RunResult RunLeakwatch(TempDir& dir, const std::string& config,
                       const std::vector<std::string>& extra = {}, bool as_nobody = false);

// Reads the JSON report at `path` into `result` (report, cases, status); leaves them empty when
// there is none.
void ReadRunReport(const std::string& path, RunResult& result);

// Processes anywhere that carry the tree marker of leakwatch `pid` (every process it started, and
// what those started), as "pid (comm)": after a run has ended, what it left behind.
std::vector<std::string> ProcessesStartedBy(pid_t pid);

// The case-finished event of the case `name` (a test failure when there is none).
const nlohmann::json& CaseNamed(const RunResult& run, const std::string& name);

// The pid a case printed as "leaked <kind> in pid N" (the answer of demo-server and of the test
// WSGI app), from the output tails of the run's modules; 0 when none did.
pid_t PidThatAnswered(const RunResult& run, const std::string& kind);

}  // namespace leakwatch::testing
