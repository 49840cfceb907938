// The listener's protocol mode end to end: this test plays `leakwatch run` against real GoogleTest
// binaries (lw-protocol-cases, lw-listener-cases) started with LEAKWATCH_CONTROL_FD, checks the
// messages of every case and that its answers show in the binary's own output and exit status.
#include <gtest/gtest.h>

#include <regex>

#include "child_process.h"
#include "control_test_peer.h"

namespace leakwatch {
namespace {

using control::CaseOutcome;
using control::Message;
using control::MessageType;
using control::testing::AlwaysOk;
using control::testing::Answer;
using control::testing::PeerRun;
using control::testing::RunWithControlChannel;
using testing::BinPath;

PeerRun RunProtocolCases(const std::string& filter, const control::testing::Answerer& answer,
                         std::vector<std::string> env = {}, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {BinPath("lw-protocol-cases"), "--gtest_filter=" + filter};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return RunWithControlChannel(argv, env, answer);
}

std::string Hello(const PeerRun& run) {
  return "hello 1 " + std::to_string(run.pid) + " gtest";
}

// "hello", then a "plan" for each of `ids`: how every conversation starts.
std::vector<std::string> Opening(const PeerRun& run, const std::vector<std::string>& ids) {
  std::vector<std::string> packets = {Hello(run)};
  for (const std::string& id : ids) packets.push_back("plan " + id);
  return packets;
}

// The packets of a run that planned and ran `cases` (id, outcome) one after the other and said
// bye.
std::vector<std::string> Conversation(const PeerRun& run,
                                      const std::vector<std::pair<std::string, std::string>>& cases,
                                      bool bye = true) {
  std::vector<std::string> ids;
  for (const auto& [id, outcome] : cases) ids.push_back(id);
  std::vector<std::string> packets = Opening(run, ids);
  for (const auto& [id, outcome] : cases) {
    packets.push_back("case-begin " + id);
    packets.push_back("case-end " + id + " " + outcome);
  }
  if (bye) packets.push_back("bye");
  return packets;
}

int CountOf(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

Answer LeakForLeakedInServer(const Message& message) {
  if (message.type == MessageType::kCaseEnd && message.case_id == "Protocol.LeakedInServer") {
    return Answer::Reply("leak server: pidfd +1");
  }
  return Answer::Reply("ok");
}

TEST(ProtocolModeTest, EveryCaseIsAnnouncedAndTheLeakAnswerFailsExactlyThatCase) {
  PeerRun run = RunProtocolCases("*", LeakForLeakedInServer);
  EXPECT_EQ(run.packets, Conversation(run,
                                      {
                                          {"ProtocolDeathTest.ChildIsQuiet", "passed"},
                                          {"Protocol.Passes", "passed"},
                                          {"Protocol.Fails", "failed"},
                                          {"Protocol.Skipped", "skipped"},
                                          {"Protocol.LeaksEventfdInProcess", "passed"},
                                          {"Protocol.LeakedInServer", "passed"},
                                          {"Protocol.ChannelIsCloseOnExec", "passed"},
                                          {"Each/Param.Case/0", "passed"},
                                          {"Each/Param.Case/1", "passed"},
                                      }))
      << run.out << run.err;
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(std::regex_search(
      run.out,
      std::regex(R"(\[ RUN      \] Protocol.LeakedInServer\n[^\n]*protocol_cases.cpp:\d+: )"
                 R"(Failure\nFailed\nleakwatch: case leaked \(checked by leakwatch run\): )"
                 R"(server: pidfd \+1\n\[  FAILED  \] Protocol.LeakedInServer)")))
      << run.out;
  EXPECT_EQ(CountOf(run.out, "leakwatch: case leaked"), 1) << run.out;
  EXPECT_NE(run.out.find(" 2 FAILED TESTS"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("[  FAILED  ] Protocol.Fails"), std::string::npos);
  EXPECT_NE(run.out.find("[       OK ] Protocol.LeaksEventfdInProcess"), std::string::npos)
      << "in protocol mode the runner checks this process; the listener does not\n"
      << run.out;
  EXPECT_NE(run.out.find("[       OK ] ProtocolDeathTest.ChildIsQuiet"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("leakwatch: 9 cases checked by leakwatch run, 1 leaked"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(run.err.find("leakwatch:"), std::string::npos) << run.err;
}

TEST(ProtocolModeTest, LeakIsInTheXmlReport) {
  testing::TempDir dir;
  std::string xml = dir.File("report.xml");
  PeerRun run = RunProtocolCases("Protocol.Passes:Protocol.LeakedInServer", LeakForLeakedInServer,
                                 {}, {"--gtest_output=xml:" + xml});
  EXPECT_EQ(run.exit_code, 1);
  std::string report = testing::ReadFile(xml);
  EXPECT_NE(report.find("failures=\"1\""), std::string::npos) << report;
  EXPECT_TRUE(std::regex_search(
      report, std::regex(R"(<testcase name="LeakedInServer"[^>]*>\s*<failure message="[^"]*)"
                         R"(protocol_cases.cpp:\d+&#x0A;Failed&#x0A;leakwatch: case leaked )"
                         R"(\(checked by leakwatch run\): server: pidfd \+1)")))
      << report;
}

TEST(ProtocolModeTest, ListenerCasesLeakingInProcessAreLeftToTheRunner) {
  PeerRun run = RunWithControlChannel(
      {BinPath("lw-listener-cases"), "--gtest_filter=Sequence.*:Leaky.Eventfd"}, {}, AlwaysOk);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.packets, Conversation(run, {
                                               {"Leaky.Eventfd", "passed"},
                                               {"Sequence.CleanFirst", "passed"},
                                               {"Sequence.LeaksSecond", "passed"},
                                               {"Sequence.CleanThird", "passed"},
                                           }));
  EXPECT_EQ(run.out.find("leakwatch: case leaked"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("leakwatch: 4 cases checked by leakwatch run, 0 leaked"),
            std::string::npos)
      << run.out;
}

TEST(ProtocolModeTest, ARunnerThatNeverAnswersCostsOneTimeoutThenTheTestsRunOnTheirOwn) {
  const std::string filter =
      "Protocol.Passes:Protocol.Fails:Protocol.Skipped:Protocol.LeaksEventfdInProcess";
  PeerRun run = RunProtocolCases(filter, [](const Message&) { return Answer::Silence(); },
                                 {"LEAKWATCH_CONTROL_TIMEOUT=200ms"});
  EXPECT_EQ(run.exit_code, 1) << "Protocol.Fails fails; nothing else does\n" << run.out << run.err;
  std::vector<std::string> expected = Opening(
      run,
      {"Protocol.Passes", "Protocol.Fails", "Protocol.Skipped", "Protocol.LeaksEventfdInProcess"});
  expected.push_back("case-begin Protocol.Passes");
  EXPECT_EQ(run.packets, expected) << "after the timeout the client stops talking";
  EXPECT_EQ(run.err,
            "leakwatch: the runner did not answer case-begin Protocol.Passes within 200 ms; "
            "carrying on without it\n");
  EXPECT_NE(run.out.find("[       OK ] Protocol.Passes"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("[  FAILED  ] Protocol.Fails"), std::string::npos);
  EXPECT_NE(run.out.find("[       OK ] Protocol.LeaksEventfdInProcess"), std::string::npos)
      << "no fallback to in-process checks halfway through a run";
  EXPECT_NE(run.out.find("leakwatch: 0 cases checked by leakwatch run, 0 leaked"),
            std::string::npos)
      << run.out;

  PeerRun passing = RunProtocolCases("Protocol.Passes:Protocol.Skipped",
                                     [](const Message&) { return Answer::Silence(); },
                                     {"LEAKWATCH_CONTROL_TIMEOUT=200ms"});
  EXPECT_EQ(passing.exit_code, 0) << passing.out << passing.err;
}

TEST(ProtocolModeTest, ARunnerThatHangsUpIsLeftBehindAtOnce) {
  PeerRun run = RunProtocolCases("Protocol.Passes:Protocol.Skipped", [](const Message& message) {
    return message.type == MessageType::kCaseEnd ? Answer::HangUp() : Answer::Reply("ok");
  });
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  std::vector<std::string> expected = Opening(run, {"Protocol.Passes", "Protocol.Skipped"});
  expected.push_back("case-begin Protocol.Passes");
  expected.push_back("case-end Protocol.Passes passed");
  EXPECT_EQ(run.packets, expected);
  EXPECT_EQ(run.err,
            "leakwatch: the runner closed the control channel before answering case-end "
            "Protocol.Passes; carrying on without it\n");
}

TEST(ProtocolModeTest, WarnModeReportsTheRunnersLeakWithoutFailing) {
  PeerRun run =
      RunProtocolCases("Protocol.LeakedInServer", LeakForLeakedInServer, {}, {"--leakwatch=warn"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.err.find("leakwatch: case leaked (checked by leakwatch run): server: pidfd +1 "
                         "[--leakwatch=warn: not failed]"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.out.find("1 leaked (warn only)"), std::string::npos) << run.out;
}

TEST(ProtocolModeTest, AVariableThatNamesNoChannelFallsBackToInProcessChecks) {
  PeerRun run =
      RunWithControlChannel({BinPath("lw-listener-cases"), "--gtest_filter=Leaky.Eventfd"},
                            {"LEAKWATCH_CONTROL_FD=none"}, AlwaysOk);
  EXPECT_TRUE(run.packets.empty());
  EXPECT_EQ(run.err,
            "leakwatch: ignoring LEAKWATCH_CONTROL_FD=none: not a file descriptor number\n");
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(run.out.find("leakwatch: case leaked 1 eventfd (slack 0)"), std::string::npos)
      << run.out;
}

TEST(ProtocolModeTest, OffMeansNoChecksAndNoProtocol) {
  PeerRun run =
      RunProtocolCases("Protocol.LeakedInServer", LeakForLeakedInServer, {}, {"--leakwatch=off"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(run.packets.empty());
}

}  // namespace
}  // namespace leakwatch
