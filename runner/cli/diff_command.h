// diff_command.h — `leakwatch diff BEFORE.json AFTER.json`: what changed between two snapshots.
//
// Reads two `leakwatch snapshot --json` files (one of them may be `-`, stdin), prints the per-kind
// deltas and the FDs, threads and descendants added and removed, and exits with kExitGrowth when
// a kind grew beyond the slack given with --slack (default: none tolerated).
//
//   DiffArgs args;
//   CLI::App* diff = AddDiffCommand(app, args);
//   app.parse(argc, argv);                       // `diff a.json b.json --slack thread=1`
//   if (diff->parsed()) return RunDiffCommand(args);
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "leakwatch/slack.h"

namespace leakwatch::cli {

struct DiffArgs {
  std::string before_path;  // "-": stdin (the parse refuses it for both)
  std::string after_path;
  Slack slack;  // filled from --slack during the parse; all 0 by default
  bool json = false;
};

// Adds the `diff` subcommand to `app`; parsing fills `args`, which must outlive the parse.
CLI::App* AddDiffCommand(CLI::App& app, DiffArgs& args);

// Returns an exit code from exit_codes.h: kExitGrowth when a kind grew beyond the slack.
int RunDiffCommand(const DiffArgs& args);

}  // namespace leakwatch::cli
