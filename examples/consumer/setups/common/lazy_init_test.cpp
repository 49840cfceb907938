// A case that is the first to use a library which starts a thread on first use and keeps it: one-
// time initialisation, not a leak. Every setup in examples/consumer/setups builds it with
// ../../consumer_leaky.cpp (a planted leak and a clean case); tests/install checks how each case
// ends under ctest, where every case runs in a process of its own.
#include <gtest/gtest.h>

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

// A logger that writes from a background thread, started on first use and stopped at exit, as
// logging libraries, thread pools and storage engines do.
class Logger {
 public:
  static Logger& Get() {
    static Logger logger;
    return logger;
  }

  // Returns once the background thread has taken the line.
  void Write(std::string line) {
    std::unique_lock lock(mutex_);
    pending_.push_back(std::move(line));
    changed_.notify_all();
    changed_.wait(lock, [&] { return pending_.empty(); });
  }

  std::size_t written() {
    std::lock_guard lock(mutex_);
    return written_;
  }

 private:
  Logger() : thread_([this] { Run(); }) {}
  ~Logger() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  void Run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      changed_.wait(lock, [&] { return stop_ || !pending_.empty(); });
      written_ += pending_.size();
      pending_.clear();
      changed_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> pending_;
  std::size_t written_ = 0;
  bool stop_ = false;
  std::thread thread_;  // last: it starts after the members it uses exist
};

}  // namespace

TEST(LazyInit, StartsTheLoggerThread) {
  Logger::Get().Write("the first line starts the logger's thread");
  EXPECT_GE(Logger::Get().written(), 1u);
}
