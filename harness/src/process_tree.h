// process_tree.h — threads and descendants of a process from procfs (private to the harness).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "leakwatch/result.h"
#include "leakwatch/snapshot.h"

namespace leakwatch::internal {

// Descendants of the process at `proc_dir` (/proc/PID), breadth first, given its thread IDs:
// children belong to the thread that forked them, so every task's children file is read.
// Processes that exit during the walk are skipped.
std::vector<ProcessInfo> ReadDescendants(int proc_dir, const std::vector<int>& tids);

// The pid, parent, state, start time and command line of one process (depth 0). Errors: those of
// ReadProcStat (kNotFound once it has been reaped).
Result<ProcessInfo> ReadProcessInfo(pid_t pid);

// The comm of one thread (without the newline), relative to /proc/PID/task; an errno on failure.
int ReadThreadName(int task_dir, int tid, std::string& name);

}  // namespace leakwatch::internal
