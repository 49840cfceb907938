// The session's decisions on their own: a case's status and answer from what the checks found,
// the planned cases a stop kept from running, and the one result of a module checked as a whole.
#include "case_verdict.h"

#include <gtest/gtest.h>

namespace leakwatch::run {
namespace {

using control::CaseOutcome;

CaseCheckResult Leaked() {
  CaseCheckResult check;
  check.leaks.push_back(
      LeakReport{.target = "server", .pid = 42, .command = "demo-server", .kinds = {{"tcp", 1}}});
  return check;
}

CaseCheckResult Unchecked() {
  CaseCheckResult check;
  check.AddUnchecked("server: cannot read /proc/42/fd: Permission denied");
  return check;
}

Liveness Exited(int code) {
  return Liveness{.running = false, .exit_code = code};
}

TEST(JudgeCaseTest, ACleanPassedCasePassesAndIsAnsweredOk) {
  CaseVerdict verdict = JudgeCase(CaseOutcome::kPassed, {}, ChecksConfig{}, false);
  EXPECT_EQ(verdict.status, CaseStatus::kPass);
  EXPECT_FALSE(verdict.answer_leak);
}

TEST(JudgeCaseTest, ALeakFailsThePassedCaseAndTheClientIsToldWhatLeaked) {
  CaseVerdict verdict = JudgeCase(CaseOutcome::kPassed, Leaked(), ChecksConfig{}, false);
  EXPECT_EQ(verdict.status, CaseStatus::kLeak);
  EXPECT_TRUE(verdict.answer_leak);
  EXPECT_EQ(verdict.answer_summary, "server: tcp +1 in pid 42 (demo-server)");
}

TEST(JudgeCaseTest, WithOnLeakWarnOrAHuntToComeALeakPassesAndTheClientIsToldOk) {
  ChecksConfig warn;
  warn.on_leak = OnLeak::kWarn;
  CaseVerdict warned = JudgeCase(CaseOutcome::kPassed, Leaked(), warn, false);
  EXPECT_EQ(warned.status, CaseStatus::kPass);
  EXPECT_FALSE(warned.answer_leak);
  CaseVerdict hunted = JudgeCase(CaseOutcome::kPassed, Leaked(), ChecksConfig{}, true);
  EXPECT_EQ(hunted.status, CaseStatus::kLeak) << "the hunt gives the final verdict";
  EXPECT_FALSE(hunted.answer_leak);
}

TEST(JudgeCaseTest, ACaseThatCouldNotBeCheckedIsNeverPassed) {
  EXPECT_EQ(JudgeCase(CaseOutcome::kPassed, Unchecked(), ChecksConfig{}, false).status,
            CaseStatus::kUnchecked);
  ChecksConfig warn;
  warn.on_unchecked = OnUnchecked::kWarn;
  EXPECT_EQ(JudgeCase(CaseOutcome::kPassed, Unchecked(), warn, false).status, CaseStatus::kPass)
      << "on_unchecked: warn keeps the test's own status (the reason is still reported)";
}

TEST(JudgeCaseTest, TheTestsOwnFailureOrSkipWinsAndALeakFoundBesideAnUncheckedTargetWins) {
  EXPECT_EQ(JudgeCase(CaseOutcome::kFailed, Leaked(), ChecksConfig{}, false).status,
            CaseStatus::kFail);
  EXPECT_EQ(JudgeCase(CaseOutcome::kSkipped, Unchecked(), ChecksConfig{}, false).status,
            CaseStatus::kSkipped);
  CaseCheckResult both = Leaked();
  both.AddUnchecked("test: cannot read /proc/7/fd");
  EXPECT_EQ(JudgeCase(CaseOutcome::kPassed, both, ChecksConfig{}, false).status, CaseStatus::kLeak);
}

TEST(CaseCheckResultTest, ReasonsOfSeveralTargetsAreJoined) {
  CaseCheckResult check = Unchecked();
  check.AddUnchecked("test: cannot read /proc/7/fd");
  EXPECT_EQ(check.unchecked,
            "server: cannot read /proc/42/fd: Permission denied; test: cannot read /proc/7/fd");
}

TEST(PlannedButNotRunTest, AStoppedModuleReportsEveryPlannedCaseThatDidNotEnd) {
  std::vector<NotRunCase> not_run =
      PlannedButNotRun({"A.1", "A.2", "A.3"}, {"A.1"}, "the server died", Exited(0));
  ASSERT_EQ(not_run.size(), 2u);
  EXPECT_EQ(not_run[0].name, "A.2");
  EXPECT_EQ(not_run[1].name, "A.3");
  EXPECT_EQ(not_run[1].reason, "the server died");
}

TEST(PlannedButNotRunTest, AModuleThatFailedSaysHowAndOneThatEndedWellSkippedByItsOwnChoice) {
  std::vector<NotRunCase> failed = PlannedButNotRun({"A.1", "A.2"}, {"A.1"}, "", Exited(3));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].reason, "the module exited with status 3");
  EXPECT_TRUE(PlannedButNotRun({"A.1", "A.2"}, {"A.1"}, "", Exited(0)).empty());
}

TEST(JudgeWholeModuleTest, APlainModuleIsOneCase) {
  ModuleEnd clean{.exited = true, .exit = Exited(0)};
  EXPECT_EQ(JudgeWholeModule(clean, {}, ChecksConfig{}, false).status, CaseStatus::kPass);
  EXPECT_EQ(JudgeWholeModule(clean, Leaked(), ChecksConfig{}, false).status, CaseStatus::kLeak);
  ModuleVerdict unchecked = JudgeWholeModule(clean, Unchecked(), ChecksConfig{}, false);
  EXPECT_EQ(unchecked.status, CaseStatus::kUnchecked);
  EXPECT_EQ(unchecked.message, "server: cannot read /proc/42/fd: Permission denied");
  ModuleEnd failed{.exited = true, .exit = Exited(2), .output_tail = "boom\n"};
  ModuleVerdict verdict = JudgeWholeModule(failed, Leaked(), ChecksConfig{}, false);
  EXPECT_EQ(verdict.status, CaseStatus::kFail);
  EXPECT_EQ(verdict.message,
            "the module exited with status 2\nlast lines of its output:\n  | boom\n");
}

TEST(JudgeWholeModuleTest, AModuleStoppedByUsIsNotRunCrashedOrTimedOutAndSilenceIsSaid) {
  ModuleEnd interrupted{.interrupted = true, .stop_reason = "the run was interrupted"};
  EXPECT_EQ(JudgeWholeModule(interrupted, {}, ChecksConfig{}, false).status, CaseStatus::kNotRun);
  ModuleEnd crashed{.server_died = true};
  EXPECT_EQ(JudgeWholeModule(crashed, {}, ChecksConfig{}, false).status, CaseStatus::kCrash);
  ModuleEnd timed_out{.stop_reason = "the module timed out after 10 ms"};
  ModuleVerdict verdict = JudgeWholeModule(timed_out, {}, ChecksConfig{}, true);
  EXPECT_EQ(verdict.status, CaseStatus::kTimeout);
  EXPECT_NE(verdict.message.find("never spoke the control protocol"), std::string::npos)
      << verdict.message;
}

TEST(FailureAfterCasesTest, AFailedExitWithoutAFailedCaseIsReportedOnce) {
  ModuleEnd crashed{.exited = true, .exit = Liveness{.running = false, .signal = 11}};
  std::optional<ModuleVerdict> failure = FailureAfterCases(crashed, false);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->status, CaseStatus::kCrash);
  EXPECT_FALSE(FailureAfterCases(crashed, true).has_value()) << "a failed case already says so";
  EXPECT_FALSE(FailureAfterCases(ModuleEnd{.exited = true, .exit = Exited(0)}, false));
}

}  // namespace
}  // namespace leakwatch::run
