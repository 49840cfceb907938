// console_format.cpp — tables and reports for people; each resource is worded by the harness
// (leakwatch/leak_report.h), so that `snapshot` and `diff` say what a leak report would.
#include "cli/console_format.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <map>

#include "exit_codes.h"
#include "leakwatch/leak_report.h"

namespace leakwatch::cli {
namespace {

// Wide enough for the longest kind name ("userfaultfd") and for "threads"/"children".
constexpr int kKindWidth = 12;

using Out = std::back_insert_iterator<std::string>;

// Sockets a server holds many of; netlink sockets are rare and listed like the other rare kinds.
bool IsCommonSocketKind(FdKind kind) {
  return IsSocketKind(kind) && kind != FdKind::kNetlink;
}

// Kinds a normal process holds plenty of (files, pipes, sockets) are only counted; the rarer
// ones are where leaks hide (a growing pidfd or eventpoll count), so their FDs are listed.
bool ListsFds(FdKind kind, const SnapshotTableOptions& options) {
  switch (kind) {
    case FdKind::kFile:
    case FdKind::kDir:
    case FdKind::kChr:
    case FdKind::kBlk:
    case FdKind::kFifo:
    case FdKind::kPipe:
      return false;
    default:
      return !IsCommonSocketKind(kind) || options.show_socket_endpoints;
  }
}

// Counted apart in the table's kind line and listed first: almost always a leak.
bool IsOrphanedPidfd(const FdInfo& fd) {
  return fd.kind == FdKind::kPidfd && fd.pidfd_pid == -1;
}

std::string FormatUnixMs(std::int64_t unix_ms) {
  if (unix_ms <= 0) return "unknown time";
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  return fmt::format("{:%Y-%m-%d %H:%M:%S}.{:03}", fmt::localtime(seconds), unix_ms % 1000);
}

void AppendFdSection(Out out, const Snapshot& snapshot, const SnapshotTableOptions& options) {
  ResourceCounts counts = snapshot.Counts();
  std::string limit = snapshot.fd_soft_limit < 0 ? std::string("unlimited")
                                                 : std::to_string(snapshot.fd_soft_limit);
  fmt::format_to(out, "fds: {} open, soft limit {}\n", counts.TotalFds(), limit);
  for (FdKind kind : AllFdKinds()) {
    std::int64_t count = counts.fds[kind];
    if (count == 0) continue;
    std::vector<const FdInfo*> of_kind;
    std::int64_t orphaned = 0;
    for (const FdInfo& fd : snapshot.fds) {
      if (fd.kind != kind) continue;
      of_kind.push_back(&fd);
      if (IsOrphanedPidfd(fd)) ++orphaned;
    }
    fmt::format_to(out, "  {:<{}}{:>6}", FdKindName(kind), kKindWidth, count);
    if (orphaned > 0) fmt::format_to(out, "  ({} ORPHANED)", orphaned);
    fmt::format_to(out, "\n");
    if (!ListsFds(kind, options)) continue;
    // Orphaned pidfds first: when the list is cut, they are the ones that must still show.
    std::stable_partition(of_kind.begin(), of_kind.end(),
                          [](const FdInfo* fd) { return IsOrphanedPidfd(*fd); });
    std::size_t shown = std::min(of_kind.size(), options.max_listed);
    for (std::size_t i = 0; i < shown; ++i) {
      // The kind line above names the kind; the number is aligned for scanning a long list.
      fmt::format_to(out, "      fd {:<5} {}\n", of_kind[i]->fd, DescribeFdTarget(*of_kind[i]));
    }
    if (of_kind.size() > shown) {
      fmt::format_to(out, "      ... and {} more (--json lists them all)\n",
                     of_kind.size() - shown);
    }
  }
}

void AppendThreadSection(Out out, const Snapshot& snapshot, const SnapshotTableOptions& options) {
  fmt::format_to(out, "{:<{}}{:>8}\n", "threads:", kKindWidth, snapshot.threads.size());
  // Grouped by name: thread pools show as one line with a count, which is what a leak looks like.
  std::vector<std::string> names;  // in order of first appearance (lowest tid first)
  std::map<std::string, std::vector<pid_t>> tids_by_name;
  for (const ThreadInfo& thread : snapshot.threads) {
    auto [it, inserted] = tids_by_name.try_emplace(thread.name);
    if (inserted) names.push_back(thread.name);
    it->second.push_back(thread.tid);
  }
  std::size_t shown = std::min(names.size(), options.max_listed);
  for (std::size_t i = 0; i < shown; ++i) {
    const std::vector<pid_t>& tids = tids_by_name[names[i]];
    constexpr std::size_t kMaxTids = 8;
    std::string tid_list = fmt::format(
        "{}", fmt::join(tids.begin(), tids.begin() + std::min(tids.size(), kMaxTids), " "));
    if (tids.size() > kMaxTids) tid_list += " ...";
    fmt::format_to(out, "  {:<16}{:>4}  tid {}\n", names[i], tids.size(), tid_list);
  }
  if (names.size() > shown) {
    fmt::format_to(out, "  ... and {} more names (--json lists them all)\n", names.size() - shown);
  }
}

void AppendChildSection(Out out, const Snapshot& snapshot, const SnapshotTableOptions& options) {
  std::int64_t zombies =
      std::count_if(snapshot.children.begin(), snapshot.children.end(),
                    [](const ProcessInfo& child) { return child.state == ProcessState::kZombie; });
  fmt::format_to(out, "{:<{}}{:>8}", "children:", kKindWidth, snapshot.children.size());
  if (zombies > 0) fmt::format_to(out, "  ({} ZOMBIE)", zombies);
  fmt::format_to(out, "\n");
  std::size_t shown = std::min(snapshot.children.size(), options.max_listed);
  for (std::size_t i = 0; i < shown; ++i) {
    const ProcessInfo& child = snapshot.children[i];
    // Grandchildren are indented by depth so that the tree shape survives the flat list.
    std::string indent(static_cast<std::size_t>(std::max(child.depth - 1, 0)) * 2, ' ');
    bool zombie = child.state == ProcessState::kZombie;
    fmt::format_to(out, "  {}{}{}\n", indent, DescribeChild(child),
                   zombie ? "  (exited, not reaped by its parent)" : "");
  }
  if (snapshot.children.size() > shown) {
    fmt::format_to(out, "  ... and {} more (--json lists them all)\n",
                   snapshot.children.size() - shown);
  }
}

// The FDs, threads and descendants of one side of a diff, a line each.
void AppendResourceLines(Out out, const std::vector<FdInfo>& fds,
                         const std::vector<ThreadInfo>& threads,
                         const std::vector<ProcessInfo>& children) {
  for (const FdInfo& fd : fds) fmt::format_to(out, "  {}\n", DescribeFd(fd));
  for (const ThreadInfo& thread : threads) fmt::format_to(out, "  {}\n", DescribeThread(thread));
  for (const ProcessInfo& child : children) fmt::format_to(out, "  {}\n", DescribeChild(child));
}

// "thread 3 (+1)", or "pipe 4" when nothing changed.
void AppendCount(Out out, std::string_view key, std::int64_t now, std::int64_t first,
                 std::string_view unit = "") {
  fmt::format_to(out, "  {} {}{}", key, now, unit);
  if (now != first) fmt::format_to(out, " ({})", FormatSigned(now - first));
}

}  // namespace

std::string FormatSigned(std::int64_t value) {
  return value > 0 ? fmt::format("+{}", value) : fmt::format("{}", value);
}

std::string FormatSnapshotTable(const Snapshot& snapshot, const SnapshotTableOptions& options) {
  std::string text;
  Out out(text);
  fmt::format_to(out, "process {} ({}) at {}\n\n", snapshot.pid, snapshot.command,
                 FormatUnixMs(snapshot.taken_at_unix_ms));
  AppendFdSection(out, snapshot, options);
  fmt::format_to(out, "\n");
  AppendThreadSection(out, snapshot, options);
  fmt::format_to(out, "\n");
  AppendChildSection(out, snapshot, options);
  fmt::format_to(out, "\n");
  fmt::format_to(out, "memory: rss {} kB, peak rss {} kB, {} mappings\n", snapshot.memory.rss_kb,
                 snapshot.memory.peak_rss_kb, snapshot.memory.mappings);
  return text;
}

std::string FormatDiffReport(const Snapshot& before, const Snapshot& after,
                             const SnapshotDiff& diff, const std::vector<Growth>& growth,
                             const Slack& slack) {
  std::string text;
  Out out(text);
  fmt::format_to(out, "before: process {} ({}) at {}\n", before.pid, before.command,
                 FormatUnixMs(before.taken_at_unix_ms));
  fmt::format_to(out, "after:  process {} ({}) at {}\n", after.pid, after.command,
                 FormatUnixMs(after.taken_at_unix_ms));

  const ResourceCounts& delta = diff.delta;
  fmt::format_to(out, "deltas: fd {}", FormatSigned(delta.TotalFds()));
  for (FdKind kind : AllFdKinds()) {
    if (delta.fds[kind] != 0) {
      fmt::format_to(out, "  {} {}", FdKindName(kind), FormatSigned(delta.fds[kind]));
    }
  }
  fmt::format_to(out, "  {} {}  {} {}  rss {}kB  mappings {}\n", kThreadKey,
                 FormatSigned(delta.threads), kChildKey, FormatSigned(delta.children),
                 FormatSigned(diff.rss_kb_delta), FormatSigned(diff.mappings_delta));

  if (!diff.fds_added.empty() || !diff.threads_added.empty() || !diff.children_added.empty()) {
    fmt::format_to(out, "added:\n");
    AppendResourceLines(out, diff.fds_added, diff.threads_added, diff.children_added);
  }
  if (!diff.fds_removed.empty() || !diff.threads_removed.empty() ||
      !diff.children_removed.empty()) {
    fmt::format_to(out, "removed:\n");
    AppendResourceLines(out, diff.fds_removed, diff.threads_removed, diff.children_removed);
  }

  if (growth.empty()) {
    fmt::format_to(out, "no growth beyond slack ({})\n", FormatSlack(slack));
  } else {
    std::vector<std::string> items;
    for (const Growth& g : growth) {
      items.push_back(fmt::format("{} {} (slack {})", g.key, FormatSigned(g.delta), g.slack));
    }
    fmt::format_to(out, "grew beyond slack: {}\n", fmt::join(items, ", "));
  }
  return text;
}

WatchSample WatchSampleOf(const Snapshot& snapshot) {
  return WatchSample{snapshot.Counts(), snapshot.memory.rss_kb};
}

std::string FormatWatchLine(std::string_view clock, const WatchSample& now,
                            const WatchSample& first) {
  std::string text(clock);
  Out out(text);
  AppendCount(out, "fd", now.counts.TotalFds(), first.counts.TotalFds());
  for (FdKind kind : AllFdKinds()) {
    std::int64_t count = now.counts.fds[kind];
    std::int64_t before = first.counts.fds[kind];
    if (count != 0 || count != before) AppendCount(out, FdKindName(kind), count, before);
  }
  AppendCount(out, kThreadKey, now.counts.threads, first.counts.threads);
  AppendCount(out, kChildKey, now.counts.children, first.counts.children);
  AppendCount(out, "rss", now.rss_kb, first.rss_kb, "kB");
  return text;
}

int ReportError(std::string_view command, const Error& error) {
  fmt::print(stderr, "leakwatch {}: {}\n", command, error.message());
  return ExitCodeFor(error.code());
}

void PrintJson(std::string_view json) {
  std::fwrite(json.data(), 1, json.size(), stdout);
  if (json.empty() || json.back() != '\n') std::fputc('\n', stdout);
}

bool FlushStdout(std::string_view command) {
  if (std::fflush(stdout) == 0 && !std::ferror(stdout)) return true;
  ReportError(command, ErrnoError(errno, "writing to stdout"));
  return false;
}

}  // namespace leakwatch::cli
