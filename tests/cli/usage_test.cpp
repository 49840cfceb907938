// Command-line handling of the `leakwatch` binary: help, version, and every usage error mapped
// to exit code 2 with CLI11's message and a hint to --help.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "cli_test_util.h"

namespace leakwatch::testing {
namespace {

TEST(UsageTest, VersionPrintsTheProjectVersion) {
  CommandResult r = RunLeakwatch({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_match(r.out, std::regex("leakwatch [0-9]+\\.[0-9]+\\.[0-9]+\n"))) << r.out;
}

TEST(UsageTest, HelpListsTheCommands) {
  CommandResult r = RunLeakwatch({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* command : {"snapshot", "diff", "watch"}) {
    EXPECT_NE(r.out.find(command), std::string::npos) << command << "\n" << r.out;
  }
}

TEST(UsageTest, EveryCommandHasHelp) {
  struct Case {
    const char* command;
    const char* flag;  // one flag its help must mention
  };
  for (Case c :
       {Case{"snapshot", "--self"}, Case{"diff", "--slack"}, Case{"watch", "--interval"}}) {
    CommandResult r = RunLeakwatch({c.command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << c.command << ": " << r.err;
    EXPECT_NE(r.out.find(std::string("leakwatch ") + c.command), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(c.flag), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "") << c.command;
  }
}

TEST(UsageTest, UnknownFlagExitsTwoWithAHint) {
  CommandResult r = RunLeakwatch({"snapshot", "--self", "--bogus"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--bogus"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Run 'leakwatch snapshot --help' for more information."), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(UsageTest, UnknownTopLevelFlagExitsTwo) {
  CommandResult r = RunLeakwatch({"--bogus"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("Run 'leakwatch --help'"), std::string::npos) << r.err;
}

TEST(UsageTest, NoCommandExitsTwo) {
  CommandResult r = RunLeakwatch({});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--help"), std::string::npos) << r.err;
}

TEST(UsageTest, UnknownCommandExitsTwo) {
  CommandResult r = RunLeakwatch({"snapshots", "1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("snapshots"), std::string::npos) << r.err;
}

TEST(UsageTest, PidThatIsNotANumberExitsTwo) {
  for (const char* bad : {"abc", "0", "12x"}) {
    CommandResult r = RunLeakwatch({"snapshot", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("PID"), std::string::npos) << bad << ": " << r.err;
    EXPECT_EQ(r.out, "") << bad;
  }
}

}  // namespace
}  // namespace leakwatch::testing
