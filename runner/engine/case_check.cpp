// case_check.cpp — snapshot, settle, diff and describe for one process and one case.
#include "case_check.h"

#include <fmt/format.h>

#include "leakwatch/fd_kind.h"
#include "leakwatch/settle.h"

namespace leakwatch::run {
namespace {

std::string DescribeFd(const FdInfo& fd) {
  std::string text = fmt::format("fd {} {} {}", fd.fd, FdKindName(fd.kind), fd.target);
  if (fd.kind == FdKind::kPidfd) {
    text += fd.pidfd_pid < 0 ? " (its process is gone: orphaned)"
                             : fmt::format(" (pid {})", fd.pidfd_pid);
  }
  return text;
}

}  // namespace

bool CaseCheck::Begin() {
  before_.reset();
  auto snapshot = TakeSnapshot(pid_);
  if (!snapshot) {
    error_ = snapshot.error().message();
    return false;
  }
  before_ = std::move(*snapshot);
  return true;
}

std::optional<LeakReport> CaseCheck::End(const std::string& case_name) {
  if (!before_) return std::nullopt;
  DiffFilter filter;
  if (suppressions_ != nullptr && !suppressions_->empty()) {
    filter = [&](SnapshotDiff& diff) { suppressions_->Filter(case_name, diff); };
  }
  auto settled = Settle(
      *before_, [this] { return TakeSnapshot(pid_); }, checks_.slack, checks_.settle, filter);
  before_.reset();
  if (!settled) {
    error_ = settled.error().message();
    return std::nullopt;
  }
  if (settled->growth.empty()) return std::nullopt;
  LeakReport report;
  report.target = target_;
  report.pid = pid_;
  for (const Growth& growth : settled->growth) {
    report.kinds.push_back({growth.key, growth.delta});
  }
  const SnapshotDiff& diff = settled->diff;
  for (const FdInfo& fd : diff.fds_added) report.details.push_back(DescribeFd(fd));
  for (const ThreadInfo& thread : diff.threads_added) {
    report.details.push_back(fmt::format("thread {} {}", thread.tid, thread.name));
  }
  for (const ProcessInfo& child : diff.children_added) {
    report.details.push_back(
        fmt::format("child {} {} ({})", child.pid, child.cmd, ProcessStateName(child.state)));
  }
  return report;
}

std::string SummarizeLeaks(const std::vector<LeakReport>& reports) {
  std::string text;
  for (const LeakReport& report : reports) {
    text += (text.empty() ? "" : "; ") + SummarizeLeak(report);
  }
  return text;
}

std::string SummarizeLeak(const LeakReport& report) {
  std::string text = report.target + ":";
  for (std::size_t i = 0; i < report.kinds.size(); ++i) {
    text +=
        fmt::format("{} {} +{}", i == 0 ? "" : ",", report.kinds[i].kind, report.kinds[i].count);
  }
  return text;
}

}  // namespace leakwatch::run
