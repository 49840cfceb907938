// trivial_cases — 2,000 GoogleTest cases that do (almost) nothing, for the listener benchmark.
//
//   LW_BENCH_FDS=100 build-lbench/bin/lw-bench-cases-leakwatch > /dev/null
//   LW_BENCH_FDS=100 build-lbench/bin/lw-bench-cases-plain     > /dev/null
//
// Built twice from this one source: against GoogleTest's gtest_main and against
// leakwatch_gtest_main. The difference in wall time between the two, divided by 2,000, is the
// listener's per-case overhead (bench/listener/compare-listener does that arithmetic). A global
// environment first brings the process to exactly LW_BENCH_FDS open FDs (default 10), since the
// cost of a per-case check grows with the FDs the process holds.
//
// LW_BENCH_LEAK_CASE=K makes case K leak one /dev/null FD: a sanity check that a listener under
// measurement still catches leaks (compare-listener never sets it).
#include <fcntl.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "hold_fds.h"

namespace {

constexpr int kCases = 2000;

// SetUp runs inside RUN_ALL_TESTS, before the first case: the FDs are then part of every "before"
// snapshot and do not count as a leak of the first case.
class HoldFdsEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { lwbench::HoldFds(lwbench::IntFromEnv("LW_BENCH_FDS", 10)); }
};

// Registered at static initialisation so that both mains (which know nothing of it) pick it up.
[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new HoldFdsEnvironment);

class Trivial : public ::testing::TestWithParam<int> {};

TEST_P(Trivial, Case) {
  EXPECT_GE(GetParam(), 0);
  static const int leak_case = lwbench::IntFromEnv("LW_BENCH_LEAK_CASE", -1);
  if (GetParam() == leak_case) open("/dev/null", O_RDONLY | O_CLOEXEC);  // left open on purpose
}

INSTANTIATE_TEST_SUITE_P(Bench, Trivial, ::testing::Range(0, kCases));

}  // namespace
