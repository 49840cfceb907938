// snapshot_command.h — `leakwatch snapshot PID`: what a process holds right now.
//
// Prints a table of FDs by kind (the FDs of rarer kinds listed, orphaned pidfds flagged),
// threads, descendants (zombies marked), memory and the FD soft limit; or, with --json, the full
// model that `leakwatch diff` reads back.
//
//   SnapshotArgs args;
//   CLI::App* snapshot = AddSnapshotCommand(app, args);
//   app.parse(argc, argv);
//   if (snapshot->parsed()) return RunSnapshotCommand(args);
#pragma once

#include <sys/types.h>

#include <CLI/CLI.hpp>

namespace leakwatch::cli {

struct SnapshotArgs {
  pid_t pid = 0;  // 0 until given; the parse guarantees a PID or --self, never both
  bool self = false;
  bool json = false;
  bool sockets = false;
};

// Adds the `snapshot` subcommand to `app`; parsing fills `args`, which must outlive the parse.
CLI::App* AddSnapshotCommand(CLI::App& app, SnapshotArgs& args);

// Returns an exit code from exit_codes.h.
int RunSnapshotCommand(const SnapshotArgs& args);

}  // namespace leakwatch::cli
