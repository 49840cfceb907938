// run_engine.h — `leakwatch run` from a RunConfig to a stream of events.
//
// Plans the modules (shard, workers), runs each worker on its own thread with its own server,
// and emits events to one sink (serialised: reporters need no locking). Ctrl-C or SIGTERM stops
// every module and server (tree teardown) and ends the run marked interrupted; a second Ctrl-C
// kills at once (the default action; children die with us through their parent-death signal).
//
//   RunEngine engine(config);
//   RunFinished result = engine.Run([&](const RunEvent& e) { reporters.Report(e); });
//   return ExitCodeFor(result);
#pragma once

#include <functional>

#include "events.h"
#include "leakwatch/suppressions.h"
#include "run_config.h"

namespace leakwatch::run {

class RunEngine {
 public:
  // `suppressions` (may be null) apply to every case of every module.
  explicit RunEngine(const RunConfig& config, const Suppressions* suppressions = nullptr)
      : config_(config), suppressions_(suppressions) {}
  RunFinished Run(const std::function<void(const RunEvent&)>& sink);
  // The signal that interrupted the run (SIGINT, SIGTERM), or 0.
  int interrupt_signal() const { return interrupt_signal_; }

 private:
  const RunConfig& config_;
  const Suppressions* suppressions_;
  int interrupt_signal_ = 0;
};

}  // namespace leakwatch::run
