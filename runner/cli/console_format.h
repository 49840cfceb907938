// console_format.h — the human-readable text of the `snapshot`, `diff` and `watch` commands.
//
// Functions from the harness model to text, so every console format can be checked against a
// golden string without a terminal. FDs, threads and descendants are worded by the harness
// (leakwatch/leak_report.h) as in leak reports; that wording reads the state of a pidfd's process
// now, the one thing here that looks at the machine. The commands only print what these return;
// JSON output is not here (snapshot_json.h owns it).
//
//   std::fputs(FormatSnapshotTable(snap, {.show_socket_endpoints = true}).c_str(), stdout);
//   std::fputs(FormatDiffReport(diff, growth, slack).c_str(), stdout);
//   std::fputs(FormatWatchLine("10:41:02", WatchSampleOf(now), WatchSampleOf(first)).c_str(),
//   stdout);
//
// Errors on the console always read "leakwatch <command>: <message>": ReportError prints them
// and picks the exit code from exit_codes.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leakwatch/resource_counts.h"
#include "leakwatch/result.h"
#include "leakwatch/slack.h"
#include "leakwatch/snapshot.h"
#include "leakwatch/snapshot_diff.h"

namespace leakwatch::cli {

struct SnapshotTableOptions {
  // List socket FDs with their endpoints (snapshot --sockets). Without it, sockets are counted
  // only: a server holds many and their link text alone says little.
  bool show_socket_endpoints = false;
  // At most this many FDs are listed per kind, and this many threads / descendants: enough to
  // see a pattern, while --json always has them all.
  std::size_t max_listed = 20;
};

// The `snapshot` table: FD counts by kind (with the FDs of the rarer kinds listed, orphaned
// pidfds counted in the kind line and listed first), threads grouped by name, descendants
// (zombies counted and marked), memory, FD limit.
std::string FormatSnapshotTable(const Snapshot& snapshot, const SnapshotTableOptions& options = {});

// The `diff` report: a per-kind deltas line, the FDs/threads/descendants added and removed, and
// the kinds that grew beyond `slack` (`growth`, from GrowthBeyondSlack).
std::string FormatDiffReport(const Snapshot& before, const Snapshot& after,
                             const SnapshotDiff& diff, const std::vector<Growth>& growth,
                             const Slack& slack);

// What one `watch` line shows of a snapshot.
struct WatchSample {
  ResourceCounts counts;
  std::int64_t rss_kb = 0;
};
WatchSample WatchSampleOf(const Snapshot& snapshot);

// "10:41:02  fd 12 (+2)  pipe 4 (+2)  eventpoll 1  thread 3 (+1)  child 0  rss 2024kB (+12)":
// the FD total, every kind that is nonzero now or changed since `first`, threads, descendants
// and RSS; changes since `first` in parentheses when nonzero. No trailing newline.
std::string FormatWatchLine(std::string_view clock, const WatchSample& now,
                            const WatchSample& first);

// "+2", "-1", "0".
std::string FormatSigned(std::int64_t value);

// Prints "leakwatch <command>: <message>" on stderr and returns the exit code for the error's
// code. The library's messages already name the PID and what would help.
int ReportError(std::string_view command, const Error& error);

// Prints a JSON document on stdout, ending in exactly one newline whether or not `json` has one.
void PrintJson(std::string_view json);

// Flushes stdout. On failure (a full disk, a closed pipe) reports it and returns false, so that a
// truncated --json file never comes with exit code 0.
bool FlushStdout(std::string_view command);

}  // namespace leakwatch::cli
