// run_command.h — `leakwatch run`: test modules against a live server, every case checked.
//
// Loads the config (-c, default ./leakwatch.yaml), selects modules by tag (--tag, --skip-tag;
// before sharding), applies command-line overrides (--jobs, --shard, --junit, --json), honours the
// sharding variables of GoogleTest and Bazel, runs the engine with the console and file reporters,
// and maps the result to an exit code: 0 all passed; 1 failures or leaks; 2 usage or config error;
// 3 infrastructure error (the server never became ready); 130 / 143 interrupted by SIGINT /
// SIGTERM.
//
//   RunArgs args;
//   CLI::App* run = AddRunCommand(app, args);
//   app.parse(argc, argv);
//   if (run->parsed()) return RunRunCommand(args);
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace leakwatch::cli {

struct RunArgs {
  std::string config;  // empty: ./leakwatch.yaml
  int jobs = 0;        // 0: the config's
  std::string shard;   // "I/N", 1-based
  std::string junit;   // report paths; override the config's
  std::string json;
  bool no_progress = false;
  std::vector<std::string> tags;       // --tag: only modules with one of these
  std::vector<std::string> skip_tags;  // --skip-tag: not modules with any of these
  std::string write_suppressions;      // --write-suppressions: a baseline of this run's leaks
};

CLI::App* AddRunCommand(CLI::App& app, RunArgs& args);
int RunRunCommand(const RunArgs& args);

}  // namespace leakwatch::cli
