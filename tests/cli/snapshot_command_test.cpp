// `leakwatch snapshot` against real processes: an lw-holder that plants one FD of every kind,
// threads and zombies, leakwatch itself, a PID that is gone and a process we may not read.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "child_process.h"
#include "cli_test_util.h"

namespace leakwatch::testing {
namespace {

using nlohmann::json;

// The table row of a kind: "  pidfd            2".
std::regex KindRow(const std::string& kind, int count) {
  return std::regex("\n  " + kind + " +" + std::to_string(count) + "\\b");
}

TEST(SnapshotCommandTest, TableCountsAndListsTheRareKindsAHolderPlanted) {
  Holder holder({"--kinds"});
  std::map<std::string, std::vector<int>> planted = ReadHolderFds(holder);
  ASSERT_EQ(planted["eventfd"].size(), 1u);

  CommandResult r = RunLeakwatch({"snapshot", std::to_string(holder.pid())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("process " + std::to_string(holder.pid()) + " (lw-holder)"),
            std::string::npos)
      << r.out;
  // lw-holder plants a live pidfd and an orphaned one: both are of kind pidfd.
  EXPECT_TRUE(std::regex_search(r.out, KindRow("pidfd", 2))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, KindRow("eventfd", 1))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, KindRow("memfd", 1))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, KindRow("timerfd", 1))) << r.out;
  // Rare kinds list their FDs by number.
  for (const char* kind : {"eventfd", "memfd", "eventpoll", "pidfd"}) {
    int fd = planted[kind].at(0);
    EXPECT_TRUE(std::regex_search(r.out, std::regex("\n +fd " + std::to_string(fd) + " ")))
        << kind << " fd " << fd << " not listed:\n"
        << r.out;
  }
}

TEST(SnapshotCommandTest, TableFlagsTheOrphanedPidfd) {
  Holder holder;
  holder.ReadLineStartingWith("ready");
  int orphan = FdFromAnswer(holder.Command("open orphan-pidfd"));
  int live = FdFromAnswer(holder.Command("open pidfd"));

  CommandResult r = RunLeakwatch({"snapshot", std::to_string(holder.pid())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(1 ORPHANED)"), std::string::npos) << r.out;
  // Worded as in leak reports (the harness's DescribeFdTarget).
  EXPECT_TRUE(std::regex_search(r.out, std::regex("fd " + std::to_string(orphan) +
                                                  " +anon_inode:\\[pidfd\\] -> orphaned \\(")))
      << r.out;
  // The live one names its process (the holder's own) and its state.
  EXPECT_TRUE(
      std::regex_search(r.out, std::regex("fd " + std::to_string(live) + " .*-> pid " +
                                          std::to_string(holder.pid()) + " \\(running\\)\n")))
      << r.out;
}

TEST(SnapshotCommandTest, TableShowsThreadNamesAndMarksZombies) {
  Holder holder({"--threads", "2", "--zombies", "1"});
  holder.ReadLineStartingWith("ready");
  pid_t zombie = std::stoi(holder.Command("zombie").substr(3));

  CommandResult r = RunLeakwatch({"snapshot", std::to_string(holder.pid())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\nthreads: +3\n"))) << r.out;
  EXPECT_NE(r.out.find("holder-0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("holder-1"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\nchildren: +2 +\\(2 ZOMBIE\\)\n"))) << r.out;
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex("\n +child " + std::to_string(zombie) + " \\(zombie\\) .*not reaped")))
      << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("memory: rss [1-9][0-9]* kB"))) << r.out;
}

TEST(SnapshotCommandTest, JsonHasSchemaOneAndTheFdsTheHolderReported) {
  Holder holder({"--kinds"});
  std::map<std::string, std::vector<int>> planted = ReadHolderFds(holder);
  ASSERT_FALSE(planted.empty());

  CommandResult r = RunLeakwatch({"snapshot", std::to_string(holder.pid()), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json doc = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(doc.is_discarded()) << r.out;
  EXPECT_EQ(doc.at("schema"), 1);
  EXPECT_EQ(doc.at("pid"), holder.pid());
  std::map<int, json> by_fd;
  for (const json& fd : doc.at("fds")) by_fd[fd.at("fd").get<int>()] = fd;
  for (const auto& [kind, fds] : planted) {
    for (int fd : fds) {
      ASSERT_TRUE(by_fd.count(fd)) << "fd " << fd << " (" << kind << ") missing:\n" << r.out;
      if (kind == "orphan-pidfd") {
        EXPECT_EQ(by_fd[fd].at("kind"), "pidfd");
        EXPECT_EQ(by_fd[fd].at("pid"), -1);
      } else {
        EXPECT_EQ(by_fd[fd].at("kind"), kind) << "fd " << fd;
      }
    }
  }
}

TEST(SnapshotCommandTest, SelfSnapshotsLeakwatchWithoutItsOwnWorkingFds) {
  CommandResult table = RunLeakwatch({"snapshot", "--self"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_TRUE(std::regex_search(table.out, std::regex("^process [0-9]+ \\(leakwatch\\)")))
      << table.out;

  CommandResult r = RunLeakwatch({"snapshot", "--self", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json doc = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << r.out;
  EXPECT_EQ(doc.at("command"), "leakwatch");
  // RunCommand hands over stdin, stdout and stderr only (pipes); the descriptors the snapshot
  // itself opens must not show up.
  std::vector<int> fds;
  for (const json& fd : doc.at("fds")) fds.push_back(fd.at("fd").get<int>());
  EXPECT_EQ(fds, (std::vector<int>{0, 1, 2})) << r.out;
  EXPECT_EQ(doc.at("counts").at("fds_by_kind").at("pipe"), 3) << r.out;
}

TEST(SnapshotCommandTest, SocketsFlagListsSocketEndpoints) {
  Holder holder({"--kinds"});
  std::map<std::string, std::vector<int>> planted = ReadHolderFds(holder);
  int tcp = planted["tcp"].at(0);

  CommandResult plain = RunLeakwatch({"snapshot", std::to_string(holder.pid())});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out.find("127.0.0.1:"), std::string::npos) << plain.out;

  CommandResult r = RunLeakwatch({"snapshot", std::to_string(holder.pid()), "--sockets"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The holder's tcp socket listens on 127.0.0.1 at a port the kernel chose.
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex("fd " + std::to_string(tcp) + " .*127\\.0\\.0\\.1:[1-9][0-9]*")))
      << r.out;
}

TEST(SnapshotCommandTest, VanishedPidExitsFourNamingThePid) {
  pid_t gone = VanishedPid();
  CommandResult r = RunLeakwatch({"snapshot", std::to_string(gone)});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("leakwatch snapshot: process " + std::to_string(gone)), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(SnapshotCommandTest, UnreadablePidExitsFive) {
  if (geteuid() != 0) {
    // Not root: pid 1 belongs to someone else and its FD table is closed to us.
    CommandResult r = RunLeakwatch({"snapshot", "1"});
    EXPECT_EQ(r.exit_code, 5) << r.err;
    EXPECT_NE(r.err.find("leakwatch snapshot: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("/proc/1/"), std::string::npos) << r.err;
    return;
  }
  // Root: read a root-owned process as nobody.
  Holder holder;
  holder.ReadLineStartingWith("ready");
  CommandResult r = RunLeakwatchAsNobody({"snapshot", std::to_string(holder.pid())});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("leakwatch snapshot: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(std::to_string(holder.pid())), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(SnapshotCommandTest, PidAndSelfTogetherIsAUsageError) {
  CommandResult r = RunLeakwatch({"snapshot", "1", "--self"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--self"), std::string::npos) << r.err;
}

TEST(SnapshotCommandTest, NeitherPidNorSelfIsAUsageError) {
  CommandResult r = RunLeakwatch({"snapshot"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("PID"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("leakwatch snapshot --help"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace leakwatch::testing
