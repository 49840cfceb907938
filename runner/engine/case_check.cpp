// case_check.cpp — tree snapshots, settle, diff and description for one target and one case.
#include "case_check.h"

#include <fmt/format.h>

#include "leakwatch/settle.h"

namespace leakwatch::run {

Error TargetCheck::Prefixed(const Error& error) const {
  return Error(error.code(), fmt::format("{}: {}", target_, error.message()), error.errno_value());
}

void TargetCheck::Begin() {
  before_.reset();
  begin_error_.reset();
  Result<TreeSnapshot> snapshot = TakeTreeSnapshot(root_, extra_);
  if (!snapshot) {
    begin_error_ = Prefixed(snapshot.error());
    return;
  }
  before_ = std::move(*snapshot);
}

Result<std::vector<LeakReport>> TargetCheck::End(const std::string& case_name, bool settle) {
  if (!before_) {
    if (begin_error_) return *begin_error_;
    return Error(ErrorCode::kIo, target_ + ": the case began without a \"before\" snapshot");
  }
  TreeDiffFilter filter;
  if (suppressions_ != nullptr && !suppressions_->empty()) {
    filter = [&](TreeDiff& diff) { suppressions_->Filter(case_name, diff); };
  }
  SettlePolicy policy = checks_.settle;
  if (!settle) policy.deadline = {};
  Result<TreeSettleResult> settled = SettleTree(
      *before_, [this] { return TakeTreeSnapshot(root_, extra_); }, checks_.slack, policy, filter,
      previous_ ? &*previous_ : nullptr);
  TreeSnapshot previous = std::move(*before_);
  before_.reset();
  previous_.reset();
  last_after_.reset();
  if (!settled) return Prefixed(settled.error());
  for (const TreeMember& member : settled->after.members) {
    if (previous.Find(member.process.pid, member.process.start_time) == nullptr) {
      previous.members.push_back(member);
    }
  }
  last_after_ = std::move(settled->after);
  std::vector<LeakReport> leaks = DescribeTreeLeak(target_, settled->diff, settled->growth);
  previous_ = std::move(previous);
  return leaks;
}

}  // namespace leakwatch::run
