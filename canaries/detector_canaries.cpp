// detector_canaries — the listener must catch a planted leak of every kind, and nothing else.
//
// For every kind of planted_kinds.h (the 26 FD kinds, threads and children) it runs the
// leaky_cases binary as a subprocess, exactly as a user's test binary runs:
//   Leaky.<Kind>          must fail (exit 1) with "leakwatch: case leaked 1 <kind>" — the right
//                         kind and count — and with no other leak reported;
//   Clean.<Kind>/*        the same pattern without the leak, 1,000 separate cases, each checked
//                         by the listener: must pass (exit 0) with no "leakwatch:" report.
// A kind the machine does not allow is skipped here with leaky_cases' reason, never passed.
// The Hunt cases check the repeat rule: a lazy one-time leak passes --gtest_repeat=3 with one
// warm-up (and does fail a single run), a leak in every run fails the hunt.
//
//   ctest -L canary -R DetectorCanary
//   build/bin/detector_canaries --gtest_filter='*pidfd'
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "child_process.h"
#include "leakwatch/fd_kind.h"
#include "leakwatch/resource_counts.h"
#include "planted_kinds.h"

extern char** environ;

namespace {

using leakwatch::canaries::kCannotPlantPrefix;
using leakwatch::canaries::kCleanRuns;
using leakwatch::canaries::kPlantedKinds;
using leakwatch::canaries::PlantedKind;
using leakwatch::testing::BinPath;
using leakwatch::testing::CommandResult;
using leakwatch::testing::RunCommand;

constexpr std::string_view kLeakReport = "leakwatch: case leaked";

// Runs leaky_cases with `args` and a clean environment: the LEAKWATCH_* and GTEST_* variables
// this test itself may run under (a control FD from `leakwatch run`, ctest's sharding, an XML
// output path, a slack or mode) must not change what the leaky binary does.
CommandResult RunLeaky(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/env", "-i"};
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view var(*e);
    if (var.rfind("LEAKWATCH", 0) == 0 || var.rfind("GTEST_", 0) == 0) continue;
    argv.emplace_back(var);
  }
  argv.push_back(BinPath("leaky_cases"));
  // Explicit, so that the defaults leaky_cases would get anyway are visible here.
  argv.push_back("--leakwatch=fail");
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

std::string Output(const CommandResult& r) {
  return r.out + r.err;
}

// What of a long output (1,000 cases) a failure message needs: from the first failure or leak
// report on (capped), and the end with the summaries.
std::string Excerpt(const std::string& out) {
  constexpr std::size_t kHead = 4000, kTail = 2000;
  if (out.size() <= kHead + kTail) return out;
  std::size_t first = std::min(out.find(kLeakReport), out.find("Failure"));
  std::string head = first == std::string::npos ? "" : out.substr(first, kHead) + "\n...\n";
  return head + out.substr(out.size() - kTail);
}

std::size_t CountOccurrences(const std::string& haystack, std::string_view needle) {
  std::size_t count = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

// The reason leaky_cases gave for skipping, or "" when it did not skip `full_name`.
std::string SkipReason(const std::string& output, const std::string& full_name) {
  if (output.find("[  SKIPPED ] " + full_name) == std::string::npos) return "";
  std::size_t at = output.find(kCannotPlantPrefix);
  if (at == std::string::npos) return "skipped without a reason";
  return output.substr(at, output.find('\n', at) - at);
}

// The listener's report of exactly one leaked resource of one kind, on one line:
//   leakwatch: case leaked 1 pidfd (slack 0): fd 7 anon_inode:[pidfd] -> ...
//   leakwatch: case leaked 1 thread (slack 0): thread 4243 "leaky_cases"
// A second kind would read "1 pidfd, 1 child (slack 0)" and not match; so would "1 tcp6" for
// tcp. The resource named after the colon shows the listener found the actual FD/thread/child.
std::regex LeakOfOne(std::string_view key) {
  return std::regex("leakwatch: case leaked 1 " + std::string(key) +
                    " \\(slack 0\\): (fd|thread|child) [0-9]+ ");
}

// The listener's closing line: it checked `cases` cases and found `leaked` of them leaking.
std::string CheckedLine(int cases, int leaked) {
  return "leakwatch: " + std::to_string(cases) + " cases checked, " + std::to_string(leaked) +
         " leaked";
}

class DetectorCanary : public ::testing::TestWithParam<PlantedKind> {};

// The listener must report the planted leak as exactly one resource of exactly this kind, fail
// the case, and report nothing else.
TEST_P(DetectorCanary, CatchesOnePlantedLeak) {
  const PlantedKind& kind = GetParam();
  std::string name = "Leaky." + std::string(kind.case_name);
  CommandResult r = RunLeaky({"--gtest_filter=" + name, "--gtest_repeat=1"});
  std::string out = Output(r);
  if (std::string why = SkipReason(out, name); !why.empty()) GTEST_SKIP() << why;

  ASSERT_NE(out.find("[ RUN      ] " + name), std::string::npos) << name << " did not run:\n"
                                                                 << out;
  EXPECT_EQ(r.exit_code, 1) << "a planted " << kind.key << " leak did not fail " << name << ":\n"
                            << out;
  EXPECT_TRUE(std::regex_search(out, LeakOfOne(kind.key)))
      << "no \"" << kLeakReport << " 1 " << kind.key << "\" report:\n"
      << out;
  // One case, one report: a second kind (say, a child next to a pidfd) would be a second
  // resource the pattern leaks, or one the listener misclassified.
  EXPECT_EQ(CountOccurrences(out, kLeakReport), 1u) << out;
  EXPECT_NE(out.find("[  FAILED  ] " + name), std::string::npos) << out;
  EXPECT_NE(out.find(CheckedLine(1, 1)), std::string::npos) << out;
}

// The same pattern without the leak, as kCleanRuns separate cases: each gets its own listener
// verdict, so a single false positive (a settle race with a thread that is still exiting, an FD
// misread as added) fails this test.
TEST_P(DetectorCanary, NoFalsePositiveInThousandCleanRuns) {
  const PlantedKind& kind = GetParam();
  std::string prefix = "Clean." + std::string(kind.case_name);
  CommandResult r = RunLeaky({"--gtest_filter=" + prefix + "/*", "--gtest_repeat=1"});
  std::string out = Output(r);
  if (std::string why = SkipReason(out, prefix + "/0"); !why.empty()) GTEST_SKIP() << why;

  EXPECT_EQ(r.exit_code, 0) << "the clean " << kind.key << " pattern failed:\n" << Excerpt(out);
  EXPECT_EQ(out.find(kLeakReport), std::string::npos) << "a leak was reported in a clean run:\n"
                                                      << Excerpt(out);
  // Every case must have been checked: a snapshot that failed would let a case pass unchecked.
  EXPECT_EQ(out.find("leakwatch: cannot check"), std::string::npos) << Excerpt(out);
  EXPECT_NE(out.find(CheckedLine(kCleanRuns, 0)), std::string::npos) << Excerpt(out);
  EXPECT_NE(out.find("[  PASSED  ] " + std::to_string(kCleanRuns) + " tests."), std::string::npos)
      << "not all " << kCleanRuns << " clean cases ran and passed:\n"
      << Excerpt(out);
}

INSTANTIATE_TEST_SUITE_P(Kinds, DetectorCanary, ::testing::ValuesIn(kPlantedKinds),
                         [](const ::testing::TestParamInfo<PlantedKind>& info) {
                           return std::string(info.param.key);
                         });

// A new kind in fd_kind.h must come with a planted leak, or the detector would silently not
// check it.
TEST(DetectorCoverage, EveryResourceKindIsPlanted) {
  std::set<std::string> expected = {std::string(leakwatch::kThreadKey),
                                    std::string(leakwatch::kChildKey)};
  for (leakwatch::FdKind kind : leakwatch::AllFdKinds()) {
    expected.insert(std::string(leakwatch::FdKindName(kind)));
  }
  std::set<std::string> planted;
  for (const PlantedKind& kind : kPlantedKinds) planted.insert(std::string(kind.key));
  EXPECT_EQ(planted, expected);
}

// One-time lazy initialisation grows a count only in the first run: with --gtest_repeat=3 and
// one warm-up the measured runs show no growth, so the hunt must pass.
TEST(HuntCanary, LazyInitPassesARepeatHuntWithWarmup) {
  CommandResult r = RunLeaky(
      {"--gtest_filter=Hunt.LeaksOnFirstRunOnly", "--gtest_repeat=3", "--leakwatch_warmup=1"});
  std::string out = Output(r);
  EXPECT_EQ(r.exit_code, 0) << out;
  EXPECT_EQ(out.find(kLeakReport), std::string::npos) << out;
  EXPECT_EQ(CountOccurrences(out, "[ RUN      ] Hunt.LeaksOnFirstRunOnly"), 3u) << out;
  EXPECT_NE(out.find(CheckedLine(3, 0)), std::string::npos) << out;
}

// The control for the test above: the lazy pattern does leak in a single run, so its pass under
// the hunt is the repeat rule at work and not a pattern that never leaks.
TEST(HuntCanary, LazyInitFailsASingleRun) {
  CommandResult r = RunLeaky(
      {"--gtest_filter=Hunt.LeaksOnFirstRunOnly", "--gtest_repeat=1", "--leakwatch_hunt=off"});
  std::string out = Output(r);
  EXPECT_EQ(r.exit_code, 1) << out;
  EXPECT_TRUE(std::regex_search(out, LeakOfOne("eventfd"))) << out;
  EXPECT_NE(out.find(CheckedLine(1, 1)), std::string::npos) << out;
}

// Without flags (as ctest runs a case), the automatic hunt tells the two patterns apart.
TEST(HuntCanary, TheAutomaticHuntPassesLazyInitAndConfirmsALeakInEveryRun) {
  CommandResult lazy = RunLeaky({"--gtest_filter=Hunt.LeaksOnFirstRunOnly"});
  EXPECT_EQ(lazy.exit_code, 0) << Output(lazy);
  EXPECT_NE(Output(lazy).find("one-time initialisation, not a leak"), std::string::npos)
      << Output(lazy);
  CommandResult every = RunLeaky({"--gtest_filter=Hunt.LeaksEveryRun"});
  EXPECT_EQ(every.exit_code, 1) << Output(every);
  EXPECT_NE(Output(every).find("confirmed by a repeat hunt in a fresh process"), std::string::npos)
      << Output(every);
}

// A leak in every run must survive the hunt: reported once, in the last iteration, as the sum
// over the two measured runs (repeat_rule.h).
TEST(HuntCanary, LeakInEveryRunFailsARepeatHunt) {
  CommandResult r =
      RunLeaky({"--gtest_filter=Hunt.LeaksEveryRun", "--gtest_repeat=3", "--leakwatch_warmup=1"});
  std::string out = Output(r);
  EXPECT_EQ(r.exit_code, 1) << out;
  EXPECT_NE(out.find("leakwatch: case leaked 2 eventfd over 2 measured runs, growing in every one"),
            std::string::npos)
      << out;
  EXPECT_EQ(CountOccurrences(out, kLeakReport), 1u) << out;
  EXPECT_NE(out.find(CheckedLine(3, 1)), std::string::npos) << out;
}

}  // namespace
