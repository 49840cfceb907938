// module_runner.h — runs one test module against the current server and checks every case.
//
// gtest and pytest modules speak the control protocol: at case-begin the runner snapshots the
// server (with its descendants) and the test process and then acks, at case-end it settles,
// diffs and answers "ok" or "leak <summary>". A plain module is one case, checked around the
// whole run. Every wait races the module's exit, the server's exit, the timeouts and an
// interrupt; whatever happens, the module's process tree is stopped before Run() returns.
//
//   ModuleRunner runner(config, config.modules[i], server.get(), worker, emit, interrupt_fd);
//   ModuleOutcome outcome = runner.Run();
//   if (outcome.server_died) ...   // the next module needs a fresh server
#pragma once

#include <functional>
#include <string>

#include "events.h"
#include "leakwatch/server.h"
#include "leakwatch/suppressions.h"
#include "run_config.h"

namespace leakwatch::run {

using EventSink = std::function<void(RunEvent)>;

struct ModuleOutcome {
  bool server_died = false;
  std::string server_death;  // "killed by SIGABRT during module/case"
  bool interrupted = false;
  std::string last_case;  // the last case that began, "" if none
  bool failed = false;    // any case failed, leaked (with on_leak: fail), crashed, timed out
};

class ModuleRunner {
 public:
  // `server` may be null (a run without a server); `interrupt_fd` becomes readable on Ctrl-C.
  ModuleRunner(const RunConfig& config, const ModuleConfig& module, Server* server, int worker,
               EventSink emit, int interrupt_fd, const Suppressions* suppressions = nullptr);
  ModuleOutcome Run();

 private:
  const RunConfig& config_;
  const ModuleConfig& module_;
  Server* server_;
  int worker_;
  EventSink emit_;
  int interrupt_fd_;
  const Suppressions* suppressions_;
};

// Can single cases of `module` be run again (retries, repeat hunts)? GoogleTest modules through
// --gtest_filter, pytest modules through the plugin's LEAKWATCH_SELECT; plain modules cannot.
bool CanRerunCases(const ModuleConfig& module);

// `module` narrowed to the one case `case_id`, run `repeat` times in a row in one process.
ModuleConfig RerunOf(const ModuleConfig& module, const std::string& case_id, int repeat = 1);

// Are the leaks of `module`'s cases judged by a repeat hunt (config `checks.hunt`)? Then the
// runner tells the module "ok" at case-end, and the hunt gives the verdict.
bool Hunts(const RunConfig& config, const ModuleConfig& module);

// Environment variables a module must not inherit: sharding variables that are meant for the
// runner (GoogleTest and Bazel), which would otherwise shard the cases inside each module too.
const std::vector<std::string>& RunnerOnlyEnvironment();

}  // namespace leakwatch::run
