// console_reporter_test.cpp — the console stream: golden plain output, TTY colours and progress,
// cutting, and the summary's last line.
#include "console_reporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <sstream>

#include "golden.h"
#include "leakwatch/leak_report.h"
#include "report_text.h"
#include "sample_run.h"

namespace leakwatch::run {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::SampleRun;
using testing::SampleTime;

std::string Render(const std::vector<RunEvent>& events, bool is_tty, ConsoleOptions options = {},
                   bool note_reports = false) {
  std::ostringstream out;
  ConsoleReporter console(out, is_tty, options);
  for (const RunEvent& event : events) console.Report(event);
  if (note_reports) {
    console.NoteReportFile("out/run.json", Ok{});
    console.NoteReportFile("out/junit.xml", Ok{});
  }
  EXPECT_TRUE(console.Finish().ok());
  return out.str();
}

std::string LastLine(const std::string& text) {
  std::vector<std::string> lines = SplitLines(text);
  return lines.empty() ? "" : lines.back();
}

// NO_COLOR changes what a TTY gets; these tests decide it themselves.
class ConsoleReporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* value = getenv("NO_COLOR")) saved_no_color_ = value;
    unsetenv("NO_COLOR");
  }
  void TearDown() override {
    if (saved_no_color_)
      setenv("NO_COLOR", saved_no_color_->c_str(), 1);
    else
      unsetenv("NO_COLOR");
  }

 private:
  std::optional<std::string> saved_no_color_;
};

TEST_F(ConsoleReporterTest, PlainOutputMatchesGolden) {
  testing::ExpectMatchesGolden("console_plain.txt",
                               Render(SampleRun(), /*is_tty=*/false, {}, /*note_reports=*/true));
}

TEST_F(ConsoleReporterTest, LastLineIsPassedAndFailedFromTheEngine) {
  std::string text = Render(SampleRun(), false);
  EXPECT_EQ(LastLine(text), "5 passed, 8 failed");
  EXPECT_EQ(text.back(), '\n');
}

TEST_F(ConsoleReporterTest, PlainOutputHasNoEscapesOrCarriageReturns) {
  std::string text = Render(SampleRun(), false);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\r'), std::string::npos);
}

TEST_F(ConsoleReporterTest, CaseLinesLookLikeNextest) {
  std::string text = Render(SampleRun(), false);
  EXPECT_THAT(text, HasSubstr("\n     PASS [   0.012s] demo-clean Basics.Pass\n"));
  EXPECT_THAT(text, HasSubstr("\n     FAIL [   0.020s] demo-clean Basics.Fails\n"));
  EXPECT_THAT(text, HasSubstr("\n    FLAKY [   0.050s] demo-clean Basics.Retried"));
  EXPECT_THAT(text, HasSubstr("\n  TIMEOUT [   5.000s] demo-hang Hang.Forever\n"));
  EXPECT_THAT(text, HasSubstr("\n    CRASH [   0.100s] demo-crash Crash.Abort\n"));
  EXPECT_THAT(text, HasSubstr("\n  NOT RUN [   0.000s] demo-crash Crash.After\n"));
  EXPECT_THAT(text, HasSubstr("\n     SKIP [   0.000s] demo-clean Basics.Skipped\n"));
  EXPECT_THAT(text, HasSubstr("\n   SERVER demo-server pid 1030 on port 40001, ready in 0.084s "
                              "(respawned: crashed in demo-crash/Crash.Abort: killed by "
                              "SIGABRT)\n"));
  EXPECT_THAT(text, HasSubstr("\n  NOT RUN [   0.000s] demo-degraded\n"
                              "           module not run: pre-flight failed after a respawn"));
}

// The harness's summary on the case line; below it each detail, named by the process it is in.
TEST_F(ConsoleReporterTest, LeakLinesNameEveryProcessThatGrew) {
  const std::vector<RunEvent> sample = SampleRun();
  const std::vector<LeakReport>& leaks = testing::SampleCase(sample, "Leaks.HelperSpawn").leaks;
  ASSERT_EQ(leaks.size(), 3u);
  EXPECT_THAT(
      Render(sample, false),
      HasSubstr("\n     LEAK [   0.034s] demo-leaks Leaks.HelperSpawn  " + SummarizeLeaks(leaks) +
                "\n" + "           server pid 1012: " + leaks[0].details[0] + "\n" +
                "           server pid 1013: " + leaks[1].details[0] + "\n" +
                "           test pid 1011: " + leaks[2].details[0] + "\n"));
  EXPECT_THAT(SummarizeLeaks(leaks), HasSubstr("server: tcp +1 in pid 1012 (demo-server "));
}

TEST_F(ConsoleReporterTest, UncheckedShowsItsReasonBelowAndWarnOnTheLine) {
  const std::vector<RunEvent> sample = SampleRun();
  const std::string reason = testing::SampleCase(sample, "Leaks.NotDumpable").unchecked;
  ASSERT_FALSE(reason.empty());
  std::string text = Render(sample, false);
  EXPECT_THAT(text, HasSubstr("\nUNCHECKED [   0.004s] demo-leaks Leaks.NotDumpable\n"
                              "           " +
                              reason + "\n"));
  EXPECT_THAT(text, HasSubstr("\n     PASS [   0.003s] demo-leaks Leaks.NotDumpableWarned  "
                              "not checked (on_unchecked: warn): " +
                              reason + "\n"));
}

TEST_F(ConsoleReporterTest, UncheckedHasItsOwnColour) {
  std::string text = Render(SampleRun(), /*is_tty=*/true, {.progress = false});
  EXPECT_THAT(text, HasSubstr("\x1b[1;34mUNCHECKED\x1b[0m [   0.004s]"));
}

TEST_F(ConsoleReporterTest, LongMessagesAreCutInTheMiddle) {
  std::string text = Render(SampleRun(), false, {.max_message_lines = 6});
  EXPECT_THAT(text, HasSubstr("           server died: SIGABRT during Crash.Abort\n"
                              "           ... 13 more lines ...\n"));
  EXPECT_THAT(text, HasSubstr("assertion failed: queue.empty() (worker.cpp:88)\n"));
  EXPECT_THAT(text, Not(HasSubstr("handled request 5\n")));
}

TEST_F(ConsoleReporterTest, SummaryCountsStatusesAndListsFailures) {
  std::string text = Render(SampleRun(), false);
  std::size_t summary = text.find("------------\n");
  ASSERT_NE(summary, std::string::npos);
  std::string tail = text.substr(summary);
  EXPECT_THAT(tail,
              HasSubstr("  SUMMARY [   6.500s] 14 cases, 6 modules: PASS 4, FLAKY 1, SKIP 2, "
                        "FAIL 1, LEAK 2, UNCHECKED 1, TIMEOUT 1, CRASH 1, NOT RUN 1; 1 module "
                        "not run; 1 case not checked (on_unchecked: warn)\n"));
  EXPECT_THAT(tail, HasSubstr("     FAIL [   0.020s] demo-clean Basics.Fails\n"
                              "     LEAK [   0.034s] demo-leaks Leaks.HelperSpawn\n"
                              "     LEAK [   0.004s] demo-leaks Leaks.Watchdog\n"
                              "UNCHECKED [   0.004s] demo-leaks Leaks.NotDumpable\n"
                              "    CRASH [   0.100s] demo-crash Crash.Abort\n"
                              "  NOT RUN [   0.000s] demo-crash Crash.After\n"
                              "  TIMEOUT [   5.000s] demo-hang Hang.Forever\n"
                              "  NOT RUN [   0.000s] demo-degraded\n"));
}

TEST_F(ConsoleReporterTest, TtyGetsColoursAndAProgressLineThatIsClearedBeforeEveryLine) {
  std::string text = Render(SampleRun(), /*is_tty=*/true, {.width = 60});
  EXPECT_THAT(text, HasSubstr("\x1b[32m     PASS\x1b[0m"));
  EXPECT_THAT(text, HasSubstr("\x1b[1;35m     LEAK\x1b[0m"));
  // Cut to 59 columns: "demo-clean" does not fit.
  EXPECT_THAT(text, HasSubstr("\r\x1b[2K\x1b[1;36m  RUNNING\x1b[0m [   0.100s] 0/6 modules: 0 "
                              "passed, 0 failed; demo\r"));
  // Every progress line is drawn as "\r\x1b[2K<text>" and erased with "\r\x1b[2K" before the next
  // normal line, so no line of output starts with progress remnants.
  std::size_t at = 0;
  while ((at = text.find("RUNNING", at)) != std::string::npos) {
    std::size_t line_end = text.find_first_of("\r\n", at);
    ASSERT_NE(line_end, std::string::npos);
    EXPECT_EQ(text[line_end], '\r') << "a progress line was not cleared";
    EXPECT_LE(line_end - text.rfind("\x1b[2K", at), 60u + 20u);  // cut to the width (+ colour)
    at = line_end;
  }
  // The last line stays plain for scripts.
  EXPECT_EQ(LastLine(text), "5 passed, 8 failed");
}

TEST_F(ConsoleReporterTest, NoColorKeepsTheProgressLineButDropsColours) {
  setenv("NO_COLOR", "1", 1);
  std::string text = Render(SampleRun(), true);
  EXPECT_THAT(text, Not(HasSubstr("\x1b[3")));
  EXPECT_THAT(text, Not(HasSubstr("\x1b[1;")));
  EXPECT_THAT(text, HasSubstr("\r\x1b[2K  RUNNING ["));
}

TEST_F(ConsoleReporterTest, NoProgressOnATtyPrintsPlainLinesWithColours) {
  std::string text = Render(SampleRun(), true, {.progress = false});
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_THAT(text, HasSubstr("\x1b[32m     PASS\x1b[0m"));
}

TEST_F(ConsoleReporterTest, SummaryListsReportsAndWriteErrors) {
  std::ostringstream out;
  ConsoleReporter console(out, false);
  for (const RunEvent& event : SampleRun()) console.Report(event);
  console.NoteReportFile("out/run.json", Ok{});
  console.NoteReportFile("/x/junit.xml", Error(ErrorCode::kIo,
                                               "writing report /x/junit.xml: No "
                                               "space left on device"));
  ASSERT_TRUE(console.Finish().ok());
  EXPECT_THAT(out.str(),
              HasSubstr("  REPORTS out/run.json\n"
                        "    ERROR writing report /x/junit.xml: No space left on device\n"
                        "5 passed, 8 failed\n"));
}

TEST_F(ConsoleReporterTest, InterruptedAndInfrastructureErrorAreSaidAboveTheLastLine) {
  std::vector<RunEvent> events = {
      RunStarted{.at = SampleTime(0), .modules = 3},
      RunFinished{.at = SampleTime(900),
                  .duration = std::chrono::milliseconds(900),
                  .tally = {.modules_not_run = 3},
                  .interrupted = true,
                  .infrastructure_error = "the server never became ready: exited with "
                                          "code 1 after 0.2s"}};
  std::string text = Render(events, false);
  EXPECT_THAT(text,
              HasSubstr("    ERROR the server never became ready: exited with code 1 after 0.2s\n"
                        "     NOTE interrupted (Ctrl-C or SIGTERM): the results cover what ran "
                        "before\n"
                        "0 passed, 3 failed\n"));
}

TEST_F(ConsoleReporterTest, WithoutRunFinishedCountsWhatItSaw) {
  std::vector<RunEvent> events = SampleRun();
  events.pop_back();
  std::string text = Render(events, false);
  EXPECT_THAT(text, HasSubstr("     NOTE the run stopped before it finished"));
  // PASS 4 + FLAKY 1; FAIL, LEAK 2, UNCHECKED, TIMEOUT, CRASH, NOT RUN and the module not run.
  EXPECT_EQ(LastLine(text), "5 passed, 8 failed");
  EXPECT_THAT(text, HasSubstr(" 14 cases, 6 modules: PASS 4, "));
}

TEST_F(ConsoleReporterTest, LeakWithOnLeakWarnIsShownOnThePassLine) {
  CaseFinished warned{.at = SampleTime(10),
                      .module = "m",
                      .name = "c",
                      .status = CaseStatus::kPass,
                      .duration = std::chrono::milliseconds(1),
                      .leaks = {LeakReport{.target = "server",
                                           .kinds = {{"eventpoll", 2}},
                                           .details = {"fd 4 eventpoll", "fd 5 eventpoll"}}}};
  std::string text = Render({warned}, false, {.max_detail_lines = 1});
  EXPECT_THAT(text, AllOf(HasSubstr("     PASS [   0.001s] m c  leaked (on_leak: warn): " +
                                    SummarizeLeaks(warned.leaks) + "\n"),
                          HasSubstr("           server: fd 4 eventpoll\n"
                                    "           server: ... 1 more\n")));
  EXPECT_EQ(LastLine(text), "1 passed, 0 failed");
}

}  // namespace
}  // namespace leakwatch::run
