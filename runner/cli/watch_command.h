// watch_command.h — `leakwatch watch PID`: per-kind counts of a live process, once per interval.
//
// Each line shows the counts and their change since the first sample, so a slow leak reads as a
// climbing "(+N)". Waits on a pidfd of the target and a signalfd for SIGINT/SIGTERM with the
// interval as the poll timeout: it notices the exit or Ctrl-C at once, never in a sleep loop.
//
//   WatchArgs args;
//   CLI::App* watch = AddWatchCommand(app, args);
//   app.parse(argc, argv);                       // `watch 4242 --interval 500ms --count 10`
//   if (watch->parsed()) return RunWatchCommand(args);
#pragma once

#include <sys/types.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>

namespace leakwatch::cli {

struct WatchArgs {
  pid_t pid = 0;
  std::chrono::nanoseconds interval = std::chrono::seconds(1);  // > 0, checked by the parse
  std::int64_t count = 0;  // stop after this many samples; 0 runs until the process exits
};

// Adds the `watch` subcommand to `app`; parsing fills `args`, which must outlive the parse.
CLI::App* AddWatchCommand(CLI::App& app, WatchArgs& args);

// Returns an exit code from exit_codes.h. SIGINT and SIGTERM are blocked while it runs (they end
// the watch with kExitOk); the previous signal mask is restored before it returns.
int RunWatchCommand(const WatchArgs& args);

}  // namespace leakwatch::cli
