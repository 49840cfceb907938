// hundred_cases — 100 GoogleTest cases that do (almost) nothing, for bench/compare-ctest.
//
// Linked with leakwatch_gtest_main: under `leakwatch run` the listener is in protocol mode (a
// case-begin / case-end exchange with the runner around every case); under ctest it runs with
// --leakwatch=off, i.e. GoogleTest plus an idle listener. compare-ctest runs this one binary as
// 20 distinct modules / ctest tests.
#include <gtest/gtest.h>

namespace {

class Trivial : public ::testing::TestWithParam<int> {};

TEST_P(Trivial, Case) {
  EXPECT_GE(GetParam(), 0);
}

INSTANTIATE_TEST_SUITE_P(Bench, Trivial, ::testing::Range(0, 100));

}  // namespace
