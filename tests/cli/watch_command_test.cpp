// `leakwatch watch` on real lw-holder processes: sample counts, changes since the first sample,
// the target's exit and stop signals. Lines are read as they come; nothing waits on a clock.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <regex>
#include <string>

#include "child_process.h"
#include "cli_test_util.h"

namespace leakwatch::testing {
namespace {

// "10:41:02  fd 3  pipe 2  chr 1  thread 1  child 0  rss 1234kB"
const std::regex kWatchLine(
    "[0-9]{2}:[0-9]{2}:[0-9]{2}  fd [0-9]+( \\([+-][0-9]+\\))?  .*thread [0-9]+.*  child [0-9]+.*"
    "  rss [0-9]+kB( \\([+-][0-9]+\\))?");

TEST(WatchCommandTest, CountStopsAfterThatManySamples) {
  Holder holder({"--threads", "1"});
  holder.ReadLineStartingWith("ready");
  CommandResult r =
      RunLeakwatch({"watch", std::to_string(holder.pid()), "--interval", "50ms", "--count", "3"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  for (const std::string& line : lines) {
    EXPECT_TRUE(std::regex_match(line, kWatchLine)) << line;
    EXPECT_NE(line.find("  thread 2"), std::string::npos) << line;
  }
  // Nothing changed in the idle holder, so there is no "(+N)" on the FD or thread counts.
  EXPECT_TRUE(std::regex_search(lines[2], std::regex("^[0-9:]{8}  fd [0-9]+  [a-z]"))) << lines[2];
  EXPECT_NE(lines[2].find("  thread 2  "), std::string::npos) << lines[2];
}

TEST(WatchCommandTest, LaterLinesShowTheChangeSinceTheFirstSample) {
  Holder holder;
  holder.ReadLineStartingWith("ready");
  // --count bounds the run (1200 x 50 ms) if the change never shows.
  ChildProcess watch =
      ChildProcess::Start({BinPath("leakwatch"), "watch", std::to_string(holder.pid()),
                           "--interval", "50ms", "--count", "1200"});
  std::string first = watch.ReadLine();
  ASSERT_TRUE(std::regex_match(first, kWatchLine)) << first;
  EXPECT_EQ(first.find("pidfd"), std::string::npos) << first;

  FdFromAnswer(holder.Command("open pidfd"));
  FdFromAnswer(holder.Command("open pidfd"));
  for (;;) {
    std::string line = watch.ReadLine();
    ASSERT_FALSE(line.empty()) << "watch ended without showing the new pidfds";
    ASSERT_TRUE(std::regex_match(line, kWatchLine)) << line;
    if (line.find("  pidfd 2 (+2)") != std::string::npos) {
      EXPECT_TRUE(std::regex_search(line, std::regex("  fd [0-9]+ \\(\\+2\\)"))) << line;
      break;
    }
  }
}

TEST(WatchCommandTest, EndsWhenTheProcessExits) {
  Holder holder;
  holder.ReadLineStartingWith("ready");
  // An hour between samples: only the pidfd can end this promptly.
  ChildProcess watch = ChildProcess::Start(
      {BinPath("leakwatch"), "watch", std::to_string(holder.pid()), "--interval", "1h"});
  std::string first = watch.ReadLine();
  ASSERT_TRUE(std::regex_match(first, kWatchLine)) << first;

  holder.CloseStdin();  // lw-holder exits on EOF
  EXPECT_EQ(watch.ReadLine(), "process " + std::to_string(holder.pid()) + " exited");
  int status = watch.Wait();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(WIFEXITED(holder.Wait()));
}

class WatchStopSignalTest : public ::testing::TestWithParam<int> {};

TEST_P(WatchStopSignalTest, StopsQuietlyWithExitZero) {
  Holder holder;
  holder.ReadLineStartingWith("ready");
  ChildProcess watch = ChildProcess::Start(
      {BinPath("leakwatch"), "watch", std::to_string(holder.pid()), "--interval", "1h"});
  std::string first = watch.ReadLine();
  ASSERT_TRUE(std::regex_match(first, kWatchLine)) << first;

  // The first line is printed after the signals are blocked, so this cannot kill it.
  ASSERT_EQ(kill(watch.pid(), GetParam()), 0);
  EXPECT_EQ(watch.ReadLine(), "");  // EOF, and nothing printed on the way out
  int status = watch.Wait();
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

INSTANTIATE_TEST_SUITE_P(Signals, WatchStopSignalTest, ::testing::Values(SIGTERM, SIGINT),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(info.param == SIGTERM ? "Sigterm" : "Sigint");
                         });

TEST(WatchCommandTest, VanishedPidExitsFour) {
  pid_t gone = VanishedPid();
  CommandResult r = RunLeakwatch({"watch", std::to_string(gone), "--count", "1"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("leakwatch watch: process " + std::to_string(gone) + " does not exist"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(WatchCommandTest, BadIntervalExitsTwo) {
  for (const char* bad : {"5", "fast", "0s", "-1s"}) {
    CommandResult r = RunLeakwatch({"watch", "1", "--interval", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("--interval"), std::string::npos) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("leakwatch watch --help"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "") << bad;
  }
}

TEST(WatchCommandTest, BadCountExitsTwo) {
  CommandResult r = RunLeakwatch({"watch", "1", "--count", "0"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--count"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace leakwatch::testing
