// `leakwatch merge` on shard reports that the real JsonReporter writes from events: the merged
// run-finished carries the shards' RunTally summed (UNCHECKED and the warn counts included), the
// last line and the exit code follow it, UNCHECKED stays a JUnit error, a shard that stopped early
// is tallied from its events, and a report of another schema is refused. tests/run/merge_test.cpp
// merges real shard runs; this needs no server.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_test_util.h"
#include "events.h"
#include "json_reporter.h"
#include "reporter.h"

namespace leakwatch::testing {
namespace {

using run::CaseFinished;
using run::CaseStatus;
using run::RunEvent;
using Json = nlohmann::json;

run::Clock::time_point At(int ms) {
  return run::Clock::time_point(std::chrono::seconds(1740830400)) + std::chrono::milliseconds(ms);
}

const char* const kReason =
    "server: its \"after\" snapshot failed: opening /proc/77/fd: "
    "Permission denied";

// Shard 1 of 2: m1 with a pass, an UNCHECKED case and a pass under on_unchecked: warn.
std::vector<RunEvent> Shard1() {
  std::vector<RunEvent> events = {
      run::RunStarted{.at = At(0), .config_path = "ci.yaml", .modules = 1, .shard = {{0, 2}}},
      run::ModuleStarted{.at = At(1), .module = "m1", .pid = 10},
      CaseFinished{.at = At(2), .module = "m1", .name = "A.Pass", .status = CaseStatus::kPass},
      CaseFinished{.at = At(3),
                   .module = "m1",
                   .name = "A.Unreadable",
                   .status = CaseStatus::kUnchecked,
                   .unchecked = kReason},
      CaseFinished{.at = At(4),
                   .module = "m1",
                   .name = "A.Warned",
                   .status = CaseStatus::kPass,
                   .unchecked = kReason},
      run::ModuleFinished{.at = At(5), .module = "m1", .exit_code = 0},
  };
  events.push_back(run::RunFinished{.at = At(6), .tally = run::TallyOf(events)});
  return events;
}

// Shard 2 of 2: m2 leaks in two workers of the server; m3 never started.
std::vector<RunEvent> Shard2(bool finished = true) {
  std::vector<RunEvent> events = {
      run::RunStarted{.at = At(0), .config_path = "ci.yaml", .modules = 2, .shard = {{1, 2}}},
      run::ModuleStarted{.at = At(1), .module = "m2", .pid = 20},
      CaseFinished{.at = At(2),
                   .module = "m2",
                   .name = "B.Leaks",
                   .status = CaseStatus::kLeak,
                   .leaks = {LeakReport{.target = "server",
                                        .pid = 31,
                                        .command = "demo-server --workers 2",
                                        .kinds = {{"tcp", 1}},
                                        .details = {"fd 9 tcp socket:[81234]"}},
                             LeakReport{.target = "server",
                                        .pid = 32,
                                        .command = "demo-server --workers 2",
                                        .kinds = {{"pidfd", 1}},
                                        .details = {"fd 7 pidfd anon_inode:[pidfd]"}}}},
      run::ModuleFinished{.at = At(3), .module = "m2", .exit_code = 1},
      run::ModuleNotRun{.at = At(4), .module = "m3", .reason = "pre-flight failed"},
  };
  if (finished) events.push_back(run::RunFinished{.at = At(5), .tally = run::TallyOf(events)});
  return events;
}

std::string WriteReport(const TempDir& dir, const std::string& name,
                        const std::vector<RunEvent>& events) {
  run::JsonReporter reporter(dir.File(name));
  for (const RunEvent& event : events) reporter.Report(event);
  Status written = reporter.Finish();
  EXPECT_TRUE(written.ok()) << written.error().message();
  return dir.File(name);
}

Json ReadJson(const std::string& path) {
  return Json::parse(ReadFile(path), nullptr, /*allow_exceptions=*/false);
}

TEST(MergeCommandTest, RunFinishedCarriesTheShardsTalliesSummed) {
  TempDir dir;
  const std::string one = WriteReport(dir, "shard-1.json", Shard1());
  const std::string two = WriteReport(dir, "shard-2.json", Shard2());
  CommandResult r = RunLeakwatch({"merge", "-o", dir.File("merged.json"), one, two});
  // PASS 2; UNCHECKED, LEAK and the module not run fail.
  EXPECT_EQ(r.out, "merged 2 reports: 2 passed, 3 failed\n") << r.err;
  EXPECT_EQ(r.exit_code, 1) << r.err;

  Json merged = ReadJson(dir.File("merged.json"));
  ASSERT_FALSE(merged.is_discarded()) << r.err;
  EXPECT_EQ(merged["schema"], 2);
  const Json& tally = merged["events"].back()["tally"];
  ASSERT_EQ(merged["events"].back()["type"], "run-finished");
  // Every count is the sum of the shards' run-finished counts.
  const Json shards[] = {ReadJson(one), ReadJson(two)};
  for (const char* key : {"modules_not_run", "leaked", "unchecked"}) {
    EXPECT_EQ(tally[key], shards[0]["events"].back()["tally"][key].get<int>() +
                              shards[1]["events"].back()["tally"][key].get<int>())
        << key;
  }
  for (CaseStatus status : run::kAllCaseStatuses) {
    const char* name = run::CaseStatusName(status);
    EXPECT_EQ(tally["by_status"][name],
              shards[0]["events"].back()["tally"]["by_status"][name].get<int>() +
                  shards[1]["events"].back()["tally"]["by_status"][name].get<int>())
        << name;
  }
  EXPECT_EQ(tally["by_status"]["UNCHECKED"], 1);
  EXPECT_EQ(tally["unchecked"], 2);
  EXPECT_EQ(tally["leaked"], 1);
  EXPECT_EQ(merged["summary"]["unchecked"], 2);
  EXPECT_EQ(merged["summary"]["failed"], 3);
}

// The merged report is what one run would have written: every event field survives, the reasons
// and the leaks of each process included.
TEST(MergeCommandTest, EventsSurviveTheMergeWithReasonsAndLeaksPerProcess) {
  TempDir dir;
  const std::string one = WriteReport(dir, "shard-1.json", Shard1());
  const std::string two = WriteReport(dir, "shard-2.json", Shard2());
  ASSERT_EQ(RunLeakwatch({"merge", "-o", dir.File("merged.json"), two, one}).exit_code, 1);
  Json merged = ReadJson(dir.File("merged.json"));
  ASSERT_FALSE(merged.is_discarded());
  std::vector<Json> cases;
  for (const Json& event : merged["events"]) {
    if (event["type"] == "case-finished") cases.push_back(event);
  }
  ASSERT_EQ(cases.size(), 4u);
  // Shard order, whatever the order on the command line.
  EXPECT_EQ(cases[1]["name"], "A.Unreadable");
  EXPECT_EQ(cases[1]["status"], "UNCHECKED");
  EXPECT_EQ(cases[1]["unchecked"], kReason);
  EXPECT_EQ(cases[2]["status"], "PASS");
  EXPECT_EQ(cases[2]["unchecked"], kReason);
  ASSERT_EQ(cases[3]["leaks"].size(), 2u);
  EXPECT_EQ(cases[3]["leaks"][1]["pid"], 32);
  EXPECT_EQ(cases[3]["leaks"][1]["command"], "demo-server --workers 2");
}

TEST(MergeCommandTest, UncheckedIsAJunitError) {
  TempDir dir;
  const std::string one = WriteReport(dir, "shard-1.json", Shard1());
  const std::string two = WriteReport(dir, "shard-2.json", Shard2());
  CommandResult r = RunLeakwatch({"merge", "--junit", dir.File("junit.xml"), one, two});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const std::string xml = ReadFile(dir.File("junit.xml"));
  EXPECT_NE(xml.find("<testsuites name=\"leakwatch\" tests=\"5\" failures=\"2\" errors=\"1\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testsuite name=\"m1\" tests=\"3\" failures=\"0\" errors=\"1\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("type=\"UNCHECKED\">server: its \"after\" snapshot failed"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<system-out>not checked (on_unchecked: warn): server: its"),
            std::string::npos)
      << xml;
}

TEST(MergeCommandTest, AShardThatStoppedEarlyIsTalliedFromItsEvents) {
  TempDir dir;
  const std::string one = WriteReport(dir, "shard-1.json", Shard1());
  const std::string two = WriteReport(dir, "shard-2.json", Shard2(/*finished=*/false));
  CommandResult r = RunLeakwatch({"merge", "-o", dir.File("merged.json"), one, two});
  EXPECT_EQ(r.out, "merged 2 reports: 2 passed, 3 failed\n") << r.err;
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(two + ": the run stopped without run-finished"), std::string::npos) << r.err;
  Json merged = ReadJson(dir.File("merged.json"));
  ASSERT_FALSE(merged.is_discarded());
  EXPECT_NE(merged["events"].back()["type"], "run-finished");
  EXPECT_EQ(merged["summary"]["complete"], false);
  EXPECT_EQ(merged["summary"]["by_status"]["UNCHECKED"], 1);
  EXPECT_EQ(merged["summary"]["unchecked"], 2);
}

TEST(MergeCommandTest, AReportOfAnotherSchemaIsRefused) {
  TempDir dir;
  WriteFile(dir.File("old.json"), R"({"schema": 1, "events": []})");
  CommandResult r = RunLeakwatch({"merge", dir.File("old.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(dir.File("old.json") +
                       ": /schema: unsupported schema 1 (this leakwatch reads schema 2)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace leakwatch::testing
