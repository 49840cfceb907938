// lazy_cases — 100 GoogleTest cases, some of which start a thread the first time they run (lazy
// initialisation, as a logging or compaction thread a library starts on first use), for the cost
// of the listener's automatic hunt (bench/listener/compare-hunt).
//
//   LW_BENCH_LAZY_EVERY=20 build/bin/lw-bench-lazy-cases --leakwatch_hunt=auto   # 5 of 100 grow
//   build/bin/lw-bench-lazy-cases --leakwatch_hunt=auto                         # none grows
//
// Under the listener with --leakwatch_hunt=off each such case fails (its thread is new); with
// auto each is run again in a child, where the thread starts in the warm-up run only, and passes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <thread>

#include "hold_fds.h"

namespace {

constexpr int kCases = 100;

class Lazy : public ::testing::TestWithParam<int> {};

TEST_P(Lazy, Case) {
  static const int every = lwbench::IntFromEnv("LW_BENCH_LAZY_EVERY", 0);
  static std::array<bool, kCases> started{};
  const int index = GetParam();
  if (every > 0 && index % every == 0 && !started[static_cast<std::size_t>(index)]) {
    started[static_cast<std::size_t>(index)] = true;
    std::thread([] {
      for (;;) pause();
    }).detach();
  }
  EXPECT_GE(index, 0);
}

INSTANTIATE_TEST_SUITE_P(Bench, Lazy, ::testing::Range(0, kCases));

}  // namespace
