// run_engine.h — `leakwatch run` from a RunConfig to a stream of events.
//
// Plans the modules (shard, workers), runs each worker on its own thread with its own server,
// and emits events to one sink (serialised: reporters need no locking). When `cancel_fd` turns
// readable (the CLI writes to it on Ctrl-C or SIGTERM; the engine never drains it) every module
// and server is stopped (tree teardown) and the run ends marked interrupted. Signals are the
// CLI's business, not the engine's.
//
//   RunEngine engine(config);
//   RunFinished result = engine.Run([&](const RunEvent& e) { reporters.Report(e); }, cancel_fd);
//   return result.tally.failed() > 0 ? 1 : 0;
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
  // `cancel_fd`: readable once the run is to stop (-1: never). RunFinished::interrupted says
  // whether it did.
  RunFinished Run(const std::function<void(const RunEvent&)>& sink, int cancel_fd);

 private:
  const RunConfig& config_;
  const Suppressions* suppressions_;
};

}  // namespace leakwatch::run
