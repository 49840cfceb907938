// check_config_command.h — `leakwatch check-config`: is this leakwatch.yaml right, without running.
//
// Loads the config (-c FILE, default ./leakwatch.yaml) exactly as `leakwatch run` would, globs
// expanded and paths resolved, and prints what a run would do: the server command and its probes,
// every module with its framework, the checks. A mistake is printed as "file:line:col: message"
// with exit code 2 (kExitUsage), whatever the kind of error, since only editing the file helps.
//
//   CheckConfigArgs args;
//   CLI::App* check_config = AddCheckConfigCommand(app, args);
//   app.parse(argc, argv);
//   if (check_config->parsed()) return RunCheckConfigCommand(args);
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace leakwatch::cli {

struct CheckConfigArgs {
  std::string config = "leakwatch.yaml";  // relative to the current directory
};

// Adds the `check-config` subcommand to `app`; parsing fills `args`, which must outlive the parse.
CLI::App* AddCheckConfigCommand(CLI::App& app, CheckConfigArgs& args);

// Returns kExitOk, or kExitUsage for any config error.
int RunCheckConfigCommand(const CheckConfigArgs& args);

}  // namespace leakwatch::cli
