// leak_report.h — what leaked, in which process, worded once for every report.
//
// The GoogleTest listener, `leakwatch run` (console, JUnit, JSON) and the `snapshot`/`diff`
// commands all describe leaked resources through these functions, so a leak reads the same
// wherever it is shown:
//
//   fd 7 pidfd anon_inode:[pidfd] -> pid 4242 (exited)
//   fd 9 tcp socket:[81234] 127.0.0.1:6379 <- 127.0.0.1:51234 ESTABLISHED
//   thread 4250 "demo-sync"
//   child 4300 (sleeping) demo-watchdog: holds 3 fds (pipe 2, tcp 1), 1 thread
//
// A LeakReport is one process of one target ("server", "test") with the kinds that grew in it,
// among those that grew beyond slack over the whole target; only resources of those kinds are
// listed in its details.
//
//   std::vector<LeakReport> leaks = DescribeTreeLeak("server", settled.diff, settled.growth);
//   SummarizeLeaks(leaks);  // "server: tcp +1 in pid 4243 (demo-server: worker process)"
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "leakwatch/slack.h"
#include "leakwatch/snapshot.h"
#include "leakwatch/snapshot_diff.h"
#include "leakwatch/tree_diff.h"

namespace leakwatch {

struct LeakedKind {
  std::string kind;  // an FD kind name, "thread" or "child"
  std::int64_t count = 0;
};

// What leaked in one process of one target during one case.
struct LeakReport {
  std::string target;   // "server" or "test"
  pid_t pid = 0;        // the process that grew (for a leaked child: its parent)
  std::string command;  // that process's command line
  std::vector<LeakedKind> kinds;
  // One line per leaked resource, as DescribeFd / DescribeThread / DescribeChild word it.
  std::vector<std::string> details;
};

// What follows an FD's number and kind: the link text, the protocol of an otherwise unnamed
// socket, a pidfd's target and its state read now ("-> pid 4242 (running)", "-> pid 4242
// (exited)", "-> orphaned (its process has exited and been reaped)"), the socket's endpoints.
std::string DescribeFdTarget(const FdInfo& fd);
// "fd 7 pidfd anon_inode:[pidfd] -> pid 4242 (exited)"
std::string DescribeFd(const FdInfo& fd);
// "thread 4250 \"demo-sync\""
std::string DescribeThread(const ThreadInfo& thread);
// "child 4300 (sleeping) demo-watchdog", and with `holds` (an appeared member's diff, which adds
// everything it holds): "child 4300 (sleeping) demo-watchdog: holds 3 fds (pipe 2, tcp 1), 1
// thread".
std::string DescribeChild(const ProcessInfo& child, const SnapshotDiff* holds = nullptr);

// Fills FdInfo::endpoint of the sockets among `fds`, which belong to process `pid` (its network
// namespace's socket tables are read once). A server-side connection reads "local <- peer".
void ResolveSocketEndpoints(pid_t pid, std::vector<FdInfo>& fds);

// The reports of a process tree's diff: one per process that grew in a kind of `growth` (the
// kinds beyond slack over the whole tree); an appeared process is a `child` of its parent (of the
// root when its parent is not in the tree). Socket endpoints are resolved.
std::vector<LeakReport> DescribeTreeLeak(const std::string& target, const TreeDiff& diff,
                                         const std::vector<Growth>& growth);
// The report of one process's diff (its descendants counted as `child`), or nothing when
// `growth` is empty.
std::vector<LeakReport> DescribeProcessLeak(const std::string& target, pid_t pid,
                                            const std::string& command, const SnapshotDiff& diff,
                                            const std::vector<Growth>& growth);

// "pidfd +1, thread +1"
std::string SummarizeKinds(const std::vector<LeakedKind>& kinds);
// "server: pidfd +1, thread +1 in pid 4242 (demo-server --port 4000)"; a long command is cut.
std::string SummarizeLeak(const LeakReport& report);
// The summaries joined by "; ".
std::string SummarizeLeaks(const std::vector<LeakReport>& reports);

}  // namespace leakwatch
