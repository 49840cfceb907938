// run_engine.cpp — workers on threads, one serialised event stream, interrupts, the tally.
#include "run_engine.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>

#include "plan.h"
#include "worker.h"

namespace leakwatch::run {
namespace {

// Written by the signal handler; read by the workers' polls (never drained, so it stays
// readable once an interrupt came).
std::atomic<int> g_interrupt_fd{-1};
std::atomic<int> g_interrupt_signal{0};

void OnInterrupt(int signal) {
  g_interrupt_signal.store(signal);
  std::uint64_t one = 1;
  int fd = g_interrupt_fd.load();
  if (fd >= 0) [[maybe_unused]]
    ssize_t n = ::write(fd, &one, sizeof one);
}

// Installs the handlers for the run; the first signal resets them (SA_RESETHAND), so a second
// Ctrl-C takes the default action at once.
class InterruptHandlers {
 public:
  explicit InterruptHandlers(int fd) {
    g_interrupt_fd.store(fd);
    g_interrupt_signal.store(0);
    struct sigaction action {};
    action.sa_handler = OnInterrupt;
    action.sa_flags = SA_RESETHAND | SA_RESTART;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
  }
  ~InterruptHandlers() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    g_interrupt_fd.store(-1);
  }

 private:
  struct sigaction old_int_ {
  }, old_term_{};
};

}  // namespace

RunFinished RunEngine::Run(const std::function<void(const RunEvent&)>& sink) {
  const auto start = std::chrono::steady_clock::now();
  RunFinished finished;
  std::mutex mutex;
  EventSink emit = [&](RunEvent event) {
    std::lock_guard lock(mutex);
    if (const auto* done = std::get_if<CaseFinished>(&event)) {
      if (!done->leaks.empty()) ++finished.leaked;
      switch (done->status) {
        case CaseStatus::kPass:
          ++finished.passed;
          break;
        case CaseStatus::kFlaky:
          ++finished.flaky;
          ++finished.passed;
          break;
        case CaseStatus::kSkipped:
          ++finished.skipped;
          break;
        default:
          ++finished.failed;
          break;
      }
    } else if (std::holds_alternative<ModuleNotRun>(event)) {
      ++finished.failed;
    }
    sink(event);
  };

  int event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  InterruptHandlers handlers(event_fd);
  Plan plan = MakePlan(config_);
  RunStarted started{Clock::now(), config_.path, static_cast<int>(plan.modules.size()),
                     static_cast<int>(plan.workers.size()), std::nullopt};
  if (config_.shard) started.shard = std::make_pair(config_.shard->index, config_.shard->total);
  emit(started);

  std::vector<std::unique_ptr<Worker>> workers;
  for (std::size_t i = 0; i < plan.workers.size(); ++i) {
    workers.push_back(std::make_unique<Worker>(config_, plan.workers[i].modules,
                                               static_cast<int>(i), emit, event_fd, suppressions_));
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
  interrupt_signal_ = g_interrupt_signal.load();
  finished.interrupted = interrupt_signal_ != 0;
  finished.at = Clock::now();
  finished.duration = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  sink(finished);
  ::close(event_fd);
  return finished;
}

}  // namespace leakwatch::run
