#include "leakwatch/proc_stat.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace leakwatch {
namespace {

// A line as the kernel writes it (fields 1..22 and a few more), with `comm`, `state` and `flags`
// put in.
std::string StatLine(const std::string& comm, char state, unsigned flags) {
  return "4242 (" + comm + ") " + state + " 17 4200 4100 34816 4242 " + std::to_string(flags) +
         " 120 0 0 0 3 1 0 0 20 0 1 0 987654 12345678 456 18446744073709551615\n";
}

TEST(ProcStatTest, ParsesTheFields) {
  Result<ProcStat> stat = ParseProcStat(StatLine("demo-server", 'S', 0x400100));
  ASSERT_TRUE(stat) << stat.error().message();
  EXPECT_EQ(stat->pid, 4242);
  EXPECT_EQ(stat->comm, "demo-server");
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->ppid, 17);
  EXPECT_EQ(stat->pgid, 4200);
  EXPECT_EQ(stat->sid, 4100);
  EXPECT_EQ(stat->flags, 0x400100u);
  EXPECT_EQ(stat->start_time, 987654u);
  EXPECT_FALSE(stat->Exiting());
}

TEST(ProcStatTest, ReadsACommWithSpacesAndParenthesesWhole) {
  for (const std::string comm : {"a b", "x) S 1 (y", ") R 99 ", "((", "))", ""}) {
    Result<ProcStat> stat = ParseProcStat(StatLine(comm, 'R', 0));
    ASSERT_TRUE(stat) << comm << ": " << stat.error().message();
    EXPECT_EQ(stat->comm, comm);
    EXPECT_EQ(stat->state, 'R') << comm;
    EXPECT_EQ(stat->ppid, 17) << comm;
    EXPECT_EQ(stat->start_time, 987654u) << comm;
  }
}

TEST(ProcStatTest, AZombieOrDeadProcessIsExiting) {
  EXPECT_TRUE(ParseProcStat(StatLine("z", 'Z', 0x400104))->Exiting());
  EXPECT_TRUE(ParseProcStat(StatLine("x", 'X', 0))->Exiting());
  EXPECT_FALSE(ParseProcStat(StatLine("t", 'T', 0))->Exiting());
}

TEST(ProcStatTest, PfExitingMeansExitingWhateverTheState) {
  Result<ProcStat> stat = ParseProcStat(StatLine("dying", 'R', 0x400000 | ProcStat::kPfExiting));
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->state, 'R');
  EXPECT_TRUE(stat->Exiting());
  EXPECT_FALSE(ParseProcStat(StatLine("alive", 'R', 0x400000 | 0x40))->Exiting());
}

TEST(ProcStatTest, AShortLineKeepsWhatItHas) {
  Result<ProcStat> stat = ParseProcStat("7 (init) S 1");
  ASSERT_TRUE(stat) << stat.error().message();
  EXPECT_EQ(stat->ppid, 1);
  EXPECT_EQ(stat->pgid, 0);
  EXPECT_EQ(stat->start_time, 0u);
}

TEST(ProcStatTest, RejectsGarbage) {
  for (const char* bad :
       {"", "\n", "hello world", "12 (comm", "12 comm) S 1", ")( S 1", "12 (comm)", "12 (comm) S",
        "x (comm) S 1", "12 (comm) S one 2 3", "12 (comm) S 1 2 3 4 5 flags"}) {
    Result<ProcStat> stat = ParseProcStat(bad);
    ASSERT_FALSE(stat) << bad;
    EXPECT_EQ(stat.error().code(), ErrorCode::kParseError) << bad;
  }
}

TEST(ProcStatTest, ReadsTheCallingProcess) {
  Result<ProcStat> stat = ReadProcStat(getpid());
  ASSERT_TRUE(stat) << stat.error().message();
  EXPECT_EQ(stat->pid, getpid());
  EXPECT_EQ(stat->ppid, getppid());
  EXPECT_EQ(stat->pgid, getpgrp());
  EXPECT_EQ(stat->sid, getsid(0));
  EXPECT_FALSE(stat->Exiting());
}

TEST(ProcStatTest, AnUnreapedChildIsExitingAndAReapedOneIsNotFound) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  // Without a wait, the child stays a zombie: wait for it to get there without reaping it.
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT), 0);
  Result<ProcStat> zombie = ReadProcStat(child);
  ASSERT_TRUE(zombie) << zombie.error().message();
  EXPECT_EQ(zombie->state, 'Z');
  EXPECT_TRUE(zombie->Exiting());

  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  Result<ProcStat> gone = ReadProcStat(child);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(gone.error().message().find(std::to_string(child)), std::string::npos)
      << gone.error().message();
}

}  // namespace
}  // namespace leakwatch
