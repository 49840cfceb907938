#include "leak_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "leakwatch/proc_stat.h"
#include "leakwatch/snapshot.h"

namespace leakwatch::internal {
namespace {

// The state of the process a pidfd refers to, read now: "running", "exited" (a zombie nobody
// has reaped, or one on its way out), or "gone" when it no longer exists.
std::string PidfdTargetState(pid_t pid) {
  Result<ProcStat> stat = ReadProcStat(pid);
  if (!stat) return "gone";
  return stat->Exiting() ? "exited" : "running";
}

std::string SlackText(const std::vector<Growth>& growth) {
  bool same = std::all_of(growth.begin(), growth.end(),
                          [&](const Growth& g) { return g.slack == growth.front().slack; });
  if (same) return fmt::format("slack {}", growth.front().slack);
  std::string out = "slack ";
  for (const Growth& g : growth) {
    out += fmt::format("{}{}={}", &g == &growth.front() ? "" : ",", g.key, g.slack);
  }
  return out;
}

}  // namespace

std::string DescribeFd(const FdInfo& fd) {
  std::string out = fmt::format("fd {} {}", fd.fd, fd.target);
  if (fd.kind == FdKind::kPidfd) {
    if (fd.pidfd_pid > 0) {
      out += fmt::format(" -> pid {} ({})", fd.pidfd_pid, PidfdTargetState(fd.pidfd_pid));
    } else if (fd.pidfd_pid == -1) {
      out += " -> orphaned (its process has exited and been reaped)";
    }
  }
  if (!fd.endpoint.empty()) out += " " + fd.endpoint;
  return out;
}

std::string FormatLeakReport(const SnapshotDiff& diff, const std::vector<Growth>& growth,
                             const std::string& context) {
  std::set<std::string> grown;
  for (const Growth& g : growth) grown.insert(g.key);
  std::vector<std::string> items;
  for (const FdInfo& fd : diff.fds_added) {
    if (grown.contains(std::string(FdKindName(fd.kind)))) items.push_back(DescribeFd(fd));
  }
  if (grown.contains(std::string(kThreadKey))) {
    for (const ThreadInfo& t : diff.threads_added) {
      items.push_back(fmt::format("thread {} \"{}\"", t.tid, t.name));
    }
  }
  if (grown.contains(std::string(kChildKey))) {
    for (const ProcessInfo& p : diff.children_added) {
      items.push_back(fmt::format("child {} ({}) {}", p.pid, ProcessStateName(p.state), p.cmd));
    }
  }
  std::string out = fmt::format("leakwatch: case leaked {}{} ({})", SummarizeGrowth(growth),
                                context, SlackText(growth));
  if (items.size() == 1) return out + ": " + items.front();
  for (const std::string& item : items) out += "\n  " + item;
  return out;
}

}  // namespace leakwatch::internal
