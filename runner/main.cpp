// The `leakwatch` command: builds the CLI11 app and hands the parsed arguments to one command.
// Commands live in cli/ (one file each); exit codes in exit_codes.h.
#include <CLI/CLI.hpp>

#include "cli/check_config_command.h"
#include "cli/command_line.h"
#include "cli/diff_command.h"
#include "cli/merge_command.h"
#include "cli/run_command.h"
#include "cli/snapshot_command.h"
#include "cli/watch_command.h"

int main(int argc, char** argv) {
  using namespace leakwatch::cli;

  CLI::App app(
      "leakwatch: run tests against a live server and check every case for leaked file "
      "descriptors, threads and children",
      "leakwatch");
  app.footer(
      "Exit codes: 0 ok; 1 run: failures or leaks, diff: growth beyond slack; 2 usage error or\n"
      "bad input file; 3 other OS error, or the server never became ready; 4 no such process\n"
      "(or it exited); 5 permission denied; 130/143 run interrupted. See docs/cli.md.");
  app.set_version_flag("--version", "leakwatch " LEAKWATCH_VERSION);
  // At most one command; "none" is checked after the parse so that a misspelt command reads
  // "not expected: snapshots" rather than CLI11's "A subcommand is required".
  app.require_subcommand(0, 1);

  SnapshotArgs snapshot_args;
  DiffArgs diff_args;
  WatchArgs watch_args;
  CheckConfigArgs check_config_args;
  RunArgs run_args;
  MergeArgs merge_args;
  CLI::App* snapshot = AddSnapshotCommand(app, snapshot_args);
  CLI::App* diff = AddDiffCommand(app, diff_args);
  CLI::App* watch = AddWatchCommand(app, watch_args);
  CLI::App* check_config = AddCheckConfigCommand(app, check_config_args);
  CLI::App* run = AddRunCommand(app, run_args);
  CLI::App* merge = AddMergeCommand(app, merge_args);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return ExitForParseError(app, error);
  }

  if (snapshot->parsed()) return RunSnapshotCommand(snapshot_args);
  if (diff->parsed()) return RunDiffCommand(diff_args);
  if (watch->parsed()) return RunWatchCommand(watch_args);
  if (check_config->parsed()) return RunCheckConfigCommand(check_config_args);
  if (run->parsed()) return RunRunCommand(run_args);
  if (merge->parsed()) return RunMergeCommand(merge_args);
  return ExitForParseError(
      app, CLI::RequiredError("A command (run, check-config, merge, snapshot, diff or watch)"));
}
