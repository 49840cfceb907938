// merge_command.h — `leakwatch merge`: shard reports (JSON) into one JSON and one JUnit report.
//
// A CI matrix runs `leakwatch run --shard I/N --json out/shard-I.json` on N machines; merge reads
// those reports, replays their events through the same reporters a run uses, and so writes what a
// single run over all modules would have written: one run-started (modules summed, no shard),
// every other event of shard 1, then shard 2, ... (inputs are ordered by their shard index;
// worker numbers are kept as each shard reported them), one run-finished (the shards' RunTally
// summed, interrupted if any shard was, the first infrastructure error, the longest duration). A
// module in two inputs means the shards overlap, and is an error naming both files.
//
// Exit codes: 0 nothing failed; 1 the merged run has failures (or a shard was interrupted,
// incomplete or hit an infrastructure error: the merged run is not green); 2 usage or bad input
// (unreadable file, bad JSON, schema other than 2, overlapping shards); 3 a report could not be
// written.
//
//   MergeArgs args;
//   CLI::App* merge = AddMergeCommand(app, args);
//   app.parse(argc, argv);
//   if (merge->parsed()) return RunMergeCommand(args);
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace leakwatch::cli {

struct MergeArgs {
  std::vector<std::string> inputs;  // shard JSON reports
  std::string json;                 // -o: the merged JSON report; empty: none
  std::string junit;                // --junit: the merged JUnit report; empty: none
};

// Adds the `merge` subcommand to `app`; parsing fills `args`, which must outlive the parse.
CLI::App* AddMergeCommand(CLI::App& app, MergeArgs& args);

// Prints "merged N reports: P passed, F failed" and returns kExitOk, kExitGrowth (failures),
// kExitUsage (bad input) or kExitFailure (a report could not be written).
int RunMergeCommand(const MergeArgs& args);

}  // namespace leakwatch::cli
