// leak_report.cpp — the one wording of leaked resources, and reports per process.
#include "leakwatch/leak_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "leakwatch/proc_stat.h"
#include "socket_table.h"

namespace leakwatch {
namespace {

// Long enough for "nginx: worker process" or "python3 -m http.server 8000".
constexpr std::size_t kMaxSummaryCommand = 60;

// The state of the process a pidfd refers to, read now: "running", "exited" (a zombie nobody
// has reaped, or one on its way out), or "gone" when it no longer exists.
std::string PidfdTargetState(pid_t pid) {
  Result<ProcStat> stat = ReadProcStat(pid);
  if (!stat) return "gone";
  return stat->Exiting() ? "exited" : "running";
}

// The first word without its directory, then the arguments; cut when long.
std::string ShortCommand(const std::string& cmd) {
  std::size_t word_end = cmd.find(' ');
  std::size_t slash = cmd.rfind('/', word_end == std::string::npos ? cmd.size() : word_end);
  std::string text = slash == std::string::npos ? cmd : cmd.substr(slash + 1);
  if (text.size() > kMaxSummaryCommand) text = text.substr(0, kMaxSummaryCommand - 3) + "...";
  return text;
}

// The growth of `delta` in `key`, one process's share of a kind that grew beyond slack.
std::int64_t DeltaOf(const ResourceCounts& delta, const std::string& key) {
  if (key == kThreadKey) return delta.threads;
  if (key == kChildKey) return delta.children;
  std::optional<FdKind> kind = ParseFdKind(key);
  return kind ? delta.fds[*kind] : 0;
}

// The added resources of `diff` of the kinds in `grown`, worded, sockets with endpoints.
std::vector<std::string> DescribeAdded(pid_t pid, const SnapshotDiff& diff,
                                       const std::set<std::string>& grown) {
  std::vector<FdInfo> fds;
  for (const FdInfo& fd : diff.fds_added) {
    if (grown.contains(std::string(FdKindName(fd.kind)))) fds.push_back(fd);
  }
  ResolveSocketEndpoints(pid, fds);
  std::vector<std::string> lines;
  for (const FdInfo& fd : fds) lines.push_back(DescribeFd(fd));
  if (grown.contains(std::string(kThreadKey))) {
    for (const ThreadInfo& thread : diff.threads_added) lines.push_back(DescribeThread(thread));
  }
  if (grown.contains(std::string(kChildKey))) {
    for (const ProcessInfo& child : diff.children_added) lines.push_back(DescribeChild(child));
  }
  return lines;
}

std::set<std::string> GrownKeys(const std::vector<Growth>& growth) {
  std::set<std::string> keys;
  for (const Growth& g : growth) keys.insert(g.key);
  return keys;
}

}  // namespace

std::string DescribeFdTarget(const FdInfo& fd) {
  std::string text = fd.target;
  if (fd.kind == FdKind::kPidfd) {
    if (fd.pidfd_pid > 0) {
      text += fmt::format(" -> pid {} ({})", fd.pidfd_pid, PidfdTargetState(fd.pidfd_pid));
    } else if (fd.pidfd_pid == -1) {
      text += " -> orphaned (its process has exited and been reaped)";
    }
  }
  // "socket" is the catch-all kind: the protocol is the only thing that tells what it is.
  if (fd.kind == FdKind::kSocket && !fd.protocol.empty()) text += " " + fd.protocol;
  if (!fd.endpoint.empty()) text += " " + fd.endpoint;
  return text;
}

std::string DescribeFd(const FdInfo& fd) {
  return fmt::format("fd {} {} {}", fd.fd, FdKindName(fd.kind), DescribeFdTarget(fd));
}

std::string DescribeThread(const ThreadInfo& thread) {
  return fmt::format("thread {} \"{}\"", thread.tid, thread.name);
}

std::string DescribeChild(const ProcessInfo& child, const SnapshotDiff* holds) {
  std::string text =
      fmt::format("child {} ({}) {}", child.pid, ProcessStateName(child.state), child.cmd);
  if (holds == nullptr || (holds->fds_added.empty() && holds->threads_added.empty())) return text;
  std::vector<std::string> kinds;
  for (FdKind kind : AllFdKinds()) {
    if (holds->delta.fds[kind] > 0) {
      kinds.push_back(fmt::format("{} {}", FdKindName(kind), holds->delta.fds[kind]));
    }
  }
  std::size_t fds = holds->fds_added.size();
  std::size_t threads = holds->threads_added.size();
  return fmt::format("{}: holds {} fd{} ({}), {} thread{}", text, fds, fds == 1 ? "" : "s",
                     fmt::join(kinds, ", "), threads, threads == 1 ? "" : "s");
}

void ResolveSocketEndpoints(pid_t pid, std::vector<FdInfo>& fds) {
  bool any = std::any_of(fds.begin(), fds.end(), [](const FdInfo& fd) {
    return IsSocketKind(fd.kind) && fd.endpoint.empty();
  });
  if (!any) return;
  std::unordered_map<std::uint64_t, std::string> endpoints = internal::ReadSocketEndpoints(pid);
  for (FdInfo& fd : fds) {
    if (!IsSocketKind(fd.kind) || !fd.endpoint.empty()) continue;
    auto it = endpoints.find(fd.inode);
    if (it != endpoints.end()) fd.endpoint = it->second;
  }
}

std::vector<LeakReport> DescribeTreeLeak(const std::string& target, const TreeDiff& diff,
                                         const std::vector<Growth>& growth) {
  if (growth.empty() || diff.members.empty()) return {};
  const std::set<std::string> grown = GrownKeys(growth);
  // One report per process, in the tree's order; children are added to their parent's.
  std::vector<LeakReport> reports(diff.members.size());
  auto index_of = [&](pid_t pid) -> std::size_t {
    for (std::size_t i = 0; i < diff.members.size(); ++i) {
      const MemberDiff& m = diff.members[i];
      if (m.process.pid == pid && m.change != MemberChange::kExited) return i;
    }
    return 0;  // the root, first of the "after" tree
  };
  for (std::size_t i = 0; i < diff.members.size(); ++i) {
    const MemberDiff& member = diff.members[i];
    LeakReport& report = reports[i];
    report.target = target;
    report.pid = member.process.pid;
    report.command = member.process.cmd;
    if (member.change != MemberChange::kLived && member.change != MemberChange::kReplaced) continue;
    for (const Growth& g : growth) {
      std::int64_t delta = g.key == kChildKey ? 0 : DeltaOf(member.diff.delta, g.key);
      if (delta > 0) report.kinds.push_back({g.key, delta});
    }
    if (report.kinds.empty()) continue;
    if (member.replaced) {
      report.details.push_back(fmt::format(
          "(stands in for pid {}, which exited during or just before the case: counted from "
          "that one's counts)",
          member.replaced->pid));
    }
    std::vector<std::string> lines = DescribeAdded(member.process.pid, member.diff, grown);
    report.details.insert(report.details.end(), lines.begin(), lines.end());
  }
  if (grown.contains(std::string(kChildKey))) {
    for (const MemberDiff& member : diff.members) {
      if (member.change != MemberChange::kAppeared) continue;
      LeakReport& parent = reports[index_of(member.process.ppid)];
      auto child = std::find_if(parent.kinds.begin(), parent.kinds.end(),
                                [](const LeakedKind& k) { return k.kind == kChildKey; });
      if (child == parent.kinds.end()) {
        parent.kinds.push_back({std::string(kChildKey), 1});
      } else {
        ++child->count;
      }
      parent.details.push_back(DescribeChild(member.process, &member.diff));
    }
  }
  std::erase_if(reports, [](const LeakReport& r) { return r.kinds.empty(); });
  return reports;
}

std::vector<LeakReport> DescribeProcessLeak(const std::string& target, pid_t pid,
                                            const std::string& command, const SnapshotDiff& diff,
                                            const std::vector<Growth>& growth) {
  if (growth.empty()) return {};
  LeakReport report{.target = target, .pid = pid, .command = command};
  for (const Growth& g : growth) report.kinds.push_back({g.key, g.delta});
  report.details = DescribeAdded(pid, diff, GrownKeys(growth));
  return {std::move(report)};
}

std::string SummarizeKinds(const std::vector<LeakedKind>& kinds) {
  std::string text;
  for (const LeakedKind& kind : kinds) {
    text += fmt::format("{}{} +{}", text.empty() ? "" : ", ", kind.kind, kind.count);
  }
  return text;
}

std::string SummarizeLeak(const LeakReport& report) {
  std::string text = fmt::format("{}: {}", report.target, SummarizeKinds(report.kinds));
  if (report.pid > 0) text += fmt::format(" in pid {}", report.pid);
  if (!report.command.empty()) text += fmt::format(" ({})", ShortCommand(report.command));
  return text;
}

std::string SummarizeLeaks(const std::vector<LeakReport>& reports) {
  std::string text;
  for (const LeakReport& report : reports) {
    text += (text.empty() ? "" : "; ") + SummarizeLeak(report);
  }
  return text;
}

}  // namespace leakwatch
