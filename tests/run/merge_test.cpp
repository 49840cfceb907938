// merge_test.cpp — `leakwatch merge` end to end: the real binary runs two shards of a config
// (demo-server, GoogleTest modules), and merge must give what one run over all modules gives;
// overlapping and bad inputs are usage errors that name the file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "child_process.h"
#include "run_configs.h"

namespace leakwatch {
namespace {

using ::leakwatch::testing::BinPath;
using ::leakwatch::testing::CommandResult;
using ::leakwatch::testing::Config;
using ::leakwatch::testing::GtestModule;
using ::leakwatch::testing::ReadFile;
using ::leakwatch::testing::RunCommand;
using ::leakwatch::testing::TempDir;
using ::leakwatch::testing::WriteFile;
using ::testing::HasSubstr;
using json = nlohmann::json;

json ParseFile(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in, nullptr, /*allow_exceptions=*/false);
}

CommandResult Merge(std::vector<std::string> args) {
  args.insert(args.begin(), {BinPath("leakwatch"), "merge"});
  return RunCommand(args);
}

// The two shard runs are the slow part; every test merges the same two reports.
class MergeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    // m2 runs Attribution.Case3, which leaks an eventfd in the test process: one LEAK.
    WriteFile(dir_->File("leakwatch.yaml"),
              Config(GtestModule("m1", "Attribution.Case1:Attribution.Case2") +
                     GtestModule("m2", "Attribution.*") + GtestModule("m3", "Attribution.Case1")));
    for (int shard = 1; shard <= 2; ++shard) {
      const std::string report = Shard(shard);
      CommandResult run =
          RunCommand({BinPath("leakwatch"), "run", "-c", dir_->File("leakwatch.yaml"),
                      "--no-progress", "--shard", std::to_string(shard) + "/2", "--json", report});
      shard_exit_codes_.push_back(run.exit_code);
      shard_reports_.push_back(ParseFile(report));
    }
  }
  static void TearDownTestSuite() { dir_.reset(); }

  void SetUp() override {
    for (std::size_t i = 0; i < shard_reports_.size(); ++i) {
      ASSERT_THAT(shard_exit_codes_[i], ::testing::AnyOf(0, 1)) << "shard " << i + 1;
      ASSERT_FALSE(shard_reports_[i].is_discarded()) << "shard " << i + 1;
    }
  }

  static std::string Shard(int index) {
    return dir_->File("out/shard-" + std::to_string(index) + ".json");
  }
  static std::string File(const std::string& name) { return dir_->File(name); }

  static std::unique_ptr<TempDir> dir_;
  static std::vector<int> shard_exit_codes_;
  static std::vector<json> shard_reports_;
};

std::unique_ptr<TempDir> MergeTest::dir_;
std::vector<int> MergeTest::shard_exit_codes_;
std::vector<json> MergeTest::shard_reports_;

TEST_F(MergeTest, MergedJsonHasEveryModuleOnceAndTheSummedCounts) {
  CommandResult merge = Merge(
      {"-o", File("merged/run.json"), "--junit", File("merged/junit.xml"), Shard(1), Shard(2)});
  json merged = ParseFile(File("merged/run.json"));
  ASSERT_FALSE(merged.is_discarded()) << merge.out << merge.err;

  json sum = json::object();
  for (const json& report : shard_reports_) {
    for (const char* key : {"passed", "failed", "flaky", "skipped", "leaked", "unchecked"}) {
      sum[key] = sum.value(key, 0) + report["summary"][key].get<int>();
    }
  }
  const json& summary = merged["summary"];
  for (const char* key : {"passed", "failed", "flaky", "skipped", "leaked", "unchecked"}) {
    EXPECT_EQ(summary[key], sum[key]) << key;
  }
  EXPECT_EQ(summary["complete"], true);
  EXPECT_EQ(summary["passed"], 7);
  EXPECT_EQ(summary["failed"], 1);
  EXPECT_EQ(merge.exit_code, 1) << merge.err;
  EXPECT_EQ(merge.out, "merged 2 reports: 7 passed, 1 failed\n");
  EXPECT_EQ(merged["config"]["modules"], 3);
  EXPECT_EQ(merged["config"]["shard"], nullptr);

  const json& events = merged["events"];
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front()["type"], "run-started");
  EXPECT_EQ(events.back()["type"], "run-finished");
  std::map<std::string, int> starts;
  std::map<std::string, int> counts;
  for (const json& event : events) {
    ++counts[event["type"]];
    if (event["type"] == "module-started") ++starts[event["module"]];
  }
  EXPECT_EQ(starts, (std::map<std::string, int>{{"m1", 1}, {"m2", 1}, {"m3", 1}}));
  EXPECT_EQ(counts["run-started"], 1);
  EXPECT_EQ(counts["run-finished"], 1);
  EXPECT_EQ(counts["case-finished"], 8);
  // Every other event of the shards is there, none twice.
  std::size_t shard_events = 0;
  for (const json& report : shard_reports_) shard_events += report["events"].size() - 2;
  EXPECT_EQ(events.size(), shard_events + 2);
}

TEST_F(MergeTest, MergedJunitParsesWithOneSuitePerModule) {
  CommandResult merge = Merge({"--junit", File("suites/junit.xml"), Shard(1), Shard(2)});
  EXPECT_EQ(merge.exit_code, 1) << merge.err;
  CommandResult python =
      RunCommand({"/usr/bin/python3", "-c",
                  "import sys, xml.etree.ElementTree as ET\n"
                  "root = ET.parse(sys.argv[1]).getroot()\n"
                  "for s in root.iter('testsuite'):\n"
                  "    print(s.get('name'), s.get('tests'), s.get('failures'))\n",
                  File("suites/junit.xml")});
  ASSERT_EQ(python.exit_code, 0) << python.err;
  EXPECT_EQ(python.out, "m1 2 0\nm3 1 0\nm2 5 1\n");
}

TEST_F(MergeTest, ShardsAreMergedInShardOrderWhateverTheCommandLineOrder) {
  ASSERT_EQ(Merge({"-o", File("order/a.json"), Shard(1), Shard(2)}).exit_code, 1);
  ASSERT_EQ(Merge({"-o", File("order/b.json"), Shard(2), Shard(1)}).exit_code, 1);
  EXPECT_EQ(ReadFile(File("order/a.json")), ReadFile(File("order/b.json")));
}

TEST_F(MergeTest, ACleanShardAloneMergesToExitZero) {
  int clean = shard_reports_[0]["summary"]["failed"] == 0 ? 1 : 2;
  ASSERT_EQ(shard_reports_[clean - 1]["summary"]["failed"], 0);
  CommandResult merge = Merge({Shard(clean)});
  EXPECT_EQ(merge.exit_code, 0) << merge.err;
  EXPECT_THAT(merge.out, ::testing::MatchesRegex("merged 1 report: [0-9]+ passed, 0 failed\n"));
}

TEST_F(MergeTest, TheSameFileTwiceOverlapsAndBothAreNamed) {
  CommandResult merge = Merge({Shard(1), Shard(1)});
  EXPECT_EQ(merge.exit_code, 2);
  EXPECT_THAT(merge.err, HasSubstr(Shard(1) + " and " + Shard(1)));
  EXPECT_THAT(merge.err, HasSubstr("overlap"));
}

TEST_F(MergeTest, AModuleInTwoReportsIsAnOverlapNamingBothFiles) {
  // The same shard without its shard index, as an unsharded run of the same modules reports it.
  json copy = shard_reports_[0];
  copy["events"][0]["shard"] = nullptr;
  WriteFile(File("unsharded.json"), copy.dump());
  CommandResult merge = Merge({Shard(1), File("unsharded.json")});
  EXPECT_EQ(merge.exit_code, 2);
  EXPECT_THAT(merge.err,
              HasSubstr(Shard(1) + " and " + File("unsharded.json") + " both have module"));
}

// One report merged alone is the run itself: the reporter tests' golden files come back byte for
// byte, JUnit included (it is rebuilt from the JSON events only).
TEST_F(MergeTest, OneReportMergedAloneGivesItsOwnReportsBack) {
  const std::string testdata = std::string(LEAKWATCH_SOURCE_DIR) + "/runner/report/testdata";
  CommandResult merge = Merge(
      {"-o", File("alone/run.json"), "--junit", File("alone/junit.xml"), testdata + "/run.json"});
  EXPECT_EQ(merge.exit_code, 1) << merge.err;
  EXPECT_EQ(merge.out, "merged 1 report: 5 passed, 8 failed\n");
  EXPECT_EQ(ReadFile(File("alone/run.json")), ReadFile(testdata + "/run.json"));
  EXPECT_EQ(ReadFile(File("alone/junit.xml")), ReadFile(testdata + "/junit.xml"));
}

TEST_F(MergeTest, BadJsonIsAUsageErrorNamingTheFileAndPlace) {
  WriteFile(File("bad.json"), "{\"schema\": 2,\n  \"events\": [}\n");
  CommandResult merge = Merge({Shard(1), File("bad.json")});
  EXPECT_EQ(merge.exit_code, 2);
  EXPECT_THAT(merge.err, HasSubstr(File("bad.json") + ":2:"));
  EXPECT_THAT(merge.err, HasSubstr("invalid JSON"));
  EXPECT_TRUE(merge.out.empty()) << merge.out;
}

TEST_F(MergeTest, OtherBadInputsAreUsageErrors) {
  WriteFile(File("schema1.json"), R"({"schema": 1, "events": []})");
  CommandResult schema = Merge({File("schema1.json")});
  EXPECT_EQ(schema.exit_code, 2);
  EXPECT_THAT(schema.err, HasSubstr(File("schema1.json") + ": /schema: unsupported schema 1"));

  CommandResult missing = Merge({File("no-such.json")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("cannot read " + File("no-such.json")));

  EXPECT_EQ(Merge({}).exit_code, 2);
}

}  // namespace
}  // namespace leakwatch
