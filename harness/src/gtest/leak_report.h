// leak_report.h — the text of a leak failure (private to the GoogleTest integration).
//
//   leakwatch: case leaked 1 pidfd (slack 0): fd 7 anon_inode:[pidfd] -> pid 4242 (exited)
//
// One resource stays on one line; several are listed below the summary, one per line. Only the
// resources of the kinds that grew beyond their slack are listed.
#pragma once

#include <string>
#include <vector>

#include "leakwatch/slack.h"
#include "leakwatch/snapshot_diff.h"

namespace leakwatch::internal {

// `context` is put after "case leaked N kind" (e.g. " over 3 measured runs, growing in every one"),
// may be empty.
std::string FormatLeakReport(const SnapshotDiff& diff, const std::vector<Growth>& growth,
                             const std::string& context = "");

// "fd 7 anon_inode:[pidfd] -> pid 4242 (exited)"
std::string DescribeFd(const FdInfo& fd);

}  // namespace leakwatch::internal
