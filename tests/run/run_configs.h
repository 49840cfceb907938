// run_configs.h — leakwatch.yaml text for the end-to-end tests of `leakwatch run` and `merge`:
// demo-server from this build, and modules of lw-run-cases picked by GTEST_FILTER.
#pragma once

#include <string>

#include "child_process.h"

namespace leakwatch::testing {

// A config around `modules` (YAML list items, indented by two spaces); `extra` is appended at
// the top level, `server_extra` inside `server:` and `server_args` to demo-server's command.
inline std::string Config(const std::string& modules, const std::string& extra = "",
                          const std::string& server_extra = "",
                          const std::string& server_args = "") {
  return "server:\n"
         "  command: " +
         BinPath("demo-server") + " --port {port}" + server_args +
         "\n"
         "  ready: \"log:listening on\"\n"
         "  preflight: \"http://127.0.0.1:{port}/health\"\n"
         "  grace: 1s\n" +
         server_extra + "modules:\n" + modules + extra;
}

// A module running `program` (lw-run-cases unless given) with GTEST_FILTER=`filter`; `env` holds
// more env lines (each indented by six spaces).
inline std::string GtestModule(const std::string& name, const std::string& filter,
                               const std::string& env = "",
                               const std::string& program = "lw-run-cases") {
  return "  - name: " + name + "\n    command: " + BinPath(program) +
         "\n    env:\n      GTEST_FILTER: \"" + filter + "\"\n" + env;
}

}  // namespace leakwatch::testing
