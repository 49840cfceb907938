// json_reporter_test.cpp — the JSON report: golden file, every event with every field, the
// summary, UTF-8 safety, and the atomic write.
#include "json_reporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "child_process.h"
#include "golden.h"
#include "sample_run.h"

namespace leakwatch::run {
namespace {

using leakwatch::testing::ReadFile;
using leakwatch::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::SampleRun;
using testing::SampleTime;
using Json = nlohmann::json;

std::string Render(const std::vector<RunEvent>& events) {
  JsonReporter reporter("unused.json");
  for (const RunEvent& event : events) reporter.Report(event);
  return reporter.Render();
}

Json Parse(const std::string& text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(json.is_discarded()) << text;
  return json;
}

TEST(JsonReporterTest, MatchesGolden) {
  testing::ExpectMatchesGolden("run.json", Render(SampleRun()));
}

TEST(JsonReporterTest, HoldsEveryEventInOrder) {
  Json json = Parse(Render(SampleRun()));
  EXPECT_EQ(json["schema"], 2);
  ASSERT_EQ(json["events"].size(), SampleRun().size());
  std::vector<std::string> types;
  for (const Json& event : json["events"]) types.push_back(event["type"]);
  EXPECT_EQ(types.front(), "run-started");
  EXPECT_EQ(types.back(), "run-finished");
  for (const char* type : {"server-started", "server-stopped", "module-started", "module-not-run",
                           "case-finished", "module-finished"}) {
    EXPECT_NE(std::find(types.begin(), types.end(), type), types.end()) << type;
  }
  EXPECT_EQ(
      json["config"],
      Json({{"path", "examples/leakwatch.yaml"}, {"modules", 6}, {"jobs", 1}, {"shard", nullptr}}));
}

const Json& CaseNamed(const Json& json, const std::string& name) {
  for (const Json& event : json["events"]) {
    if (event["type"] == "case-finished" && event["name"] == name) return event;
  }
  ADD_FAILURE() << "no case " << name;
  static const Json kNone;
  return kNone;
}

// One entry per process that grew, each with its pid and command.
TEST(JsonReporterTest, CaseFinishedCarriesLeaksPerProcessAndStatus) {
  Json json = Parse(Render(SampleRun()));
  const Json& leak = CaseNamed(json, "Leaks.HelperSpawn");
  EXPECT_EQ(leak["status"], "LEAK");
  EXPECT_EQ(leak["failed"], true);
  EXPECT_EQ(leak["duration_us"], 34000);
  EXPECT_EQ(leak["at_unix_ms"], 1740830400400);
  EXPECT_EQ(leak["unchecked"], "");
  ASSERT_EQ(leak["leaks"].size(), 3u) << leak.dump(2);
  EXPECT_EQ(leak["leaks"][0],
            Json({{"target", "server"},
                  {"pid", 1012},
                  {"command", "bin/demo-server --port 40001 --workers 2"},
                  {"kinds", Json::array({{{"kind", "tcp"}, {"count", 1}}})},
                  {"details", Json::array({"fd 9 tcp socket:[81234] 127.0.0.1:40001 <- "
                                           "127.0.0.1:51234 ESTABLISHED"})}}));
  // The eventfd that worker 1013 also opened is within slack: neither counted nor listed.
  EXPECT_EQ(leak["leaks"][1]["pid"], 1013);
  EXPECT_EQ(leak["leaks"][1]["kinds"], Json::parse(R"([{"kind": "pidfd", "count": 1}])"));
  EXPECT_EQ(leak["leaks"][1]["details"].size(), 1u);
  EXPECT_EQ(leak["leaks"][2]["target"], "test");
  EXPECT_EQ(leak["leaks"][2]["kinds"], Json::parse(R"([{"kind": "thread", "count": 1}])"));
}

TEST(JsonReporterTest, UncheckedCasesCarryTheirReason) {
  Json json = Parse(Render(SampleRun()));
  const Json& unchecked = CaseNamed(json, "Leaks.NotDumpable");
  EXPECT_EQ(unchecked["status"], "UNCHECKED");
  EXPECT_EQ(unchecked["failed"], true);
  EXPECT_THAT(unchecked["unchecked"].get<std::string>(),
              HasSubstr("opening /proc/1012/fd: Permission denied"));
  // With on_unchecked: warn the test's own status stands, and the reason is still there.
  const Json& warned = CaseNamed(json, "Leaks.NotDumpableWarned");
  EXPECT_EQ(warned["status"], "PASS");
  EXPECT_EQ(warned["failed"], false);
  EXPECT_EQ(warned["unchecked"], unchecked["unchecked"]);
}

TEST(JsonReporterTest, RunFinishedCarriesTheTally) {
  Json json = Parse(Render(SampleRun()));
  const Json& finished = json["events"].back();
  ASSERT_EQ(finished["type"], "run-finished");
  EXPECT_EQ(finished["tally"]["by_status"].size(), kCaseStatusCount);
  EXPECT_EQ(finished["tally"]["by_status"]["UNCHECKED"], 1);
  EXPECT_EQ(finished["tally"]["by_status"]["LEAK"], 2);
  EXPECT_EQ(finished["tally"]["modules_not_run"], 1);
  EXPECT_EQ(finished["tally"]["leaked"], 2);
  EXPECT_EQ(finished["tally"]["unchecked"], 2);
}

TEST(JsonReporterTest, SummaryFollowsRunFinishedAndCountsStatuses) {
  Json summary = Parse(Render(SampleRun()))["summary"];
  EXPECT_EQ(summary["complete"], true);
  EXPECT_EQ(summary["passed"], 5);
  EXPECT_EQ(summary["failed"], 8);
  EXPECT_EQ(summary["leaked"], 2);
  EXPECT_EQ(summary["unchecked"], 2);
  EXPECT_EQ(summary["by_status"]["LEAK"], 2);
  EXPECT_EQ(summary["by_status"]["UNCHECKED"], 1);
  EXPECT_EQ(summary["by_status"]["NOT RUN"], 1);
  EXPECT_EQ(summary["by_status"]["SKIP"], 2);
  EXPECT_EQ(summary["modules_not_run"].size(), 1u);
  std::vector<std::string> failed;
  for (const Json& failure : summary["failures"]) failed.push_back(failure["name"]);
  EXPECT_THAT(failed,
              ElementsAre("Basics.Fails", "Leaks.HelperSpawn", "Leaks.Watchdog",
                          "Leaks.NotDumpable", "Crash.Abort", "Crash.After", "Hang.Forever"));
}

// The engine's tally is the one the exit code follows; the summary repeats it, not a recount.
TEST(JsonReporterTest, SummaryCountsAreRunFinishedsTally) {
  Json summary = Parse(Render({RunStarted{.at = SampleTime(0), .modules = 3},
                               RunFinished{.at = SampleTime(5),
                                           .tally = {.by_status = {2, 0, 0, 1, 0, 0, 0, 0, 4},
                                                     .modules_not_run = 3,
                                                     .unchecked = 5}}}))["summary"];
  EXPECT_EQ(summary["passed"], 3);
  EXPECT_EQ(summary["failed"], 7);
  EXPECT_EQ(summary["flaky"], 1);
  EXPECT_EQ(summary["unchecked"], 5);
  EXPECT_EQ(summary["by_status"]["UNCHECKED"], 4);
}

TEST(JsonReporterTest, IncompleteRunSaysSoAndTalliesWhatItGot) {
  std::vector<RunEvent> events = SampleRun();
  events.pop_back();
  Json summary = Parse(Render(events))["summary"];
  EXPECT_EQ(summary["complete"], false);
  EXPECT_EQ(summary["interrupted"], true);
  EXPECT_EQ(summary["passed"], 5);
  EXPECT_EQ(summary["failed"], 8);
  EXPECT_EQ(summary["by_status"]["UNCHECKED"], 1);
  EXPECT_EQ(summary["unchecked"], 2);
}

TEST(JsonReporterTest, ShardIsWritten) {
  Json json = Parse(Render({RunStarted{.at = SampleTime(0), .shard = std::make_pair(1, 3)}}));
  EXPECT_EQ(json["config"]["shard"], Json({{"index", 1}, {"total", 3}}));
}

TEST(JsonReporterTest, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  std::string text = Render({ModuleFinished{
      .at = SampleTime(1), .module = "m", .output_tail = "ok \xff\xfe \x01 \"q\" \xc3\xa9"}});
  Json json = Parse(text);
  EXPECT_EQ(json["events"][0]["output_tail"], "ok \xef\xbf\xbd\xef\xbf\xbd \x01 \"q\" \xc3\xa9");
  EXPECT_THAT(text, HasSubstr("\\u0001"));
}

TEST(JsonReporterTest, FinishWritesTheFileAtomically) {
  TempDir dir;
  const std::string path = dir.File("run.json");
  JsonReporter reporter(path);
  for (const RunEvent& event : SampleRun()) reporter.Report(event);
  Status written = reporter.Finish();
  ASSERT_TRUE(written.ok()) << written.error().message();
  EXPECT_EQ(ReadFile(path), reporter.Render());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(JsonReporterTest, FailedWriteNamesThePath) {
  TempDir dir;
  leakwatch::testing::WriteFile(dir.File("file"), "x");
  const std::string path = dir.File("file/run.json");  // under a regular file
  JsonReporter reporter(path);
  Status written = reporter.Finish();
  ASSERT_FALSE(written.ok());
  EXPECT_THAT(written.error().message(), HasSubstr("writing " + path + ": "));
}

}  // namespace
}  // namespace leakwatch::run
