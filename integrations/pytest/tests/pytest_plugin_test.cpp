// The pytest plugin end to end: this test plays `leakwatch run` against a real pytest run of
// sample_cases.py with leakwatch_pytest loaded, checks the messages of every test and that its
// answers show in pytest's own output, JUnit XML and exit status.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "child_process.h"
#include "control_test_peer.h"

namespace leakwatch {
namespace {

using control::Message;
using control::MessageType;
using control::testing::AlwaysOk;
using control::testing::Answer;
using control::testing::Answerer;
using control::testing::PeerRun;
using control::testing::RunWithControlChannel;

constexpr char kPython[] = LEAKWATCH_PYTEST_PYTHON;  // "" when no python3 has pytest
constexpr char kPluginDir[] = LEAKWATCH_PYTEST_DIR;

class PytestPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(kPython).empty()) {
      GTEST_SKIP() << "no python3 with pytest was found at configure time (ci/bootstrap installs "
                      "python3-pytest)";
    }
  }

  static PeerRun RunPytest(const Answerer& answer, std::vector<std::string> env = {},
                           std::vector<std::string> extra = {},
                           const std::string& cases = "sample_cases.py") {
    const std::string dir = std::string(kPluginDir) + "/tests";
    std::vector<std::string> argv = {kPython, "-m", "pytest", "-p", "leakwatch_pytest"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(dir + "/" + cases);
    // Only our plugin (no others installed on the machine), no bytecode in the source tree, and
    // lines wide enough that pytest's summary lines are not cut.
    env.insert(env.end(), {"PYTHONPATH=" + std::string(kPluginDir), "PYTHONDONTWRITEBYTECODE=1",
                           "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1", "COLUMNS=200"});
    return RunWithControlChannel(argv, env, answer);
  }
};

Answer LeakForLeakedInServer(const Message& message) {
  if (message.type == MessageType::kCaseEnd &&
      message.case_id == "sample_cases.py::test_leaked_in_server") {
    return Answer::Reply("leak server: pidfd +1");
  }
  return Answer::Reply("ok");
}

// Every test of sample_cases.py in the order pytest runs them, as ids go on the wire.
const std::vector<std::string> kEverySampleCase = {"test_passes",
                                                   "test_fails",
                                                   "test_skipped",
                                                   "test_leaked_in_server",
                                                   "test_param[a%20b]",
                                                   "test_param[100%25]",
                                                   "test_channel_is_close_on_exec",
                                                   "TestGroup::test_method",
                                                   "test_teardown_error"};

// "hello", then a "plan" for each of `ids` (in `file`): how every conversation starts.
std::vector<std::string> Opening(const PeerRun& run, const std::vector<std::string>& ids,
                                 const std::string& file = "sample_cases.py") {
  std::vector<std::string> packets = {"hello 1 " + std::to_string(run.pid) + " pytest"};
  for (const std::string& id : ids) packets.push_back("plan " + file + "::" + id);
  return packets;
}

// The packets of a run of `cases` (id, outcome) one after the other, that said bye. The plan is
// `planned`, or else every id of `cases`, once each, in order.
std::vector<std::string> Conversation(const PeerRun& run,
                                      const std::vector<std::pair<std::string, std::string>>& cases,
                                      const std::string& file = "sample_cases.py",
                                      std::optional<std::vector<std::string>> planned = {}) {
  if (!planned) {
    planned.emplace();
    for (const auto& [id, outcome] : cases) {
      if (std::find(planned->begin(), planned->end(), id) == planned->end()) {
        planned->push_back(id);
      }
    }
  }
  std::vector<std::string> packets = Opening(run, *planned, file);
  for (const auto& [id, outcome] : cases) {
    packets.push_back("case-begin " + file + "::" + id);
    packets.push_back("case-end " + file + "::" + id + " " + outcome);
  }
  packets.push_back("bye");
  return packets;
}

TEST_F(PytestPluginTest, EveryTestIsAnnouncedAndTheLeakAnswerMakesThatTestAnError) {
  PeerRun run = RunPytest(LeakForLeakedInServer);
  // Node ids as pytest spells them, %-escaped on the wire ("a b" -> "a%20b", "%" -> "%25").
  EXPECT_EQ(run.packets, Conversation(run,
                                      {
                                          {"test_passes", "passed"},
                                          {"test_fails", "failed"},
                                          {"test_skipped", "skipped"},
                                          {"test_leaked_in_server", "passed"},
                                          {"test_param[a%20b]", "passed"},
                                          {"test_param[100%25]", "passed"},
                                          {"test_channel_is_close_on_exec", "passed"},
                                          {"TestGroup::test_method", "passed"},
                                          {"test_teardown_error", "failed"},
                                      }))
      << run.out << run.err;
  // Unescaped by the parser as they were before escaping.
  std::vector<std::string> begun;
  for (const Message& message : run.messages) {
    if (message.type == MessageType::kCaseBegin) begun.push_back(message.case_id);
  }
  ASSERT_EQ(begun.size(), 9u);
  EXPECT_EQ(begun[4], "sample_cases.py::test_param[a b]");
  EXPECT_EQ(begun[5], "sample_cases.py::test_param[100%]");

  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(std::regex_search(
      run.out, std::regex(R"(_ ERROR at teardown of test_leaked_in_server _+\n)"
                          R"(leakwatch: case leaked \(checked by leakwatch run\): server: )"
                          R"(pidfd \+1\n)")))
      << run.out;
  // The short summary names the test by its path from the working directory.
  EXPECT_TRUE(std::regex_search(
      run.out, std::regex(R"(\nERROR \S*sample_cases.py::test_leaked_in_server - leakwatch: case )"
                          R"(leaked \(checked by leakwatch run\): server: pidfd \+1\n)")))
      << run.out;
  EXPECT_NE(run.out.find("1 failed, 7 passed, 1 skipped, 2 errors"), std::string::npos)
      << "the leak is one error, the planted teardown error the other\n"
      << run.out;
  EXPECT_NE(run.out.find("leakwatch: 9 cases checked by leakwatch run, 1 leaked"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(run.err.find("leakwatch:"), std::string::npos) << run.err;
}

TEST_F(PytestPluginTest, LeakIsInTheJunitReport) {
  testing::TempDir dir;
  const std::string xml = dir.File("report.xml");
  PeerRun run = RunPytest(LeakForLeakedInServer, {},
                          {"-k", "leaked_in_server or passes", "--junitxml=" + xml});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  std::string report = testing::ReadFile(xml);
  EXPECT_TRUE(std::regex_search(
      report, std::regex(R"(<testcase classname="sample_cases" name="test_leaked_in_server")"
                         R"([^>]*>\s*<error message="failed on teardown with &quot;leakwatch: )"
                         R"(case leaked \(checked by leakwatch run\): server: pidfd \+1)")))
      << report;
}

TEST_F(PytestPluginTest, ARunnerThatNeverAnswersCostsOneTimeoutThenTheTestsRunOnTheirOwn) {
  auto silence = [](const Message&) { return Answer::Silence(); };
  PeerRun run = RunPytest(silence, {"LEAKWATCH_CONTROL_TIMEOUT=200ms"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  std::vector<std::string> expected = Opening(run, kEverySampleCase);
  expected.push_back("case-begin sample_cases.py::test_passes");
  EXPECT_EQ(run.packets, expected) << "after the timeout the plugin stops talking";
  EXPECT_EQ(run.err,
            "leakwatch: the runner did not answer case-begin sample_cases.py::test_passes within "
            "200 ms; carrying on without it\n");
  EXPECT_NE(run.out.find("1 failed, 6 passed, 2 skipped, 1 error"), std::string::npos)
      << "the planted failures only\n"
      << run.out;

  PeerRun passing = RunPytest(silence, {"LEAKWATCH_CONTROL_TIMEOUT=200ms"}, {"-k", "passes"});
  EXPECT_EQ(passing.exit_code, 0) << passing.out << passing.err;
}

TEST_F(PytestPluginTest, WithAnswersNoneEveryTestIsReportedAndNoneWaits) {
  // A silent runner and the default 60 s timeout: a plugin that waited would take minutes.
  PeerRun run = RunPytest([](const Message&) { return Answer::Silence(); },
                          {"LEAKWATCH_CONTROL_ANSWERS=none"}, {"-k", "passes or param"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.packets, Conversation(run,
                                      {
                                          {"test_passes", "passed"},
                                          {"test_param[a%20b]", "passed"},
                                          {"test_param[100%25]", "passed"},
                                      }))
      << run.out << run.err;
  EXPECT_EQ(run.err, "") << "no answer is no failure in this mode";
}

TEST_F(PytestPluginTest, ARunnerThatHangsUpIsLeftBehindAtOnce) {
  PeerRun run = RunPytest(
      [](const Message& message) {
        return message.type == MessageType::kCaseEnd ? Answer::HangUp() : Answer::Reply("ok");
      },
      {}, {"-k", "passes or param"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.packets.size(), 6u) << "hello, 3 plans, case-begin and case-end of the first";
  EXPECT_EQ(run.err,
            "leakwatch: the runner closed the control channel before answering case-end "
            "sample_cases.py::test_passes; carrying on without it\n");
  EXPECT_NE(run.out.find("3 passed"), std::string::npos) << run.out;
}

TEST_F(PytestPluginTest, AVariableThatNamesNoChannelIsIgnoredWithAWarning) {
  PeerRun run = RunPytest(AlwaysOk, {"LEAKWATCH_CONTROL_FD=none"}, {"-k", "passes"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(run.packets.empty());
  EXPECT_EQ(run.err,
            "leakwatch: ignoring LEAKWATCH_CONTROL_FD=none: not a file descriptor number\n");
}

// LEAKWATCH_SELECT: node ids as pytest spells them (unescaped), one a line.
TEST_F(PytestPluginTest, SelectRunsOnlyTheListedTestsAndDeselectsTheOthers) {
  PeerRun run = RunPytest(
      AlwaysOk,
      {"LEAKWATCH_SELECT=sample_cases.py::TestGroup::test_method\nsample_cases.py::test_param[a "
       "b]\n"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  // In the order of the collection, not of the list.
  EXPECT_EQ(run.packets, Conversation(run,
                                      {
                                          {"test_param[a%20b]", "passed"},
                                          {"TestGroup::test_method", "passed"},
                                      }))
      << run.out << run.err;
  EXPECT_NE(run.out.find("2 passed, 7 deselected"), std::string::npos) << run.out;
  EXPECT_EQ(run.err, "");
}

TEST_F(PytestPluginTest, ASelectedTestThatIsNotCollectedFailsTheSessionBeforeAnyTestRuns) {
  PeerRun run = RunPytest(AlwaysOk, {"LEAKWATCH_SELECT=sample_cases.py::test_passes\n"
                                     "sample_cases.py::test_gone\nsample_cases.py::test_param[x]"});
  EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
  EXPECT_EQ(run.packets, Conversation(run, {})) << run.out << run.err;
  EXPECT_NE(run.err.find("ERROR: LEAKWATCH_SELECT names a test that this run did not collect: "
                         "sample_cases.py::test_gone\n"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("ERROR: LEAKWATCH_SELECT names a test that this run did not collect: "
                         "sample_cases.py::test_param[x]\n"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("test_passes"), std::string::npos) << run.err;

  // Left out by the command's own -k: as good as not collected.
  PeerRun excluded =
      RunPytest(AlwaysOk, {"LEAKWATCH_SELECT=sample_cases.py::test_passes"}, {"-k", "test_method"});
  EXPECT_EQ(excluded.exit_code, 4) << excluded.out << excluded.err;
  EXPECT_NE(excluded.err.find("ERROR: LEAKWATCH_SELECT names a test that this run did not "
                              "collect: sample_cases.py::test_passes\n"),
            std::string::npos)
      << excluded.err;
}

TEST_F(PytestPluginTest, SelectAndRepeatWorkWithoutTheRunner) {
  PeerRun run = RunPytest(AlwaysOk, {"LEAKWATCH_CONTROL_FD=none", "LEAKWATCH_REPEAT=2",
                                     "LEAKWATCH_SELECT=sample_cases.py::test_passes"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(run.packets.empty());
  EXPECT_NE(run.out.find("2 passed, 8 deselected"), std::string::npos) << run.out;
}

// repeat_cases.py with LEAKWATCH_REPEAT=3, up to its planted failure in the second run of
// test_fails_in_second_run: (test, outcome) of each run.
std::vector<std::pair<std::string, std::string>> RepeatRunsUpToTheFailure() {
  return {{"test_first", "passed"},
          {"test_first", "passed"},
          {"test_first", "passed"},
          {"test_fails_in_second_run", "passed"},
          {"test_fails_in_second_run", "failed"}};
}

// LEAKWATCH_REPEAT: every run of a test is a case for the runner; fixtures wider than a function
// stay up from the first run to the last (repeat_cases.py logs them).
TEST_F(PytestPluginTest, RepeatRunsEachTestThatManyTimesAndKeepsWiderFixturesUp) {
  testing::TempDir dir;
  const std::string log = dir.File("fixtures.log");
  auto case_ends = std::make_shared<int>(0);
  PeerRun run = RunPytest(
      [case_ends](const Message& message) {
        if (message.type == MessageType::kCaseEnd &&
            message.case_id == "repeat_cases.py::test_last" && ++*case_ends == 2) {
          return Answer::Reply("leak server: pidfd +1");
        }
        return Answer::Reply("ok");
      },
      {"LEAKWATCH_REPEAT=3", "LEAKWATCH_SAMPLE_LOG=" + log}, {}, "repeat_cases.py");
  std::vector<std::pair<std::string, std::string>> runs = RepeatRunsUpToTheFailure();
  runs.insert(runs.end(), {{"test_fails_in_second_run", "passed"},
                           {"test_last", "passed"},
                           {"test_last", "passed"},
                           {"test_last", "passed"}});
  EXPECT_EQ(run.packets, Conversation(run, runs, "repeat_cases.py")) << run.out << run.err;
  EXPECT_EQ(testing::ReadFile(log),
            "module setup\n"
            "function setup\ntest_first\nfunction teardown\n"
            "function setup\ntest_first\nfunction teardown\n"
            "function setup\ntest_first\nfunction teardown\n"
            "test_fails_in_second_run 1\ntest_fails_in_second_run 2\ntest_fails_in_second_run 3\n"
            "function setup\ntest_last\nfunction teardown\n"
            "function setup\ntest_last\nfunction teardown\n"
            "function setup\ntest_last\nfunction teardown\n"
            "module teardown\n");
  // One failing run, one leaking run: the session fails; pytest counts every run.
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("1 failed, 8 passed, 1 error"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("leakwatch: 9 cases checked by leakwatch run, 1 leaked"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(run.err, "");
}

TEST_F(PytestPluginTest, RepeatStopsWithMaxfail) {
  PeerRun run = RunPytest(AlwaysOk, {"LEAKWATCH_REPEAT=3"}, {"-x"}, "repeat_cases.py");
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  // Every test is planned, though -x stops the run before the last.
  EXPECT_EQ(run.packets, Conversation(run, RepeatRunsUpToTheFailure(), "repeat_cases.py",
                                      std::vector<std::string>{
                                          "test_first", "test_fails_in_second_run", "test_last"}))
      << run.out << run.err;
}

TEST_F(PytestPluginTest, ABadRepeatValueFailsTheSessionBeforeTheRunnerIsGreeted) {
  for (const std::string value : {"0", "three", "-1", "2x"}) {
    PeerRun run = RunPytest(AlwaysOk, {"LEAKWATCH_REPEAT=" + value}, {}, "repeat_cases.py");
    EXPECT_EQ(run.exit_code, 4) << value << "\n" << run.out << run.err;
    EXPECT_TRUE(run.packets.empty()) << value;
    EXPECT_NE(
        run.err.find("ERROR: LEAKWATCH_REPEAT=\"" + value + "\" is not a whole number >= 1\n"),
        std::string::npos)
        << run.err;
  }
}

}  // namespace
}  // namespace leakwatch
