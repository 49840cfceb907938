// server_policy.h — a worker's decisions about its server, as pure functions of what it knows:
// whether a module gets a fresh server and why, what a failed pre-flight leads to, and why the
// next module will need a fresh server. The worker (worker.h) carries them out; the rules are
// tested on their own (server_policy_test.cpp).
//
//   FreshServer fresh = FreshServerFor(policy, running, batch, current_batch, pending_reason);
//   if (fresh.start) StartServer(fresh.reason);
//   HealthReport health = server->Preflight();
//   if (!health.ok()) { PreflightAction next = AfterFailedPreflight(policy, health, last_ran); ...
//   }
#pragma once

#include <string>

#include "leakwatch/process_exit.h"
#include "leakwatch/server.h"
#include "run_config.h"

namespace leakwatch::run {

struct FreshServer {
  bool start = false;
  std::string reason;  // "" for the first start; "per-module", "per-batch", or what happened
  std::string note;    // why it replaces another server, for ModuleStarted::server_note
};

// Before a module of `batch`: `running` says whether a server is up, `current_batch` is the batch
// of the module before, `pending` is why the last module left the server unfit ("" if it did
// not).
FreshServer FreshServerFor(RespawnPolicy policy, bool running, const std::string& batch,
                           const std::string& current_batch, const std::string& pending);

struct PreflightAction {
  bool respawn = false;  // start a fresh server and check again, once
  // With respawn: why (the respawn's reason, and the module's server note); else why the module
  // cannot run.
  std::string message;
};

// A failed pre-flight: with respawn: never the server stays as it is and the module is not run
// ("dirty state: ..."); otherwise one respawn. `last_ran` is "module/case" that ran last, or "".
PreflightAction AfterFailedPreflight(RespawnPolicy policy, const HealthReport& health,
                                     const std::string& last_ran);

// Why the next module needs a fresh server after a module that ran last `last_ran`: the server
// died during it (`death`, from ModuleOutcome::server_death), or it is no longer running
// (`liveness`); "" when it is fit.
std::string RespawnReasonAfter(const std::string& death, const Liveness& liveness,
                               const std::string& last_ran);

}  // namespace leakwatch::run
