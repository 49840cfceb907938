// junit_reporter_test.cpp — JUnit XML: golden file, well-formedness (checked by Python's XML
// parser, not by us), escaping, partial reports, and the atomic write.
#include "junit_reporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "child_process.h"
#include "golden.h"
#include "leakwatch/leak_report.h"
#include "sample_run.h"

namespace leakwatch::run {
namespace {

using leakwatch::testing::CommandResult;
using leakwatch::testing::ReadFile;
using leakwatch::testing::RunCommand;
using leakwatch::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::SampleRun;
using testing::SampleTime;

std::string Render(const std::vector<RunEvent>& events) {
  JunitReporter junit("unused.xml");
  for (const RunEvent& event : events) junit.Report(event);
  return junit.Render();
}

// Parses `xml` with Python's parser and runs `script` with the root element as `r`; returns
// what the script prints, or the parser's complaint.
CommandResult ParseWithPython(const std::string& xml, const std::string& script) {
  return RunCommand({"/usr/bin/python3", "-c",
                     "import sys, xml.etree.ElementTree as E\n"
                     "r = E.parse(sys.stdin.buffer).getroot()\n" +
                         script},
                    xml);
}

TEST(JunitReporterTest, MatchesGolden) {
  testing::ExpectMatchesGolden("junit.xml", Render(SampleRun()));
}

TEST(JunitReporterTest, ParsesAsXmlWithOneSuitePerModule) {
  CommandResult result = ParseWithPython(
      Render(SampleRun()),
      "print(r.tag, r.get('tests'), r.get('failures'), r.get('errors'), r.get('skipped'))\n"
      "for s in r.findall('testsuite'):\n"
      "  print(s.get('name'), s.get('tests'), s.get('failures'), s.get('errors'),\n"
      "        s.get('skipped'), [e.get('type') for c in s.findall('testcase')\n"
      "                           for e in c if e.tag in ('failure', 'error')])\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "testsuites 15 7 1 2\n"
            "demo-clean 4 1 0 1 ['FAIL']\n"
            "demo-leaks 5 2 1 0 ['LEAK', 'LEAK', 'UNCHECKED']\n"
            "demo-crash 2 2 0 0 ['CRASH', 'NOT RUN']\n"
            "demo-hang 1 1 0 0 ['TIMEOUT']\n"
            "demo-degraded 1 1 0 0 ['NOT RUN']\n"
            "demo-pytest 2 0 0 1 []\n");
}

// The message is the harness's summary of every process that grew; the text names each process
// with its whole command, then what it holds.
TEST(JunitReporterTest, LeakFailureCarriesEveryProcessAndDetails) {
  const std::vector<RunEvent> sample = SampleRun();
  CommandResult result = ParseWithPython(
      Render(sample),
      "f = r.find(\"testsuite[@name='demo-leaks']/testcase[@name='Leaks.HelperSpawn']/failure\")\n"
      "print(f.get('message')); print(f.text, end='')\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::vector<LeakReport>& leaks = testing::SampleCase(sample, "Leaks.HelperSpawn").leaks;
  ASSERT_EQ(leaks.size(), 3u);
  EXPECT_EQ(result.out,
            SummarizeLeaks(leaks) + "\n" +
                "server pid 1012 (bin/demo-server --port 40001 --workers 2): tcp +1\n"
                "  " +
                leaks[0].details[0] + "\n" +
                "server pid 1013 (bin/demo-server --port 40001 --workers 2): pidfd +1\n"
                "  " +
                leaks[1].details[0] + "\n" +
                "test pid 1011 (tests/demo_leaks_test --gtest_filter=Leaks.*): thread +1\n"
                "  " +
                leaks[2].details[0] + "\n");
}

// UNCHECKED is an error, not a failure: the check went wrong, not the test.
TEST(JunitReporterTest, UncheckedIsAnErrorWithTheReason) {
  CommandResult result = ParseWithPython(
      Render(SampleRun()),
      "c = r.find(\"testsuite/testcase[@name='Leaks.NotDumpable']\")\n"
      "e = c.find('error')\n"
      "print(c.find('failure'), e.get('type'), e.get('message') == e.text.strip())\n"
      "print(e.get('message'))\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "None UNCHECKED True\n"
            "server: its \"after\" snapshot failed: process 1012 (bin/demo-server --port 40001 "
            "--workers 2) of the tree: opening /proc/1012/fd: Permission denied\n");
}

TEST(JunitReporterTest, UncheckedWithOnUncheckedWarnPassesWithANote) {
  CommandResult result = ParseWithPython(
      Render(SampleRun()),
      "c = r.find(\"testsuite/testcase[@name='Leaks.NotDumpableWarned']\")\n"
      "print(c.find('failure'), c.find('error'), c.find('system-out').text, end='')\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "None None not checked (on_unchecked: warn): server: its \"after\" snapshot failed: "
            "process 1012 (bin/demo-server --port 40001 --workers 2) of the tree: opening "
            "/proc/1012/fd: Permission denied\n");
}

TEST(JunitReporterTest, LeakWithOnLeakWarnPassesWithANote) {
  CaseFinished warned{.at = SampleTime(10),
                      .module = "m",
                      .name = "c",
                      .status = CaseStatus::kPass,
                      .leaks = {LeakReport{.target = "server",
                                           .pid = 42,
                                           .kinds = {{"eventpoll", 1}},
                                           .details = {"fd 4 eventpoll anon_inode:[eventpoll]"}}}};
  CommandResult result = ParseWithPython(
      Render({warned}),
      "c = r.find('testsuite/testcase')\n"
      "print(r.get('failures'), c.find('failure'), c.find('system-out').text, end='')\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "0 None leaked (on_leak: warn): " + SummarizeLeaks(warned.leaks) +
                            "\n"
                            "server pid 42: eventpoll +1\n"
                            "  fd 4 eventpoll anon_inode:[eventpoll]\n");
}

TEST(JunitReporterTest, FlakyPassesWithANote) {
  CommandResult result =
      ParseWithPython(Render(SampleRun()),
                      "c = r.find(\"testsuite/testcase[@name='Basics.Retried']\")\n"
                      "print(c.find('failure'), c.find('system-out').text, end='')\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "None flaky: passed on attempt 2\n");
}

TEST(JunitReporterTest, EscapesNamesMessagesAndControlCharactersAndRoundTrips) {
  const std::string name = "a<b>&\"c'\td\ne\r";
  CaseFinished c{.at = SampleTime(1),
                 .module = "m]]>",
                 .name = name,
                 .status = CaseStatus::kFail,
                 .message = "bad \x01\x1b[31m \xc3\xa9 \xff\xfe \xef\xbf\xbf ]]> end"};
  std::string xml = Render({c, RunFinished{.at = SampleTime(2)}});
  EXPECT_THAT(xml, Not(HasSubstr("]]>")));
  CommandResult result =
      ParseWithPython(xml,
                      "c = r.find('testsuite/testcase')\n"
                      "sys.stdout.buffer.write(repr(c.get('name')).encode() + b'|' + "
                      "c.get('classname').encode() + b'|' + c.find('failure').text.encode())\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // Attribute whitespace survives as character references; bytes that are not UTF-8 become
  // U+FFFD; control characters XML cannot carry are spelled out.
  EXPECT_EQ(result.out,
            "'a<b>&\"c\\'\\td\\ne\\r'|m]]>|bad \\x01\\x1b[31m \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd "
            "\xef\xbf\xbd ]]> end");
}

TEST(JunitReporterTest, InterruptedRunMarksEverySuite) {
  std::vector<RunEvent> events = SampleRun();
  std::get<RunFinished>(events.back()).interrupted = true;
  CommandResult result = ParseWithPython(Render(events),
                                         "print(len(r.findall(\"testsuite/properties/"
                                         "property[@name='interrupted'][@value='true']\")))\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "6\n");
}

TEST(JunitReporterTest, PartialReportWithoutRunFinishedIsValidAndMarked) {
  std::vector<RunEvent> events = SampleRun();
  events.resize(5);  // stopped during demo-clean
  std::string xml = Render(events);
  EXPECT_THAT(xml, HasSubstr("<property name=\"interrupted\" value=\"true\"/>"));
  CommandResult result = ParseWithPython(xml, "print(r.get('tests'))\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "2\n");
}

TEST(JunitReporterTest, InterruptedBeforeAnyModuleStillSaysSo) {
  std::string xml = Render(
      {RunStarted{.at = SampleTime(0)}, RunFinished{.at = SampleTime(5), .interrupted = true}});
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"leakwatch\" tests=\"0\""));
  EXPECT_THAT(xml, HasSubstr("<property name=\"interrupted\" value=\"true\"/>"));
  EXPECT_EQ(ParseWithPython(xml, "").exit_code, 0);
}

TEST(JunitReporterTest, InfrastructureErrorIsAnErrorSoTheRunIsNotGreen) {
  std::string xml = Render(
      {RunStarted{.at = SampleTime(0), .modules = 2},
       RunFinished{.at = SampleTime(5), .infrastructure_error = "the server never became ready"}});
  CommandResult result = ParseWithPython(
      xml, "e = r.find('testsuite/testcase/error')\nprint(r.get('errors'), e.get('message'))\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "1 the server never became ready\n");
}

TEST(JunitReporterTest, FinishWritesTheFileAtomically) {
  TempDir dir;
  const std::string path = dir.File("reports/junit.xml");
  JunitReporter junit(path);
  for (const RunEvent& event : SampleRun()) junit.Report(event);
  Status written = junit.Finish();
  ASSERT_TRUE(written.ok()) << written.error().message();
  EXPECT_EQ(ReadFile(path), junit.Render());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_EQ(junit.output_path(), path);
}

TEST(JunitReporterTest, FailedWriteNamesThePath) {
  TempDir dir;
  const std::string path = dir.path();  // a directory cannot be replaced by a file
  JunitReporter junit(path);
  Status written = junit.Finish();
  ASSERT_FALSE(written.ok());
  EXPECT_THAT(written.error().message(), HasSubstr("writing " + path + ": "));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

}  // namespace
}  // namespace leakwatch::run
