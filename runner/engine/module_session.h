// module_session.h — one module against the current server: spawn it with a control channel,
// check every case, and account for every planned case however the module ends.
//
// The session reacts to what happens, one method each: a control message (case-begin: snapshot
// the server's process tree and the test process's, then answer; case-end: settle, diff, judge
// and answer), the server's exit (the running case crashed), the module's exit, a deadline (case
// or module timeout), and a cancellation (the run was interrupted). What a case's status is, and
// which planned cases are reported as not run, case_verdict.h decides. A plain module is one
// case, checked around the whole run. Whatever happens, the module's process tree is stopped
// before Run() returns.
//
//   ModuleSession session(config, config.modules[i], server.get(), worker, emit, cancel_fd);
//   ModuleOutcome outcome = session.Run();
//   if (outcome.server_died) ...   // the next module needs a fresh server
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "case_check.h"
#include "case_verdict.h"
#include "control_server.h"
#include "events.h"
#include "leakwatch/server.h"
#include "leakwatch/spawn.h"
#include "leakwatch/suppressions.h"
#include "run_config.h"

namespace leakwatch::run {

using EventSink = std::function<void(RunEvent)>;

struct ModuleOutcome {
  bool server_died = false;
  std::string server_death;  // "died (killed by SIGABRT) during module/case"
  bool interrupted = false;
  std::string last_case;  // the last case that began, "" if none
  bool failed = false;    // any case failed, leaked (with on_leak: fail), crashed, timed out
  // The server's tree at the end of the module's last checked case: the next module's wait for
  // a quiet server starts from it.
  std::optional<TreeSnapshot> server_tree;
};

class ModuleSession {
 public:
  // `server` may be null (a run without a server); `cancel_fd` becomes readable when the run is
  // interrupted.
  // `server_known`: the server's tree as the worker last saw it, quiet (may be empty).
  // `unsettled_cases`: the first so many case ends are judged on one snapshot, without the settle
  // step (the warm-up runs of a repeat hunt, whose growth is not judged).
  ModuleSession(const RunConfig& config, const ModuleConfig& module, Server* server, int worker,
                EventSink emit, int cancel_fd, const Suppressions* suppressions = nullptr,
                std::optional<TreeSnapshot> server_known = std::nullopt, int unsettled_cases = 0);
  // Variables every module of the worker gets (its DISPLAY, say) before the module's own env.
  void AddEnvironment(const std::vector<std::string>& env) {
    environment_.insert(environment_.end(), env.begin(), env.end());
  }
  ModuleOutcome Run();

 private:
  using SteadyClock = std::chrono::steady_clock;

  // Spawns the module with its control channel; false (ModuleNotRun emitted) when it cannot.
  bool Start();
  // Polls until the module exits or something makes us stop it.
  void Serve();
  // Reads what the module sent; false after a packet that breaks the protocol.
  bool DrainChannel();
  void OnMessage(const control::Message& message);
  void OnCaseBegin(const std::string& case_id);
  void OnCaseEnd(const control::Message& message);
  // The case brought the server down: wait for its end (bounded: an exit is quick) so that the
  // cause is known, and tell the client.
  void OnServerDying();
  void OnServerDeath();
  void OnDeadline(SteadyClock::time_point deadline);
  // Stops the module's tree, reports the cases it never finished, and ModuleFinished.
  void Finish();

  SteadyClock::time_point Deadline() const;
  bool ServerExiting() const;
  void EmitCase(const std::string& name, CaseStatus status, std::chrono::microseconds duration,
                std::vector<LeakReport> leaks = {}, std::string message = "",
                std::string unchecked = "");
  std::chrono::microseconds Since(SteadyClock::time_point start) const;

  const RunConfig& config_;
  const ModuleConfig& module_;
  Server* server_;  // null without a server
  int worker_;
  EventSink emit_;
  int cancel_fd_;
  const Suppressions* suppressions_;
  std::optional<TreeSnapshot> server_known_;
  int unsettled_cases_;                   // case ends still to be judged without settling
  std::vector<std::string> environment_;  // AddEnvironment's, before the module's own
  const bool speaks_protocol_;            // gtest and pytest modules; plain ones are one case
  const bool check_server_;
  const bool check_test_;
  const bool answers_;  // the client waits for answers (something is checked per case)

  std::unique_ptr<ControlServer> channel_;  // null for plain modules
  std::unique_ptr<SpawnedProcess> process_;
  std::optional<TargetCheck> server_check_;  // per case, or around a plain module
  std::optional<TargetCheck> test_check_;
  SteadyClock::time_point module_start_{};
  SteadyClock::time_point module_deadline_{};

  std::vector<std::string> planned_;    // from `plan` messages
  std::set<std::string> reported_;      // cases a CaseFinished was emitted for
  std::optional<std::string> current_;  // between case-begin and case-end
  SteadyClock::time_point case_start_{};
  bool heard_hello_ = false;
  bool server_dying_ = false;   // a case-end found the server exiting: it died in that case
  bool module_exited_ = false;  // on its own, not stopped by us
  std::string stop_reason_;     // why the module was stopped early, for the cases it never ran
  ModuleOutcome outcome_;
};

// Environment variables a module must not inherit: sharding variables that are meant for the
// runner (GoogleTest and Bazel), which would otherwise shard the cases inside each module too,
// and the control protocol's own.
const std::vector<std::string>& RunnerOnlyEnvironment();

// `text` with every "{port}" replaced by `port`: in a module's command and env, and in
// server.after_ready.
std::string ReplacePort(std::string text, int port);

}  // namespace leakwatch::run
