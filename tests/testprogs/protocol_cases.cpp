// lw-protocol-cases — GoogleTest cases for the listener's protocol mode (LEAKWATCH_CONTROL_FD),
// linked with leakwatch_gtest_main. The tests in harness/src/gtest/protocol_mode_test.cpp play
// the runner against it: they check the messages each case sends and answer some with a leak.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdlib>

namespace {

TEST(Protocol, Passes) {}

TEST(Protocol, Fails) {
  ADD_FAILURE() << "planted failure";
}

TEST(Protocol, Skipped) {
  GTEST_SKIP() << "planted skip";
}

// Leaks in this process: caught in in-process mode, but in protocol mode that is the runner's
// job, so the listener itself must not report it.
TEST(Protocol, LeaksEventfdInProcess) {
  ASSERT_GE(eventfd(0, EFD_CLOEXEC), 0);
}

// The playing runner answers "leak ..." for this one.
TEST(Protocol, LeakedInServer) {}

// Programs a case starts must not inherit the control channel.
TEST(Protocol, ChannelIsCloseOnExec) {
  const char* value = std::getenv("LEAKWATCH_CONTROL_FD");
  if (value == nullptr) GTEST_SKIP() << "not under a runner";
  int flags = fcntl(std::atoi(value), F_GETFD);
  if (flags < 0) GTEST_SKIP() << "the client has left the runner and closed the channel";
  EXPECT_EQ(flags & FD_CLOEXEC, FD_CLOEXEC);
}

TEST(Protocol, DISABLED_NeverRuns) {}

class Param : public ::testing::TestWithParam<int> {};
TEST_P(Param, Case) {
  EXPECT_GE(GetParam(), 0);
}
INSTANTIATE_TEST_SUITE_P(Each, Param, ::testing::Values(1, 2));

// A re-executed death-test child inherits LEAKWATCH_CONTROL_FD but not the channel: it must stay
// silent (nothing on stderr, no second hello).
TEST(ProtocolDeathTest, ChildIsQuiet) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(_exit(3), ::testing::ExitedWithCode(3), "^$");
}

}  // namespace
