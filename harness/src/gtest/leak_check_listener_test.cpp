// The listener in a real GoogleTest binary (lw-listener-cases), run as a subprocess: messages,
// flags, environment, XML, settle, hunts, self-leaks over 1,000 cases, and Valgrind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>

#include "child_process.h"

namespace leakwatch {
namespace {

using testing::BinPath;
using testing::CommandResult;
using testing::ReadFile;
using testing::RunCommand;
using testing::TempDir;

CommandResult RunCases(const std::string& filter, std::vector<std::string> extra = {},
                       std::vector<std::string> env = {}) {
  std::vector<std::string> argv;
  if (!env.empty()) {
    argv = {"/usr/bin/env"};
    argv.insert(argv.end(), env.begin(), env.end());
  }
  argv.push_back(BinPath("lw-listener-cases"));
  argv.push_back("--gtest_filter=" + filter);
  argv.insert(argv.end(), extra.begin(), extra.end());
  return RunCommand(argv);
}

int CountOf(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(LeakCheckListenerTest, OrphanedPidfdFailsTheCaseWithTheDocumentedMessage) {
  CommandResult r = RunCases("Leaky.Pidfd");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex(R"(leakwatch: case leaked 1 pidfd \(slack 0\): fd \d+ pidfd )"
                        R"(anon_inode:\[pidfd\] -> orphaned \(its process has exited and been )"
                        R"(reaped\))")))
      << r.out;
  EXPECT_NE(r.out.find("[  FAILED  ] Leaky.Pidfd"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("leakwatch: 1 cases checked, 1 leaked"), std::string::npos);
}

TEST(LeakCheckListenerTest, PidfdToAZombieNamesTheProcessAndTheChild) {
  CommandResult r = RunCases("Leaky.PidfdAndZombie");
  EXPECT_EQ(r.exit_code, 1);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      r.out, m,
      std::regex(R"(leakwatch: case leaked 1 pidfd, 1 child \(slack 0\)\n  fd \d+ pidfd )"
                 R"(anon_inode:\[pidfd\] -> pid (\d+) \(exited\)\n  child (\d+) \(zombie\) )"
                 R"(\[lw-listener-cas\])")))
      << r.out;
  EXPECT_EQ(m[1], m[2]) << "the pidfd refers to the zombie child";
}

TEST(LeakCheckListenerTest, ListsEveryLeakedResourceOfTheGrownKinds) {
  CommandResult r = RunCases("Leaky.TwoPipesAndAThread");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(std::regex_search(
      r.out,
      std::regex(R"(leakwatch: case leaked 2 pipe, 1 thread \(slack 0\)\n  fd \d+ pipe )"
                 R"(pipe:\[\d+\]\n  fd \d+ pipe pipe:\[\d+\]\n  thread \d+ "stuck-worker")")))
      << r.out;
}

TEST(LeakCheckListenerTest, ACaseThatCannotBeCheckedFailsWithTheReason) {
  CommandResult r = RunCases("Exhausts.EveryDescriptor");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(leakwatch: case could not be checked: its )"
                                                  R"("after" snapshot failed: .*/proc/\d+/fd)"
                                                  R"(.*Too many open files)")))
      << r.out;
  EXPECT_NE(r.out.find("[  FAILED  ] Exhausts.EveryDescriptor"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("leakwatch: 0 cases checked, 0 leaked, 1 could not be checked"),
            std::string::npos)
      << r.out;
}

TEST(LeakCheckListenerTest, WithOnUncheckedWarnACaseThatCannotBeCheckedPassesWithANote) {
  CommandResult r = RunCases("Exhausts.EveryDescriptor", {"--leakwatch_on_unchecked=warn"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("leakwatch: case could not be checked: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[not failed: warn only]"), std::string::npos) << r.err;
}

TEST(LeakCheckListenerTest, CleanCaseAndDelayedCloseAreNotLeaks) {
  CommandResult r = RunCases("Clean.*:Settles.*");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("leakwatch: case leaked"), std::string::npos);
  EXPECT_NE(r.out.find("leakwatch: 2 cases checked, 0 leaked"), std::string::npos) << r.out;
}

TEST(LeakCheckListenerTest, LeakAfterACleanCaseIsCaughtAndBlamedOnItsCase) {
  CommandResult r = RunCases("Sequence.*");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountOf(r.out, "leakwatch: case leaked"), 1) << r.out;
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex(R"(\[ RUN      \] Sequence.LeaksSecond\n[^\n]*Failure\nFailed\n)"
                        R"(leakwatch: case leaked 1 eventfd)")))
      << r.out;
  EXPECT_NE(r.out.find("[       OK ] Sequence.CleanFirst"), std::string::npos);
  EXPECT_NE(r.out.find("[       OK ] Sequence.CleanThird"), std::string::npos);
}

TEST(LeakCheckListenerTest, FailureIsInTheXmlReport) {
  TempDir dir;
  std::string xml = dir.File("report.xml");
  CommandResult r = RunCases("Leaky.Eventfd:Clean.*", {"--gtest_output=xml:" + xml});
  EXPECT_EQ(r.exit_code, 1);
  std::string report = ReadFile(xml);
  EXPECT_NE(report.find("failures=\"1\""), std::string::npos) << report;
  EXPECT_TRUE(std::regex_search(
      report, std::regex(R"(<testcase name="Eventfd"[^>]*>\s*<failure message="[^"]*)"
                         R"(listener_cases.cpp:\d+&#x0A;Failed&#x0A;leakwatch: case leaked 1 )"
                         R"(eventfd \(slack 0\): fd \d+ eventfd anon_inode:\[eventfd\])")))
      << report;
}

TEST(LeakCheckListenerTest, SlackFromFlagOrEnvironmentFlagWins) {
  EXPECT_EQ(RunCases("Leaky.Eventfd", {"--leakwatch_slack=eventfd=1"}).exit_code, 0);
  EXPECT_EQ(RunCases("Leaky.Eventfd", {}, {"LEAKWATCH_SLACK=eventfd=1"}).exit_code, 0);
  EXPECT_EQ(
      RunCases("Leaky.Eventfd", {"--leakwatch_slack=eventfd=0"}, {"LEAKWATCH_SLACK=eventfd=1"})
          .exit_code,
      1);
  EXPECT_EQ(RunCases("Leaky.Eventfd", {"--leakwatch_slack=fd=1"}).exit_code, 0)
      << "fd= is the slack of every kind not named";
}

TEST(LeakCheckListenerTest, WarnReportsWithoutFailingAndOffDoesNothing) {
  CommandResult warn = RunCases("Leaky.Eventfd", {"--leakwatch=warn"});
  EXPECT_EQ(warn.exit_code, 0);
  EXPECT_NE(warn.err.find("leakwatch: case leaked 1 eventfd"), std::string::npos) << warn.err;
  EXPECT_NE(warn.err.find("[--leakwatch=warn: not failed]"), std::string::npos);
  CommandResult off = RunCases("Leaky.Eventfd", {}, {"LEAKWATCH=off"});
  EXPECT_EQ(off.exit_code, 0);
  EXPECT_EQ(off.out.find("leakwatch:"), std::string::npos) << off.out;
}

TEST(LeakCheckListenerTest, BadFlagsExitTwoWithTheReason) {
  CommandResult bad_slack = RunCases("Clean.*", {"--leakwatch_slack=pidfds=1"});
  EXPECT_EQ(bad_slack.exit_code, 2);
  EXPECT_NE(bad_slack.err.find("--leakwatch_slack=pidfds=1"), std::string::npos) << bad_slack.err;
  EXPECT_NE(bad_slack.err.find("unknown key \"pidfds\""), std::string::npos);
  CommandResult unknown = RunCases("Clean.*", {"--leakwatch_slak=fd=1"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown flag --leakwatch_slak"), std::string::npos);
  CommandResult bad_env = RunCases("Clean.*", {}, {"LEAKWATCH_SETTLE=soon"});
  EXPECT_EQ(bad_env.exit_code, 2);
  EXPECT_NE(bad_env.err.find("LEAKWATCH_SETTLE=soon"), std::string::npos) << bad_env.err;
  CommandResult missing = RunCases("Clean.*", {"--leakwatch_suppressions=/nonexistent/s.yaml"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/s.yaml"), std::string::npos) << missing.err;
}

TEST(LeakCheckListenerTest, SuppressedLeaksPassAndAreCountedAsUsed) {
  TempDir dir;
  std::string file = dir.File("supp.yaml");
  testing::WriteFile(file,
                     "suppressions:\n"
                     "  - name: bench-eventfd\n"
                     "    kind: eventfd\n"
                     "    test: \"^Leaky\\\\.Eventfd$\"\n"
                     "  - name: stuck-worker\n"
                     "    kind: thread\n"
                     "    thread: \"^stuck-worker$\"\n");
  CommandResult r =
      RunCases("Leaky.Eventfd:Leaky.TwoPipesAndAThread", {"--leakwatch_suppressions=" + file});
  EXPECT_EQ(r.exit_code, 1) << "the pipes are not suppressed";
  EXPECT_NE(r.out.find("[       OK ] Leaky.Eventfd"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("leakwatch: case leaked 2 pipe (slack 0)"), std::string::npos)
      << "the thread is suppressed, the pipes are not\n"
      << r.out;
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex(R"(leakwatch: Suppressions used:\n +count +name\n +1 +bench-eventfd\n)"
                        R"( +1 +stuck-worker\n)")))
      << r.out;
}

TEST(LeakCheckListenerTest, TestLimitedSuppressionDoesNotApplyElsewhere) {
  TempDir dir;
  std::string file = dir.File("supp.yaml");
  testing::WriteFile(file,
                     "suppressions:\n"
                     "  - kind: eventfd\n"
                     "    test: \"^Other\\\\.\"\n");
  CommandResult r = RunCases("Leaky.Eventfd", {"--leakwatch_suppressions=" + file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.find("Suppressions used"), std::string::npos) << r.out;
}

TEST(LeakCheckListenerTest, MalformedSuppressionsFileStopsTheBinaryWithLineAndColumn) {
  TempDir dir;
  std::string file = dir.File("supp.yaml");
  testing::WriteFile(file, "suppressions:\n  - kidn: pidfd\n");
  CommandResult r = RunCases("Clean.*", {"--leakwatch_suppressions=" + file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(file + ":2:5: unknown key \"kidn\""), std::string::npos) << r.err;
}

TEST(LeakCheckListenerTest, HelpListsTheLeakwatchFlags) {
  CommandResult r = RunCommand({BinPath("lw-listener-cases"), "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--leakwatch_slack="), std::string::npos);
  EXPECT_NE(r.out.find("--gtest_filter="), std::string::npos) << "GoogleTest's own help stays";
}

TEST(LeakCheckListenerTest, ABaselineWrittenOnceMakesTheNextRunFailOnlyOnNewLeaks) {
  TempDir dir;
  const std::string baseline = dir.File("baseline.yaml");
  CommandResult first =
      RunCases("Leaky.Eventfd:Clean.*", {"--leakwatch_write_suppressions=" + baseline});
  EXPECT_EQ(first.exit_code, 1) << "the run that writes the baseline still reports its leaks";
  EXPECT_NE(first.out.find("leakwatch: wrote a baseline of 1 leak to " + baseline),
            std::string::npos)
      << first.out;
  const std::string text = ReadFile(baseline);
  EXPECT_NE(text.find("kind: eventfd"), std::string::npos) << text;
  EXPECT_NE(text.find("test: \"^Leaky\\\\.Eventfd$\""), std::string::npos) << text;

  CommandResult next =
      RunCases("Leaky.Eventfd:Clean.*:Leaky.Pidfd", {"--leakwatch_suppressions=" + baseline});
  EXPECT_EQ(next.exit_code, 1) << "Leaky.Pidfd is a new leak";
  EXPECT_NE(next.out.find("[       OK ] Leaky.Eventfd"), std::string::npos) << next.out;
  EXPECT_NE(next.out.find("[  FAILED  ] Leaky.Pidfd"), std::string::npos) << next.out;
}

TEST(LeakCheckListenerTest, HuntIgnoresOneTimeInitialisation) {
  CommandResult once = RunCases("Lazy.*", {"--leakwatch_hunt=off"});
  EXPECT_EQ(once.exit_code, 1) << "without a hunt the first-use cache is a leak";
  CommandResult hunt = RunCases("Lazy.*", {"--gtest_repeat=3"});
  EXPECT_EQ(hunt.exit_code, 0) << hunt.out;
  EXPECT_EQ(hunt.out.find("leakwatch: case leaked"), std::string::npos);
}

TEST(LeakCheckListenerTest, ByDefaultACaseThatGrewIsHuntedInAFreshChildAndOneTimeGrowthPasses) {
  // As under ctest, where every case runs in a process of its own.
  CommandResult lazy = RunCases("Lazy.*");
  EXPECT_EQ(lazy.exit_code, 0) << lazy.out << lazy.err;
  EXPECT_EQ(lazy.out.find("leakwatch: case leaked"), std::string::npos) << lazy.out;
  EXPECT_NE(lazy.out.find("leakwatch: Lazy.InitialisesOnce grew on its first run, but a repeat "
                          "hunt in a fresh process (1 warm-up run, then 2 measured runs) found "
                          "nothing that grew in every measured run"),
            std::string::npos)
      << lazy.out;
  EXPECT_NE(lazy.out.find("1 grew once only (hunted: not leaks)"), std::string::npos);

  CommandResult leak = RunCases("Leaky.Eventfd", {"--leakwatch_hunt_runs=3"});
  EXPECT_EQ(leak.exit_code, 1) << leak.out;
  EXPECT_TRUE(std::regex_search(
      leak.out,
      std::regex(R"(leakwatch: case leaked 1 eventfd \(slack 0\): fd \d+ eventfd [^
]*
)"
                 R"(confirmed by a repeat hunt in a fresh process \(1 warm-up run, then 3 )"
                 R"(measured runs\): it leaked 3 eventfd over 3 measured runs, growing in every )"
                 R"(one)")))
      << leak.out;
  EXPECT_EQ(CountOf(leak.out, "[  FAILED  ] Leaky.Eventfd"), 2) << "the failure and the summary";
}

TEST(LeakCheckListenerTest, TheHuntChildDoesNotWriteTheParentsXml) {
  TempDir dir;
  const std::string xml = dir.File("cases.xml");
  CommandResult r = RunCases("Lazy.*:Leaky.Eventfd", {"--gtest_output=xml:" + xml});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  const std::string report = ReadFile(xml);
  EXPECT_EQ(CountOf(report, "<testcase "), 2)
      << "the parent's two cases, nothing of the child's" << report;
  EXPECT_NE(report.find("confirmed by a repeat hunt"), std::string::npos) << report;
  EXPECT_EQ(CountOf(report, "name=\"InitialisesOnce\""), 1) << report;
}

TEST(LeakCheckListenerTest, HuntReportsGrowthInEveryRunOnceAtTheEnd) {
  CommandResult r = RunCases("Leaky.Eventfd", {"--gtest_repeat=4", "--leakwatch_warmup=1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountOf(r.out, "leakwatch: case leaked"), 1) << r.out;
  EXPECT_NE(
      r.out.find("leakwatch: case leaked 3 eventfd over 3 measured runs, growing in every one "
                 "(warm-up 1) (slack 0)"),
      std::string::npos)
      << r.out;
}

TEST(LeakCheckListenerTest, WarmupWithoutMeasuredRunsIsAnError) {
  CommandResult r = RunCases("Leaky.Eventfd", {"--gtest_repeat=2", "--leakwatch_warmup=2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--leakwatch_warmup=2 leaves no measured run with --gtest_repeat=2"),
            std::string::npos)
      << r.err;
}

TEST(LeakCheckListenerTest, ListenerLeaksNothingOverAThousandCases) {
  CommandResult r = RunCases("Cases/Many.*:Last.*");
  EXPECT_EQ(r.exit_code, 0) << r.out.substr(r.out.size() > 4000 ? r.out.size() - 4000 : 0);
  EXPECT_NE(r.out.find("leakwatch: 1001 cases checked, 0 leaked"), std::string::npos);
  EXPECT_NE(r.out.find("[       OK ] Last.FdCountUnchangedSinceStart"), std::string::npos);
}

bool HaveValgrind() {
  return access("/usr/bin/valgrind", X_OK) == 0;
}

// Valgrind cannot run a binary built with AddressSanitizer (the asan preset): both replace the
// allocator and reserve the same address space.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif

TEST(LeakCheckListenerTest, ValgrindDefinitelyLostBytesFailTheCase) {
  if (kSanitizerBuild) GTEST_SKIP() << "Valgrind cannot run an AddressSanitizer build";
  if (!HaveValgrind()) GTEST_SKIP() << "valgrind is not installed (ci/bootstrap installs it)";
  CommandResult r = RunCommand({"/usr/bin/valgrind", "--leak-check=full", "--quiet",
                                BinPath("lw-listener-cases"), "--gtest_filter=Leaky.Memory"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("leakwatch: case leaked 4096 bytes of memory (definitely lost"),
            std::string::npos)
      << r.out << r.err;
}

TEST(LeakCheckListenerTest, ValgrindCleanCasesPass) {
  if (kSanitizerBuild) GTEST_SKIP() << "Valgrind cannot run an AddressSanitizer build";
  if (!HaveValgrind()) GTEST_SKIP() << "valgrind is not installed (ci/bootstrap installs it)";
  CommandResult r = RunCommand({"/usr/bin/valgrind", "--leak-check=full", "--quiet",
                                BinPath("lw-listener-cases"), "--gtest_filter=Clean.*"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("leakwatch: case leaked"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace leakwatch
