// `leakwatch diff` on real snapshots of an lw-holder taken by the `snapshot --json` command,
// and on broken inputs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "child_process.h"
#include "cli_test_util.h"

namespace leakwatch::testing {
namespace {

using nlohmann::json;

// Writes `leakwatch snapshot PID --json` to `path`.
void SnapshotTo(pid_t pid, const std::string& path) {
  CommandResult r = RunLeakwatch({"snapshot", std::to_string(pid), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  WriteFile(path, r.out);
}

class DiffCommandTest : public ::testing::Test {
 protected:
  void SetUp() override { holder_.ReadLineStartingWith("ready"); }

  // Snapshots the holder before and after `command`; returns the FD number it answered with.
  int SnapshotAround(const std::string& command) {
    SnapshotTo(holder_.pid(), before_);
    int fd = FdFromAnswer(holder_.Command(command));
    SnapshotTo(holder_.pid(), after_);
    return fd;
  }

  TempDir dir_;
  std::string before_ = dir_.File("before.json");
  std::string after_ = dir_.File("after.json");
  Holder holder_;
};

TEST_F(DiffCommandTest, OpenedPidfdIsGrowthBeyondDefaultSlack) {
  int fd = SnapshotAround("open pidfd");
  CommandResult r = RunLeakwatch({"diff", before_, after_});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\ndeltas: fd \\+1  pidfd \\+1  thread 0")))
      << r.out;
  EXPECT_TRUE(
      std::regex_search(r.out, std::regex("\nadded:\n  fd " + std::to_string(fd) + " +pidfd ")))
      << r.out;
  EXPECT_EQ(r.out.find("removed:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("grew beyond slack: pidfd +1 (slack 0)\n"), std::string::npos) << r.out;
}

TEST_F(DiffCommandTest, SlackForPidfdToleratesIt) {
  SnapshotAround("open pidfd");
  CommandResult r = RunLeakwatch({"diff", before_, after_, "--slack", "pidfd=1"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("pidfd +1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no growth beyond slack"), std::string::npos) << r.out;
}

TEST_F(DiffCommandTest, SlackForAnotherKindDoesNot) {
  SnapshotAround("open pidfd");
  CommandResult r = RunLeakwatch({"diff", before_, after_, "--slack", "eventfd=5,thread=1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
}

TEST_F(DiffCommandTest, ClosedFdIsListedAsRemovedAndIsNoGrowth) {
  int fd = FdFromAnswer(holder_.Command("open eventfd"));
  SnapshotTo(holder_.pid(), before_);
  ASSERT_EQ(holder_.Command("close " + std::to_string(fd)), "ok");
  SnapshotTo(holder_.pid(), after_);

  CommandResult r = RunLeakwatch({"diff", before_, after_});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("eventfd -1"), std::string::npos) << r.out;
  EXPECT_TRUE(
      std::regex_search(r.out, std::regex("\nremoved:\n  fd " + std::to_string(fd) + " +eventfd ")))
      << r.out;
}

TEST_F(DiffCommandTest, NewThreadIsListedAndGrowth) {
  SnapshotTo(holder_.pid(), before_);
  std::string answer = holder_.Command("thread leaky-worker");
  ASSERT_EQ(answer.rfind("ok ", 0), 0u) << answer;
  SnapshotTo(holder_.pid(), after_);

  CommandResult r = RunLeakwatch({"diff", before_, after_});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("thread +1"), std::string::npos) << r.out;
  // Worded as in leak reports (the harness's DescribeThread).
  EXPECT_NE(r.out.find("\n  thread " + answer.substr(3) + " \"leaky-worker\"\n"), std::string::npos)
      << r.out;
}

TEST_F(DiffCommandTest, JsonOutputParsesAndNamesTheGrowth) {
  int fd = SnapshotAround("open pidfd");
  CommandResult r = RunLeakwatch({"diff", before_, after_, "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  json doc = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << r.out;
  EXPECT_EQ(doc.at("schema"), 1);
  ASSERT_EQ(doc.at("fds_added").size(), 1u) << r.out;
  EXPECT_EQ(doc.at("fds_added")[0].at("fd"), fd);
  ASSERT_EQ(doc.at("beyond_slack").size(), 1u) << r.out;
  EXPECT_EQ(doc.at("beyond_slack")[0].at("kind"), "pidfd");
}

TEST_F(DiffCommandTest, MalformedJsonExitsTwoWithFileLineColumn) {
  SnapshotTo(holder_.pid(), after_);
  WriteFile(before_, "{\n  \"schema\": 1,\n  \"pid\": oops\n}\n");
  CommandResult r = RunLeakwatch({"diff", before_, after_});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(before_ + ":3:[0-9]+: "))) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(DiffCommandTest, WrongFieldTypeExitsTwoWithFileLineColumn) {
  SnapshotTo(holder_.pid(), before_);
  WriteFile(after_, "{\n  \"schema\": 1,\n  \"pid\": \"twelve\",\n  \"fds\": []\n}\n");
  CommandResult r = RunLeakwatch({"diff", before_, after_});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(after_ + ":3:[0-9]+: "))) << r.err;
}

TEST_F(DiffCommandTest, MissingFileExitsTwo) {
  SnapshotTo(holder_.pid(), after_);
  std::string missing = dir_.File("missing.json");
  CommandResult r = RunLeakwatch({"diff", missing, after_});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("leakwatch diff: cannot read " + missing + ": No such file or directory"),
            std::string::npos)
      << r.err;
}

// `-` for either argument reads that snapshot from stdin; the report is the one the files give.
TEST_F(DiffCommandTest, BeforeFromStdinGivesTheSameReportAsFiles) {
  SnapshotAround("open pidfd");
  CommandResult files = RunLeakwatch({"diff", before_, after_});
  ASSERT_EQ(files.exit_code, 1) << files.out << files.err;
  CommandResult r = RunLeakwatch({"diff", "-", after_}, ReadFile(before_));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, files.out);
  EXPECT_NE(r.out.find("pidfd +1"), std::string::npos) << r.out;
}

TEST_F(DiffCommandTest, AfterFromStdinGivesTheSameReportAsFiles) {
  SnapshotAround("open pidfd");
  CommandResult files = RunLeakwatch({"diff", before_, after_, "--json"});
  ASSERT_EQ(files.exit_code, 1) << files.out << files.err;
  CommandResult r = RunLeakwatch({"diff", before_, "-", "--json"}, ReadFile(after_));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, files.out);
  EXPECT_NE(r.out.find("\"pidfd\""), std::string::npos) << r.out;
}

TEST_F(DiffCommandTest, BothFromStdinIsAUsageError) {
  SnapshotTo(holder_.pid(), before_);
  CommandResult r = RunLeakwatch({"diff", "-", "-"}, ReadFile(before_));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("leakwatch diff: BEFORE and AFTER: only one of them can be -"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(DiffCommandTest, MalformedStdinExitsTwoWithStdinLineColumn) {
  SnapshotTo(holder_.pid(), after_);
  CommandResult r =
      RunLeakwatch({"diff", "-", after_}, "{\n  \"schema\": 1,\n  \"pid\": oops\n}\n");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("leakwatch diff: <stdin>:3:[0-9]+: "))) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(DiffCommandTest, WrongFieldTypeOnStdinNamesStdin) {
  SnapshotTo(holder_.pid(), before_);
  CommandResult r = RunLeakwatch({"diff", before_, "-"},
                                 "{\n  \"schema\": 1,\n  \"pid\": \"twelve\",\n  \"fds\": []\n}\n");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("<stdin>:3:[0-9]+: "))) << r.err;
}

TEST_F(DiffCommandTest, UnknownSlackKeyExitsTwo) {
  SnapshotAround("open pidfd");
  CommandResult r = RunLeakwatch({"diff", before_, after_, "--slack", "bogus=1"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--slack"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bogus"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(DiffCommandTest, MissingArgumentExitsTwo) {
  CommandResult r = RunLeakwatch({"diff", before_});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("AFTER"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace leakwatch::testing
