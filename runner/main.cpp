// The `leakwatch` command: builds the CLI11 app and hands the parsed arguments to one command.
// Commands live in cli/ (one file each); exit codes in exit_codes.h.
#include <CLI/CLI.hpp>

#include "cli/command_line.h"
#include "cli/diff_command.h"
#include "cli/snapshot_command.h"
#include "cli/watch_command.h"

int main(int argc, char** argv) {
  using namespace leakwatch::cli;

  CLI::App app("leakwatch: what file descriptors, threads and children a process holds or leaks",
               "leakwatch");
  app.footer(
      "Exit codes: 0 ok; 1 diff found growth beyond slack; 2 usage error or bad input file;\n"
      "3 other OS error; 4 no such process (or it exited); 5 permission denied. See docs/cli.md.");
  app.set_version_flag("--version", "leakwatch " LEAKWATCH_VERSION);
  // At most one command; "none" is checked after the parse so that a misspelt command reads
  // "not expected: snapshots" rather than CLI11's "A subcommand is required".
  app.require_subcommand(0, 1);

  SnapshotArgs snapshot_args;
  DiffArgs diff_args;
  WatchArgs watch_args;
  CLI::App* snapshot = AddSnapshotCommand(app, snapshot_args);
  CLI::App* diff = AddDiffCommand(app, diff_args);
  CLI::App* watch = AddWatchCommand(app, watch_args);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return ExitForParseError(app, error);
  }

  if (snapshot->parsed()) return RunSnapshotCommand(snapshot_args);
  if (diff->parsed()) return RunDiffCommand(diff_args);
  if (watch->parsed()) return RunWatchCommand(watch_args);
  return ExitForParseError(app, CLI::RequiredError("A command (snapshot, diff or watch)"));
}
