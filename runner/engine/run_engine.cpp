// run_engine.cpp — workers on threads, one serialised event stream, the tally.
#include "run_engine.h"

#include <poll.h>

#include <mutex>
#include <thread>

#include "plan.h"
#include "worker.h"

namespace leakwatch::run {
namespace {

bool IsReadable(int fd) {
  pollfd check{fd, POLLIN, 0};
  return fd >= 0 && ::poll(&check, 1, 0) > 0;
}

}  // namespace

RunFinished RunEngine::Run(const std::function<void(const RunEvent&)>& sink, int cancel_fd) {
  const auto start = std::chrono::steady_clock::now();
  RunFinished finished;
  std::mutex mutex;
  EventSink emit = [&](RunEvent event) {
    std::lock_guard lock(mutex);
    if (const auto* done = std::get_if<CaseFinished>(&event)) {
      finished.tally.Add(*done);
    } else if (const auto* not_run = std::get_if<ModuleNotRun>(&event)) {
      finished.tally.Add(*not_run);
    }
    sink(event);
  };

  Plan plan = MakePlan(config_);
  RunStarted started{Clock::now(), config_.path, static_cast<int>(plan.modules.size()),
                     static_cast<int>(plan.workers.size()), std::nullopt};
  if (config_.shard) started.shard = std::make_pair(config_.shard->index, config_.shard->total);
  emit(started);

  std::vector<std::unique_ptr<Worker>> workers;
  for (std::size_t i = 0; i < plan.workers.size(); ++i) {
    workers.push_back(std::make_unique<Worker>(
        config_, plan.workers[i].modules, static_cast<int>(i), emit, cancel_fd, suppressions_));
  }
  std::vector<std::thread> threads;
  for (auto& worker : workers) threads.emplace_back([&worker] { worker->Run(); });
  for (std::thread& thread : threads) thread.join();

  for (auto& worker : workers) {
    if (!worker->infrastructure_error().empty() && finished.infrastructure_error.empty()) {
      finished.infrastructure_error = worker->infrastructure_error();
    }
  }
  workers.clear();  // stops any server still running (each emits ServerStopped)
  finished.interrupted = IsReadable(cancel_fd);
  finished.at = Clock::now();
  finished.duration = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  sink(finished);
  return finished;
}

}  // namespace leakwatch::run
