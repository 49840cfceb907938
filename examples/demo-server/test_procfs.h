// test_procfs.h — what demo_server_test.cpp and workers_test.cpp read of a running demo-server
// from procfs: snapshots and their growth, fields of /proc/PID/stat and status, children, names,
// and whether an unprivileged user can list /proc/PID/fd.
//
//   Snapshot before = MustSnapshot(server.pid());
//   Get(server.port(), "/leak/pidfd");
//   ResourceCounts expected;
//   expected.fds[FdKind::kPidfd] = 1;
//   ExpectGrowth(before, server.pid(), expected);   // settles first, then compares exactly
//   std::vector<pid_t> workers = ChildPids(server.pid());
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "leakwatch/resource_counts.h"
#include "leakwatch/snapshot.h"
#include "leakwatch/snapshot_diff.h"

namespace demo_server_test {

// A snapshot of `pid`; an empty one (and a test failure) when it cannot be taken.
leakwatch::Snapshot MustSnapshot(pid_t pid);

// Re-snapshots `pid` until nothing beyond `expected` has grown since `before` (closing client
// connections, joined threads and reaped children take a moment to vanish from procfs), then
// checks that the growth is exactly `expected`. The deadline only bounds a failing case.
leakwatch::SnapshotDiff ExpectGrowth(const leakwatch::Snapshot& before, pid_t pid,
                                     const leakwatch::ResourceCounts& expected);

// Every descriptor of `snapshot` above stdio is close-on-exec, as /proc/PID/fdinfo says.
void ExpectCloseOnExec(const leakwatch::Snapshot& snapshot);

// Field `index` (1-based, as in proc(5)) of /proc/PID/stat; "" when the process is gone.
std::string StatField(pid_t pid, int index);
// The value of `name:` in /proc/PID/status; "" when absent.
std::string StatusField(pid_t pid, const std::string& name);
// /proc/PID/comm without its newline.
std::string Comm(pid_t pid);
// /proc/PID/cmdline with its trailing NULs dropped and the others shown as spaces.
std::string CommandLine(pid_t pid);
// The direct children of every thread of `pid` (/proc/PID/task/*/children), sorted.
std::vector<pid_t> ChildPids(pid_t pid);

// Whether `ls /proc/PID/fd` succeeds for an unprivileged user who owns the process: run as
// nobody when the tests run as root (then the server must run as nobody too: see
// StartOptions::as_nobody), else as the tests' own user.
bool UnprivilegedCanListFds(pid_t pid);

}  // namespace demo_server_test
