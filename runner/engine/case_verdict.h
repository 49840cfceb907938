// case_verdict.h — the decisions a module's session makes, as pure functions of what it saw.
//
// The session (module_session.h) reacts to control messages, the module's exit, the server's
// exit and deadlines; what status a case gets, what the client is told and which planned cases
// are reported as not run are decided here, so that each rule is tested on its own
// (case_verdict_test.cpp).
//
//   CaseVerdict verdict = JudgeCase(message.outcome, check, config.checks, hunting);
//   channel.Answer(verdict.answer_leak, verdict.answer_summary);
//   Emit(CaseFinished{..., verdict.status, ..., check.leaks, "", check.unchecked});
#pragma once

#include <set>
#include <string>
#include <vector>

#include "events.h"
#include "leakwatch/control_protocol.h"
#include "leakwatch/process_exit.h"
#include "run_config.h"

namespace leakwatch::run {

// What the per-case checks of every target found.
struct CaseCheckResult {
  std::vector<LeakReport> leaks;
  // Why a target could not be checked ("server: cannot read /proc/4242/fd: ..."), targets joined
  // by "; "; "" when every target was checked.
  std::string unchecked;

  void AddUnchecked(const std::string& reason);
};

struct CaseVerdict {
  CaseStatus status = CaseStatus::kPass;
  // Tell the client "leak <answer_summary>", so that the case fails in the framework's own
  // output too; else "ok".
  bool answer_leak = false;
  std::string answer_summary;
};

// A case the module reported as ended with `outcome`. The test's own failure or skip stands;
// a passed case is LEAK when it leaked (on_leak: fail), else UNCHECKED when a target could not be
// checked (on_unchecked: fail), else PASS. While a repeat hunt is to come (`hunting`) the client
// is told "ok": the hunt gives the verdict.
CaseVerdict JudgeCase(control::CaseOutcome outcome, const CaseCheckResult& check,
                      const ChecksConfig& checks, bool hunting);

struct NotRunCase {
  std::string name;
  std::string reason;
};

// The planned cases that never reported an end, when the module was stopped (`stop_reason`) or
// exited with a failure; none when it exited 0 unstopped (it skipped them by its own filter).
std::vector<NotRunCase> PlannedButNotRun(const std::vector<std::string>& planned,
                                         const std::set<std::string>& reported,
                                         const std::string& stop_reason, const Liveness& exit);

// How a module ended, for the verdicts that cover the whole module.
struct ModuleEnd {
  bool exited = false;       // on its own (not stopped by us)
  bool interrupted = false;  // the run was interrupted
  bool server_died = false;
  Liveness exit;            // how its root process ended
  std::string stop_reason;  // why we stopped it, or ""
  std::string output_tail;  // its last lines of output
};

struct ModuleVerdict {
  CaseStatus status = CaseStatus::kPass;
  std::string message;
};

// The one result of a module without per-case checks: a plain module (checked as one case), or a
// gtest/pytest module that never said hello (`silent`).
ModuleVerdict JudgeWholeModule(const ModuleEnd& end, const CaseCheckResult& check,
                               const ChecksConfig& checks, bool silent);

// A module that exited with a failure though none of its cases failed: a crash after the last
// case, or at exit. nullopt when nothing is to be reported.
std::optional<ModuleVerdict> FailureAfterCases(const ModuleEnd& end, bool any_case_failed);

// "<first>\nlast lines of its output:\n  | line\n  | line\n" (`whose`: "its", "the server's").
std::string WithOutputTail(const std::string& first, const std::string& tail,
                           const std::string& whose = "its");

}  // namespace leakwatch::run
