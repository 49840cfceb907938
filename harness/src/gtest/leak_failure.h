// leak_failure.h — the text of a GoogleTest case's leak failure (private to the GoogleTest
// integration). The resources are worded by leak_report.h, as in every other report:
//
//   leakwatch: case leaked 1 pidfd (slack 0): fd 7 pidfd anon_inode:[pidfd] -> pid 4242 (exited)
//
// One resource stays on one line; several are listed below the headline, one per line. Only the
// resources of the kinds that grew beyond their slack are listed.
#pragma once

#include <string>
#include <vector>

#include "leakwatch/slack.h"
#include "leakwatch/snapshot_diff.h"

namespace leakwatch::internal {

// `context` is put after "case leaked N kind" (e.g. " over 3 measured runs, growing in every
// one"), may be empty.
std::string FormatLeakFailure(const SnapshotDiff& diff, const std::vector<Growth>& growth,
                              const std::string& context = "");

// "leakwatch: case could not be checked: cannot read /proc/self/fd: ..."
std::string FormatUncheckedFailure(const std::string& reason);

// "leakwatch: case leaked 4096 bytes of memory (definitely lost, Valgrind memcheck; ...)"
std::string FormatMemoryLeak(unsigned long bytes);

}  // namespace leakwatch::internal
