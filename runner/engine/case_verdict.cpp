// case_verdict.cpp — statuses, answers and not-run cases, decided from what a session saw.
#include "case_verdict.h"

#include <fmt/format.h>

#include <sstream>

namespace leakwatch::run {

void CaseCheckResult::AddUnchecked(const std::string& reason) {
  unchecked += (unchecked.empty() ? "" : "; ") + reason;
}

CaseVerdict JudgeCase(control::CaseOutcome outcome, const CaseCheckResult& check,
                      const ChecksConfig& checks, bool hunting) {
  CaseVerdict verdict;
  const bool leak_fails = !check.leaks.empty() && checks.on_leak == OnLeak::kFail;
  // With on_leak: warn the client is told "ok", so that the framework does not fail the case
  // (and the module's exit status stays the tests' own); so it is while a hunt is to come.
  verdict.answer_leak = leak_fails && !hunting;
  verdict.answer_summary = SummarizeLeaks(check.leaks);
  if (outcome == control::CaseOutcome::kFailed) {
    verdict.status = CaseStatus::kFail;
  } else if (outcome == control::CaseOutcome::kSkipped) {
    verdict.status = CaseStatus::kSkipped;
  } else if (leak_fails) {
    verdict.status = CaseStatus::kLeak;
  } else if (!check.unchecked.empty() && checks.on_unchecked == OnUnchecked::kFail) {
    verdict.status = CaseStatus::kUnchecked;
  }
  return verdict;
}

std::vector<NotRunCase> PlannedButNotRun(const std::vector<std::string>& planned,
                                         const std::set<std::string>& reported,
                                         const std::string& stop_reason, const Liveness& exit) {
  // A module that exited normally and skipped a case by its own filter is not a failure.
  if (stop_reason.empty() && exit.exit_code == 0) return {};
  const std::string why = !stop_reason.empty()  ? stop_reason
                          : exit.exit_code != 0 ? "the module " + exit.Describe()
                                                : "the module ended without running it";
  std::vector<NotRunCase> not_run;
  for (const std::string& name : planned) {
    if (!reported.contains(name)) not_run.push_back({name, why});
  }
  return not_run;
}

ModuleVerdict JudgeWholeModule(const ModuleEnd& end, const CaseCheckResult& check,
                               const ChecksConfig& checks, bool silent) {
  ModuleVerdict verdict;
  if (!end.exited) {
    verdict.status = end.interrupted   ? CaseStatus::kNotRun
                     : end.server_died ? CaseStatus::kCrash
                                       : CaseStatus::kTimeout;
    verdict.message = end.stop_reason;
  } else if (end.exit.exit_code != 0) {
    verdict.status = end.exit.signal != 0 ? CaseStatus::kCrash : CaseStatus::kFail;
    verdict.message = WithOutputTail("the module " + end.exit.Describe(), end.output_tail);
  } else if (!check.leaks.empty() && checks.on_leak == OnLeak::kFail) {
    verdict.status = CaseStatus::kLeak;
  } else if (!check.unchecked.empty() && checks.on_unchecked == OnUnchecked::kFail) {
    verdict.status = CaseStatus::kUnchecked;
    verdict.message = check.unchecked;
  }
  if (silent) {
    verdict.message += (verdict.message.empty() ? "" : "\n") +
                       std::string(
                           "no per-case checks: the module never spoke the control protocol "
                           "(link it with leakwatch::gtest_main, or load the pytest plugin)");
  }
  return verdict;
}

std::optional<ModuleVerdict> FailureAfterCases(const ModuleEnd& end, bool any_case_failed) {
  if (!end.exited || end.exit.exit_code == 0 || any_case_failed) return std::nullopt;
  return ModuleVerdict{
      end.exit.signal != 0 ? CaseStatus::kCrash : CaseStatus::kFail,
      WithOutputTail(fmt::format("the module {} after its cases", end.exit.Describe()),
                     end.output_tail)};
}

std::string WithOutputTail(const std::string& first, const std::string& tail,
                           const std::string& whose) {
  std::string text = first + "\nlast lines of " + whose + " output:\n";
  std::istringstream lines(tail);
  for (std::string line; std::getline(lines, line);) text += "  | " + line + "\n";
  return text;
}

}  // namespace leakwatch::run
