// worker.h — one worker of `leakwatch run`: its own server (and port), its modules in order.
//
// Before each module the worker makes sure the server is there and well, per the respawn
// policy (server_policy.h): a fresh server per module or batch; a respawn after a crash; one
// respawn and a second pre-flight when the check fails. A module whose pre-flight still fails is
// NOT RUN with the reason, and the worker goes on with the next one. Failed cases are retried and
// leaking cases hunted before the module's ModuleFinished is passed on, so that reports get one,
// final, result per case within its module.
//
//   Worker worker(config, plan.workers[0].modules, 0, emit, cancel_fd);
//   worker.Run();
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "leakwatch/server.h"
#include "leakwatch/virtual_display.h"
#include "module_session.h"

namespace leakwatch::run {

class Worker {
 public:
  Worker(const RunConfig& config, std::vector<int> modules, int index, const EventSink& emit,
         int cancel_fd, const Suppressions* suppressions = nullptr);
  ~Worker();
  void Run();
  // Why the run could not go on at all (the server never became ready), or "".
  const std::string& infrastructure_error() const { return infrastructure_error_; }

 private:
  struct ServerReady {
    bool fresh = false;  // started for this module
    std::string note;    // why it replaced another server, or ""
  };
  // Makes the server ready for `module`; the error says why the module cannot run.
  Result<ServerReady> PrepareServer(const ModuleConfig& module);
  // Starts a server (and the display it needs), then runs `server.after_ready` on it.
  Status StartServer(const std::string& reason);
  // With `server.display: xvfb`: the worker's X server, started before its first server and kept
  // across respawns (restarted only if it died); it is no part of the server's process tree.
  Status EnsureDisplay();
  // What the display gives the server, the modules and after_ready: DISPLAY, XAUTHORITY, no
  // session bus. Empty without a display.
  std::vector<std::string> DisplayEnvironment() const;
  // Runs `module` on the current server; retries and hunts its cases before its ModuleFinished.
  ModuleOutcome RunModule(const ModuleConfig& module, const ServerReady& ready);
  // Waits (config `server.quiet`) until the server's tree has stopped changing, so that the first
  // case's baseline is not taken mid-start; returns the tree, or nothing without server checks.
  std::optional<TreeSnapshot> QuietServerTree(bool fresh);
  // Runs `case_id` of `module` alone, `repeat` times in one process; its results in order. The
  // first `warmup` runs are not settled (a hunt does not judge them). A server death or an
  // interrupt on the way is added to `outcome`.
  std::vector<CaseFinished> RunCaseAgain(const ModuleConfig& module, const std::string& case_id,
                                         int repeat, int warmup, ModuleOutcome& outcome);
  // Up to `retries` more attempts of a failed case: FLAKY when one passes.
  CaseFinished Retry(const ModuleConfig& module, CaseFinished failed, ModuleOutcome& outcome);
  // The repeat hunt of a case that leaked: LEAK with what grew in every measured run, or PASS
  // when nothing did (one-time initialisation).
  CaseFinished Hunt(const ModuleConfig& module, CaseFinished leaked, ModuleOutcome& outcome);
  void StopServer();

  const RunConfig& config_;
  std::vector<int> modules_;
  int index_;
  const EventSink& emit_;
  int cancel_fd_;
  const Suppressions* suppressions_;
  std::unique_ptr<VirtualDisplay> display_;  // declared before server_: outlives it
  std::unique_ptr<Server> server_;
  bool ever_ready_ = false;
  std::string current_batch_;
  std::string respawn_reason_;  // set when the next module must get a fresh server, and why
  std::string last_ran_;        // "module/case" that ran last: where an unwell server came from
  int generation_ = 0;          // servers started by this worker
  // The current server's tree at the end of the last module's last checked case; reset with a
  // new server.
  std::optional<TreeSnapshot> server_tree_;
  std::string infrastructure_error_;
};

// `env` (the display's) comes before the server's own env, which may override it.
ServerSpec ServerSpecFor(const RunConfig& config, const std::vector<std::string>& env = {});

}  // namespace leakwatch::run
