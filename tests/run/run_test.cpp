// run_test.cpp — `leakwatch run` end to end: the real binary, demo-server, real GoogleTest and
// pytest modules, configs written per test into a fresh directory.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "child_process.h"
#include "run_configs.h"
#include "run_result.h"

namespace leakwatch {
namespace {

using ::leakwatch::testing::BinPath;
using ::leakwatch::testing::CaseNamed;
using ::leakwatch::testing::ChildProcess;
using ::leakwatch::testing::CommandResult;
using ::leakwatch::testing::Config;
using ::leakwatch::testing::GtestModule;
using ::leakwatch::testing::PidThatAnswered;
using ::leakwatch::testing::ProcessesStartedBy;
using ::leakwatch::testing::ReadFile;
using ::leakwatch::testing::RunCommand;
using ::leakwatch::testing::RunLeakwatch;
using ::leakwatch::testing::RunResult;
using ::leakwatch::testing::TempDir;
using ::leakwatch::testing::WriteFile;
using ::testing::HasSubstr;
using json = nlohmann::json;

std::string SourceDir() {
  // build/bin/../.. is not the source tree in general; the CMake file passes it.
  return LEAKWATCH_SOURCE_DIR;
}

TEST(RunTest, ALeakIsBlamedOnTheCaseThatLeakedInServerAndTestProcess) {
  TempDir dir;
  RunResult run = RunLeakwatch(
      dir, Config(GtestModule("attribution", "Attribution.*", "      LW_SERVER_LEAK: \"1\"\n")));
  EXPECT_EQ(run.command.exit_code, 1) << run.command.out << run.command.err;
  EXPECT_EQ(run.status["attribution Attribution.Case1"], "PASS");
  EXPECT_EQ(run.status["attribution Attribution.Case2"], "PASS");
  EXPECT_EQ(run.status["attribution Attribution.Case3"], "LEAK");
  EXPECT_EQ(run.status["attribution Attribution.Case4"], "PASS");
  EXPECT_EQ(run.status["attribution Attribution.Case5"], "PASS");
  ASSERT_EQ(run.cases.size(), 5u);
  const json& leak = run.cases[2];
  ASSERT_EQ(leak["leaks"].size(), 2u) << leak.dump();
  std::map<std::string, json> by_target;
  for (const json& report : leak["leaks"]) by_target[report["target"]] = report["kinds"];
  EXPECT_EQ(by_target["server"], json::parse(R"([{"kind":"pidfd","count":1}])"));
  EXPECT_EQ(by_target["test"], json::parse(R"([{"kind":"eventfd","count":1}])"));
  for (int i : {0, 1, 3, 4}) EXPECT_TRUE(run.cases[i]["leaks"].empty()) << run.cases[i].dump();
  // Run again alone (hunt: auto, the default), it grew every time: a leak, not initialisation.
  EXPECT_THAT(leak["message"].get<std::string>(), HasSubstr("confirmed by a repeat hunt"));
  EXPECT_THAT(run.command.out, HasSubstr("LEAK"));
  EXPECT_THAT(run.command.out, ::testing::EndsWith("4 passed, 1 failed\n"));
}

// Every case-finished event of a module comes before its module-finished, retried and hunted
// cases included: reporters that group by module (JUnit) rely on it.
void ExpectCasesBeforeTheirModuleEnds(const RunResult& run) {
  std::set<std::string> finished;
  for (const json& event : run.report["events"]) {
    const std::string module = event.value("module", "");
    if (event["type"] == "module-finished") finished.insert(module);
    if (event["type"] == "case-finished") {
      EXPECT_FALSE(finished.contains(module))
          << event["name"] << " is reported after module-finished of " << module;
    }
  }
  EXPECT_FALSE(finished.empty());
}

TEST(RunTest, ALeakInAWorkerOfAPreForkServerIsBlamedOnThatCaseAndThatWorker) {
  TempDir dir;
  // No hunt: the reruns may be served by other workers, and this test follows one request.
  RunResult run = RunLeakwatch(dir, Config(GtestModule("workers", "Workers.*"),
                                           "checks:\n  hunt: off\n", "", " --workers 2"));
  EXPECT_EQ(run.command.exit_code, 1) << run.command.out << run.command.err;
  EXPECT_EQ(run.status["workers Workers.ThreeHundredCleanRequests"], "PASS");
  EXPECT_EQ(run.status["workers Workers.LeaksASocketInAWorker"], "LEAK");
  EXPECT_EQ(run.status["workers Workers.CleanAfterTheLeak"], "PASS");
  EXPECT_EQ(run.status["workers Workers.RetiresAWorker"], "PASS")
      << "a worker the server replaced is paired with the one it replaced";
  EXPECT_EQ(run.status["workers Workers.CleanAfterTheRetirement"], "PASS");
  for (const json& c : run.cases) {
    if (c["name"] != "Workers.LeaksASocketInAWorker") {
      EXPECT_TRUE(c["leaks"].empty()) << c.dump();
      continue;
    }
    ASSERT_EQ(c["leaks"].size(), 1u) << c.dump();
    const json& leak = c["leaks"][0];
    EXPECT_EQ(leak["target"], "server");
    EXPECT_EQ(leak["kinds"], json::parse(R"([{"kind":"tcp","count":1}])"));
    EXPECT_EQ(leak["command"], "demo-server: worker process");
    const pid_t worker = PidThatAnswered(run, "socket");
    EXPECT_NE(worker, 0) << run.command.out;
    EXPECT_EQ(leak["pid"], worker) << "the worker that served the request";
    EXPECT_THAT(run.command.out, HasSubstr("server: tcp +1 in pid " + std::to_string(worker) +
                                           " (demo-server: worker process)"));
  }
  for (const json& event : run.report["events"]) {
    if (event["type"] == "module-started") {
      EXPECT_NE(event["server_pid"], PidThatAnswered(run, "socket"))
          << "the worker, not the master";
    }
  }
}

TEST(RunTest, ACaseThatCannotBeCheckedIsUncheckedWithTheReasonAndFailsTheRun) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run leakwatch as another user";
  // leakwatch runs unprivileged (as nobody, as do the server and the module it starts). The
  // server makes itself non-dumpable mid-module: its /proc/PID/fd is then root's, and the
  // runner can no longer count what it holds.
  TempDir dir;
  ::chmod(dir.path().c_str(), 0777);
  RunResult run = RunLeakwatch(dir, Config(GtestModule("unchecked", "Unchecked.*")), {},
                               /*as_nobody=*/true);
  EXPECT_EQ(run.command.exit_code, 1) << run.command.out << run.command.err;
  EXPECT_EQ(run.status["unchecked Unchecked.Before"], "PASS") << run.command.out;
  EXPECT_EQ(run.status["unchecked Unchecked.MakesTheServerNonDumpable"], "UNCHECKED");
  EXPECT_EQ(run.status["unchecked Unchecked.After"], "UNCHECKED");
  const json& after = CaseNamed(run, "Unchecked.After");
  const std::string reason = after["unchecked"];
  EXPECT_THAT(reason, HasSubstr("server: cannot read /proc/"));
  EXPECT_THAT(reason, HasSubstr("Permission denied"));
  EXPECT_THAT(reason, HasSubstr("is not dumpable")) << "the cause, not a wrong user";
  EXPECT_EQ(run.report["summary"]["by_status"]["UNCHECKED"], 2);
  EXPECT_THAT(run.command.out, HasSubstr("UNCHECKED"));
  EXPECT_THAT(run.command.out, ::testing::EndsWith("1 passed, 2 failed\n"));

  WriteFile(dir.File("leakwatch.yaml"),
            Config(GtestModule("unchecked", "Unchecked.*"), "checks:\n  on_unchecked: warn\n"));
  RunResult warned = RunLeakwatch(dir, ReadFile(dir.File("leakwatch.yaml")), {}, true);
  EXPECT_EQ(warned.command.exit_code, 0) << warned.command.out << warned.command.err;
  EXPECT_EQ(warned.status["unchecked Unchecked.After"], "PASS");
  EXPECT_THAT(CaseNamed(warned, "Unchecked.After")["unchecked"].get<std::string>(),
              HasSubstr("Permission denied"));
}

TEST(RunTest, WithOnLeakWarnALeakIsReportedButDoesNotFail) {
  TempDir dir;
  RunResult run = RunLeakwatch(
      dir, Config(GtestModule("attribution", "Attribution.*"), "checks:\n  on_leak: warn\n"));
  EXPECT_EQ(run.command.exit_code, 0) << run.command.out << run.command.err;
  EXPECT_EQ(run.status["attribution Attribution.Case3"], "PASS");
  ASSERT_EQ(run.cases.size(), 5u);
  EXPECT_EQ(run.cases[2]["leaks"][0]["target"], "test");
  EXPECT_EQ(run.report["summary"]["leaked"], 1);
  EXPECT_THAT(run.command.out, ::testing::EndsWith("5 passed, 0 failed\n"));
}

TEST(RunTest, SuppressionsAcceptAKnownLeakOfTheCaseTheyName) {
  TempDir dir;
  WriteFile(dir.File("suppressions.yaml"),
            "suppressions:\n  - name: planted-eventfd\n    kind: eventfd\n"
            "    test: \"^Attribution\\\\.Case3$\"\n");
  RunResult run = RunLeakwatch(dir, Config(GtestModule("attribution", "Attribution.*"),
                                           "checks:\n  suppressions: suppressions.yaml\n"));
  EXPECT_EQ(run.command.exit_code, 0) << run.command.out << run.command.err;
  EXPECT_EQ(run.status["attribution Attribution.Case3"], "PASS");
  EXPECT_TRUE(run.cases.at(2)["leaks"].empty()) << run.cases.at(2).dump();
}

TEST(RunTest, ABaselineWrittenOnceMakesTheNextRunFailOnlyOnNewLeaks) {
  TempDir dir;
  const std::string modules =
      GtestModule("attribution", "Attribution.*", "      LW_SERVER_LEAK: \"1\"\n");
  RunResult first =
      RunLeakwatch(dir, Config(modules), {"--write-suppressions", dir.File("baseline.yaml")});
  EXPECT_EQ(first.command.exit_code, 1) << first.command.out << first.command.err;
  EXPECT_EQ(first.status["attribution Attribution.Case3"], "LEAK");
  const std::string baseline = ReadFile(dir.File("baseline.yaml"));
  EXPECT_THAT(baseline, HasSubstr("kind: pidfd"));
  EXPECT_THAT(baseline, HasSubstr("kind: eventfd"));
  EXPECT_THAT(baseline, HasSubstr("# server: pidfd +1 in pid "));
  EXPECT_THAT(first.command.out, HasSubstr(dir.File("baseline.yaml"))) << "listed as a report";

  RunResult next = RunLeakwatch(dir, Config(modules + GtestModule("hunt", "Hunt.EveryRun"),
                                            "checks:\n  suppressions: baseline.yaml\n"));
  EXPECT_EQ(next.command.exit_code, 1) << next.command.out;
  EXPECT_EQ(next.status["attribution Attribution.Case3"], "PASS") << "accepted by the baseline";
  EXPECT_EQ(next.status["hunt Hunt.EveryRun"], "LEAK") << "a new leak still fails";

  RunResult same = RunLeakwatch(dir, Config(modules, "checks:\n  suppressions: baseline.yaml\n"),
                                {"--write-suppressions", dir.File("baseline.yaml")});
  EXPECT_EQ(same.command.exit_code, 2) << "rewriting the baseline in use would drop its entries";
  EXPECT_THAT(same.command.err, HasSubstr("is the run's own checks.suppressions file"));
}

TEST(RunTest, FailedCasesAreRetriedAndOneThatPassesOnARetryIsFlaky) {
  TempDir dir;
  RunResult run = RunLeakwatch(
      dir,
      Config(GtestModule("flaky", "Flaky.*", "      LW_FLAKY_FILE: " + dir.File("marker") + "\n"),
             "retries: 2\n"));
  EXPECT_EQ(run.command.exit_code, 1) << run.command.out;
  ASSERT_EQ(run.cases.size(), 2u) << run.command.out;  // one result per case: the last attempt
  for (const json& c : run.cases) {
    if (c["name"] == "Flaky.FailsOnce") {
      EXPECT_EQ(c["status"], "FLAKY");
      EXPECT_EQ(c["attempt"], 2);
    } else {
      EXPECT_EQ(c["status"], "FAIL");
      EXPECT_EQ(c["attempt"], 3);
    }
  }
  EXPECT_EQ(run.report["summary"]["flaky"], 1);
  EXPECT_THAT(run.command.out, ::testing::EndsWith("1 passed, 1 failed\n"));
  ExpectCasesBeforeTheirModuleEnds(run);
}

TEST(RunTest, ALeakIsNeverRetriedAway) {
  TempDir dir;
  RunResult run =
      RunLeakwatch(dir, Config(GtestModule("attribution", "Attribution.*"), "retries: 3\n"));
  EXPECT_EQ(run.status["attribution Attribution.Case3"], "LEAK");
  EXPECT_EQ(run.cases.at(2)["attempt"], 1);
}

TEST(RunTest, ARepeatHuntTellsOneTimeInitialisationFromALeak) {
  TempDir dir;
  // Without a hunt both cases leak an eventfd on their first run.
  RunResult plain =
      RunLeakwatch(dir, Config(GtestModule("hunt", "Hunt.*"), "checks:\n  hunt: off\n"));
  EXPECT_EQ(plain.status["hunt Hunt.OnceOnly"], "LEAK") << plain.command.out;
  EXPECT_EQ(plain.status["hunt Hunt.EveryRun"], "LEAK") << plain.command.out;

  RunResult run = RunLeakwatch(
      dir, Config(GtestModule("hunt", "Hunt.*"), "checks:\n  hunt: {warmup: 1, runs: 3}\n"));
  EXPECT_EQ(run.command.exit_code, 1) << run.command.out << run.command.err;
  ASSERT_EQ(run.cases.size(), 2u) << run.command.out;  // one result per case: the hunt's
  const json& once = CaseNamed(run, "Hunt.OnceOnly");
  EXPECT_EQ(once["status"], "PASS") << once.dump();
  EXPECT_TRUE(once["leaks"].empty()) << once.dump();
  EXPECT_THAT(once["message"].get<std::string>(),
              HasSubstr("grew on its first run (test: eventfd +1 in pid "));
  EXPECT_THAT(once["message"].get<std::string>(),
              HasSubstr("), but a repeat hunt (1 warm-up run, then 3 measured runs) found "
                        "nothing that grew in every measured run"));
  const json& every = CaseNamed(run, "Hunt.EveryRun");
  EXPECT_EQ(every["status"], "LEAK") << every.dump();
  ASSERT_EQ(every["leaks"].size(), 1u) << every.dump();
  EXPECT_EQ(every["leaks"][0]["target"], "test");
  EXPECT_EQ(every["leaks"][0]["kinds"], json::parse(R"([{"kind":"eventfd","count":1}])"))
      << "the last run's own growth";
  EXPECT_THAT(every["message"].get<std::string>(), HasSubstr("confirmed by a repeat hunt"));
  EXPECT_THAT(every["message"].get<std::string>(), HasSubstr("(test: eventfd +3 in all)"))
      << "summed over the three measured runs";
  ExpectCasesBeforeTheirModuleEnds(run);
  EXPECT_THAT(run.command.out, ::testing::EndsWith("1 passed, 1 failed\n"));
}

// A pytest module `name` running tests/testprogs/`file` through the plugin; `env` holds more env
// lines (each indented by six spaces). --rootdir fixes the node ids ("file::test"): without an
// ini file pytest takes the common ancestor of the working directory (the test's temporary one)
// and the test file, which depends on the machine.
std::string PytestModule(const std::string& name, const std::string& file,
                         const std::string& env = "") {
  const std::string dir = SourceDir() + "/tests/testprogs";
  return "  - name: " + name +
         "\n    framework: pytest\n    command: /usr/bin/python3 -m pytest -q -p "
         "no:cacheprovider -p leakwatch_pytest --rootdir " +
         dir + " " + dir + "/" + file + "\n    env:\n      PYTHONPATH: " + SourceDir() +
         "/integrations/pytest\n" + env;
}

// Failed cases retried and leaked ones hunted by node id.
TEST(RunTest, PytestCasesAreRetriedAndHuntedOneByOne) {
  TempDir dir;
  const std::string module = PytestModule("py", "pytest_run_cases.py",
                                          "      LW_FLAKY_FILE: " + dir.File("marker") + "\n");
  RunResult run =
      RunLeakwatch(dir, Config(module, "retries: 1\nchecks:\n  hunt: {warmup: 1, runs: 2}\n"));
  EXPECT_EQ(run.command.exit_code, 1) << run.command.out << run.command.err;
  ASSERT_EQ(run.cases.size(), 3u) << run.command.out;
  const json& flaky = CaseNamed(run, "pytest_run_cases.py::test_fails_once");
  EXPECT_EQ(flaky["status"], "FLAKY") << flaky.dump();
  EXPECT_EQ(flaky["attempt"], 2);
  const json& once = CaseNamed(run, "pytest_run_cases.py::test_once_only");
  EXPECT_EQ(once["status"], "PASS") << once.dump();
  EXPECT_TRUE(once["leaks"].empty()) << once.dump();
  const json& every = CaseNamed(run, "pytest_run_cases.py::test_every_run");
  EXPECT_EQ(every["status"], "LEAK") << every.dump();
  ASSERT_EQ(every["leaks"].size(), 1u) << every.dump();
  EXPECT_EQ(every["leaks"][0]["kinds"], json::parse(R"([{"kind":"eventfd","count":1}])"))
      << "the last run's own growth";
  EXPECT_THAT(every["message"].get<std::string>(), HasSubstr("(test: eventfd +2 in all)"))
      << "summed over the measured runs";
}

// With nothing to check, modules are told not to wait for answers (LEAKWATCH_CONTROL_ANSWERS):
// every case is still reported on its own, with the framework's outcome.
TEST(RunTest, WithChecksOffEveryCaseIsStillReportedOnItsOwn) {
  TempDir dir;
  RunResult run =
      RunLeakwatch(dir, Config(GtestModule("unchecked", "Attribution.*:Flaky.AlwaysFails"),
                               "checks: {targets: []}\n"));
  EXPECT_EQ(run.command.exit_code, 1) << run.command.out << run.command.err;
  ASSERT_EQ(run.cases.size(), 6u) << run.command.out;
  EXPECT_EQ(run.status["unchecked Attribution.Case3"], "PASS") << "its leak is not looked for";
  EXPECT_TRUE(CaseNamed(run, "Attribution.Case3")["leaks"].empty());
  EXPECT_EQ(run.status["unchecked Flaky.AlwaysFails"], "FAIL");
  EXPECT_THAT(run.command.out, ::testing::EndsWith("5 passed, 1 failed\n"));
  // The listener's own tally: no case was answered, because none waited for an answer.
  std::string tail;
  for (const json& event : run.report["events"]) {
    if (event["type"] == "module-finished") tail = event["output_tail"];
  }
  EXPECT_THAT(tail, HasSubstr("leakwatch: 0 cases checked by leakwatch run, 0 leaked")) << tail;
}

TEST(RunTest, ACleanRunPassesAndExitsZero) {
  TempDir dir;
  RunResult run = RunLeakwatch(
      dir, Config(GtestModule("clean", "Attribution.Case1:Attribution.Case2") +
                  "  - name: orders\n    command: " + BinPath("demo_orders_test") + "\n"));
  EXPECT_EQ(run.command.exit_code, 0) << run.command.out << run.command.err;
  EXPECT_EQ(run.cases.size(), 5u);
  for (const json& c : run.cases) EXPECT_EQ(c["status"], "PASS") << c.dump();
  EXPECT_THAT(run.command.out, ::testing::EndsWith("5 passed, 0 failed\n"));
}

TEST(RunTest, AServerCrashCostsItsModuleAndTheNextRunsOnAFreshServer) {
  TempDir dir;
  RunResult run =
      RunLeakwatch(dir, Config("  - name: ui-crash\n    command: " + BinPath("demo_ui_crash_test") +
                               "\n" + GtestModule("after", "Attribution.Case1")));
  EXPECT_EQ(run.command.exit_code, 1);
  EXPECT_EQ(run.status["ui-crash UiLoop.Opens"], "PASS");
  EXPECT_EQ(run.status["ui-crash UiLoop.ClosesAWidgetTwice"], "CRASH");
  EXPECT_EQ(run.status["ui-crash UiLoop.NeverReached"], "NOT RUN");
  EXPECT_EQ(run.status["after Attribution.Case1"], "PASS");
  for (const json& c : run.cases) {
    if (c["status"] == "CRASH") {
      EXPECT_THAT(c["message"].get<std::string>(), HasSubstr("server died: killed by SIGABRT"));
      EXPECT_THAT(c["message"].get<std::string>(), HasSubstr("assertion failed"));
    }
  }
  std::set<int> server_pids;
  for (const json& event : run.report["events"]) {
    if (event["type"] == "server-started") server_pids.insert(event["pid"].get<int>());
    if (event["type"] == "module-started" && event["module"] == "after") {
      EXPECT_TRUE(event["fresh_server"].get<bool>());
      EXPECT_THAT(event["server_note"].get<std::string>(), HasSubstr("SIGABRT"));
    }
  }
  EXPECT_EQ(server_pids.size(), 2u);
}

TEST(RunTest, ADegradedServerIsRespawnedAndTheReasonNamed) {
  TempDir dir;
  RunResult run =
      RunLeakwatch(dir, Config("  - name: shutdown\n    command: " + BinPath("demo_shutdown_test") +
                                   "\n" + GtestModule("after", "Attribution.Case1"),
                               "", "  respawn: on-failure\n"));
  EXPECT_EQ(run.command.exit_code, 0) << run.command.out;
  EXPECT_EQ(run.status["after Attribution.Case1"], "PASS");
  bool named = false;
  for (const json& event : run.report["events"]) {
    if (event["type"] == "server-started") {
      named |=
          event["reason"].get<std::string>().find("worker pool shut down") != std::string::npos;
    }
  }
  EXPECT_TRUE(named) << run.command.out;
}

TEST(RunTest, WithRespawnNeverADegradedServerMakesLaterModulesNotRunWithTheDirtyState) {
  TempDir dir;
  RunResult run =
      RunLeakwatch(dir, Config("  - name: shutdown\n    command: " + BinPath("demo_shutdown_test") +
                                   "\n" + GtestModule("after", "Attribution.Case1"),
                               "", "  respawn: never\n"));
  EXPECT_EQ(run.command.exit_code, 1);
  bool not_run = false;
  for (const json& event : run.report["events"]) {
    if (event["type"] == "module-not-run" && event["module"] == "after") {
      not_run = true;
      EXPECT_THAT(event["reason"].get<std::string>(),
                  HasSubstr("dirty state: server degraded since shutdown"));
      EXPECT_THAT(event["reason"].get<std::string>(), HasSubstr("worker pool shut down"));
    }
  }
  EXPECT_TRUE(not_run) << run.command.out;
}

TEST(RunTest, ATestProcessThatAbortsIsACrashAndItsLaterCasesAreNotRun) {
  TempDir dir;
  RunResult run = RunLeakwatch(dir, Config(GtestModule("abort", "Abort.*")));
  EXPECT_EQ(run.command.exit_code, 1);
  EXPECT_EQ(run.status["abort Abort.Case1"], "PASS");
  EXPECT_EQ(run.status["abort Abort.Case2"], "CRASH");
  EXPECT_EQ(run.status["abort Abort.Case3"], "NOT RUN");
}

// The plugin's plan names the tests the crash kept from running.
TEST(RunTest, APytestProcessThatAbortsIsACrashAndItsLaterTestsAreNotRun) {
  TempDir dir;
  RunResult run = RunLeakwatch(dir, Config(PytestModule("py", "pytest_abort_cases.py")));
  EXPECT_EQ(run.command.exit_code, 1) << run.command.out << run.command.err;
  EXPECT_EQ(run.status["py pytest_abort_cases.py::test_before"], "PASS") << run.command.out;
  EXPECT_EQ(run.status["py pytest_abort_cases.py::test_aborts"], "CRASH");
  EXPECT_EQ(run.status["py pytest_abort_cases.py::test_after"], "NOT RUN");
}

TEST(RunTest, ACaseThatNeverEndsTimesOutAndTheModuleIsStopped) {
  TempDir dir;
  RunResult run = RunLeakwatch(
      dir, Config(GtestModule("hang", "Hang.*") + GtestModule("after", "Attribution.Case1"),
                  "timeouts:\n  case: 300ms\n"));
  EXPECT_EQ(run.command.exit_code, 1);
  EXPECT_EQ(run.status["hang Hang.Forever"], "TIMEOUT");
  EXPECT_EQ(run.status["after Attribution.Case1"], "PASS");
}

TEST(RunTest, TwoJobsRunTwoServersOnDistinctPorts) {
  TempDir dir;
  RunResult run = RunLeakwatch(
      dir, Config(GtestModule("a", "Attribution.Case1") + GtestModule("b", "Attribution.Case2")),
      {"--jobs", "2"});
  EXPECT_EQ(run.command.exit_code, 0) << run.command.out;
  std::set<int> ports, workers;
  for (const json& event : run.report["events"]) {
    if (event["type"] == "server-started") {
      ports.insert(event["port"].get<int>());
      workers.insert(event["worker"].get<int>());
    }
  }
  EXPECT_EQ(ports.size(), 2u);
  EXPECT_EQ(workers, (std::set<int>{0, 1}));
}

TEST(RunTest, ShardsCoverEveryModuleExactlyOnce) {
  TempDir dir;
  std::string modules;
  for (int i = 1; i <= 5; ++i) {
    modules += GtestModule("m" + std::to_string(i), "Attribution.Case1");
  }
  std::multiset<std::string> seen;
  for (int shard = 1; shard <= 3; ++shard) {
    RunResult run = RunLeakwatch(dir, Config(modules), {"--shard", std::to_string(shard) + "/3"});
    EXPECT_EQ(run.command.exit_code, 0) << run.command.out;
    for (const json& c : run.cases) seen.insert(c["module"].get<std::string>());
  }
  EXPECT_EQ(seen, (std::multiset<std::string>{"m1", "m2", "m3", "m4", "m5"}));
}

TEST(RunTest, GtestShardVariablesPickTheShardAndDoNotReachTheModules) {
  TempDir dir;
  std::string modules;
  for (int i = 1; i <= 2; ++i) modules += GtestModule("m" + std::to_string(i), "Attribution.*");
  WriteFile(dir.File("leakwatch.yaml"), Config(modules));
  CommandResult result =
      RunCommand({"/usr/bin/env", "GTEST_TOTAL_SHARDS=2", "GTEST_SHARD_INDEX=1",
                  BinPath("leakwatch"), "run", "-c", dir.File("leakwatch.yaml"), "--no-progress"});
  // Shard 1 of 2 is m2 alone, with all five of its cases (the variables were not passed on,
  // or GoogleTest would have sharded the cases too); Case3 leaks.
  EXPECT_THAT(result.out, HasSubstr("m2 Attribution.Case5"));
  EXPECT_THAT(result.out, ::testing::Not(HasSubstr("m1 ")));
  EXPECT_THAT(result.out, ::testing::EndsWith("4 passed, 1 failed\n"));
}

TEST(RunTest, APytestModuleIsCheckedCaseByCase) {
  TempDir dir;
  RunResult run = RunLeakwatch(
      dir,
      Config("  - name: search\n    framework: pytest\n    command: /usr/bin/python3 -m "
             "pytest -q -p no:cacheprovider -p leakwatch_pytest " +
             SourceDir() + "/examples/demo-tests/test_search.py\n    env:\n      PYTHONPATH: " +
             SourceDir() + "/integrations/pytest\n"));
  EXPECT_EQ(run.command.exit_code, 0) << run.command.out << run.command.err;
  EXPECT_EQ(run.cases.size(), 2u) << run.command.out;
  for (const json& c : run.cases) {
    EXPECT_EQ(c["status"], "PASS");
    EXPECT_THAT(c["name"].get<std::string>(), HasSubstr("test_search.py::"));
  }
}

TEST(RunTest, APlainModuleIsCheckedAsAWhole) {
  TempDir dir;
  RunResult run = RunLeakwatch(
      dir, Config("  - name: leaky-script\n    framework: plain\n    command: /usr/bin/python3 -c "
                  "\"import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + "
                  "os.environ['LEAKWATCH_SERVER_PORT'] + '/leak/eventfd').read()\"\n"));
  EXPECT_EQ(run.command.exit_code, 1) << run.command.out << run.command.err;
  ASSERT_EQ(run.cases.size(), 1u);
  EXPECT_EQ(run.cases[0]["status"], "LEAK");
  EXPECT_EQ(run.cases[0]["leaks"][0]["kinds"], json::parse(R"([{"kind":"eventfd","count":1}])"));
}

TEST(RunTest, AServerThatNeverBecomesReadyIsAnInfrastructureError) {
  TempDir dir;
  WriteFile(dir.File("leakwatch.yaml"),
            "server:\n  command: sh -c \"echo cannot bind >&2; exit 4\"\n  ready: "
            "\"tcp:127.0.0.1:{port}\"\nmodules:\n" +
                GtestModule("a", "Attribution.Case1"));
  CommandResult result =
      RunCommand({BinPath("leakwatch"), "run", "-c", dir.File("leakwatch.yaml"), "--no-progress"});
  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("exited with status 4 during startup"));
  EXPECT_THAT(result.out, HasSubstr("cannot bind"));
}

TEST(RunTest, ABadConfigIsAUsageErrorWithItsLocation) {
  TempDir dir;
  WriteFile(dir.File("leakwatch.yaml"), Config(GtestModule("a", "x"), "", "  respwan: never\n"));
  CommandResult result =
      RunCommand({BinPath("leakwatch"), "run", "-c", dir.File("leakwatch.yaml")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr(dir.File("leakwatch.yaml") + ":6:3"));
  EXPECT_THAT(result.err, HasSubstr("respawn"));
}

TEST(RunTest, WithoutAConfigItSaysHowToStart) {
  TempDir dir;
  CommandResult result = RunCommand(
      {"/bin/sh", "-c", "cd " + dir.path() + " && exec " + BinPath("leakwatch") + " run"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("no leakwatch.yaml here"));
  EXPECT_THAT(result.err, HasSubstr("ci/demo"));
}

// Runs three modules, sends `signal` to leakwatch while the second one hangs in a case (the case
// says so through a FIFO: no sleeping), and checks what an interrupted run leaves: exit code
// 128 + signal, no process of the run, and JSON and JUnit reports marked interrupted.
void CheckAnInterruptedRun(int signal) {
  TempDir dir;
  ASSERT_EQ(::mkfifo(dir.File("fifo").c_str(), 0600), 0);
  WriteFile(dir.File("leakwatch.yaml"),
            Config(GtestModule("first", "Attribution.Case1") +
                   GtestModule("hang", "Hang.*", "      LW_FIFO: " + dir.File("fifo") + "\n") +
                   GtestModule("never", "Attribution.Case2")));
  ChildProcess run = ChildProcess::Start(
      {BinPath("leakwatch"), "run", "-c", dir.File("leakwatch.yaml"), "--no-progress", "--json",
       dir.File("report.json"), "--junit", dir.File("junit.xml")});
  // The hanging case says so through the FIFO: then the run is in the middle of a module.
  int fifo = ::open(dir.File("fifo").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fifo, 0);
  char line[16] = {};
  pollfd wait{fifo, POLLIN, 0};
  ASSERT_EQ(::poll(&wait, 1, 60000), 1);
  ASSERT_GT(::read(fifo, line, sizeof line - 1), 0);
  ::close(fifo);
  ::kill(run.pid(), signal);
  int status = run.Wait();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 128 + signal);
  EXPECT_THAT(ProcessesStartedBy(run.pid()), ::testing::IsEmpty());
  json report = json::parse(ReadFile(dir.File("report.json")));
  EXPECT_TRUE(report["summary"]["interrupted"].get<bool>());
  bool never_ran = false;
  for (const json& event : report["events"]) {
    if (event["type"] == "module-not-run" && event["module"] == "never") never_ran = true;
  }
  EXPECT_TRUE(never_ran);
  std::string junit = ReadFile(dir.File("junit.xml"));
  EXPECT_THAT(junit, HasSubstr("<testsuite name=\"first\""));
  EXPECT_THAT(junit, HasSubstr("<property name=\"interrupted\" value=\"true\"/>"));
  EXPECT_THAT(junit, HasSubstr("</testsuites>"));
}

TEST(RunTest, AnInterruptedRunStopsEverythingAndLeavesAPartialReport) {
  CheckAnInterruptedRun(SIGINT);  // exit 130
}

TEST(RunTest, ATerminatedRunStopsEverythingAndLeavesAPartialReport) {
  CheckAnInterruptedRun(SIGTERM);  // exit 143
}

// Five modules: a and b are `fast`, c is `fast` and `slow`, d is `slow`, e has no tags.
std::string TaggedModules() {
  std::string modules;
  for (const auto& [name, tags] : std::vector<std::pair<std::string, std::string>>{
           {"a", "[fast]"}, {"b", "[fast]"}, {"c", "[fast, slow]"}, {"d", "[slow]"}, {"e", "[]"}}) {
    modules += GtestModule(name, "Attribution.Case1") + "    tags: " + tags + "\n";
  }
  return modules;
}

// The modules that appear anywhere in a JSON report, each as often as it started.
std::multiset<std::string> ModulesIn(const json& report) {
  std::multiset<std::string> modules;
  for (const json& event : report["events"]) {
    if (event["type"] == "module-started") {
      modules.insert(event["module"].get<std::string>());
    }
  }
  return modules;
}

std::set<std::string> AllModulesNamedIn(const json& report) {
  std::set<std::string> modules;
  for (const json& event : report["events"]) {
    if (event.contains("module")) modules.insert(event["module"].get<std::string>());
  }
  return modules;
}

// Runs TaggedModules() with `args` and expects a passing run whose report has exactly `expected`
// in it, each module started once: the others appear in no event at all.
RunResult ExpectSelected(const std::vector<std::string>& args,
                         const std::multiset<std::string>& expected) {
  TempDir dir;
  RunResult run = RunLeakwatch(dir, Config(TaggedModules()), args);
  EXPECT_EQ(run.command.exit_code, 0) << run.command.out << run.command.err;
  EXPECT_EQ(ModulesIn(run.report), expected);
  EXPECT_EQ(AllModulesNamedIn(run.report), std::set<std::string>(expected.begin(), expected.end()));
  return run;
}

TEST(RunTest, TagPicksExactlyTheModulesCarryingOneOfTheTags) {
  RunResult run = ExpectSelected({"--tag", "fast"}, {"a", "b", "c"});
  EXPECT_EQ(run.report["events"][0]["modules"], 3);
  EXPECT_THAT(run.command.out, HasSubstr("selected 3 of 5 modules by tag (2 deselected)"));
  ExpectSelected({"--tag", "slow", "--tag=fast"}, {"a", "b", "c", "d"});
}

TEST(RunTest, SkipTagLeavesOutTheModulesCarryingAnyOfTheTags) {
  ExpectSelected({"--skip-tag", "slow"}, {"a", "b", "e"});
}

TEST(RunTest, TagAndSkipTagCombineAndSkipWins) {
  ExpectSelected({"--tag", "fast", "--skip-tag", "slow"}, {"a", "b"});
}

TEST(RunTest, AnUnknownTagIsAUsageErrorThatListsTheTagsAndSuggestsTheNearest) {
  TempDir dir;
  for (const char* option : {"--tag", "--skip-tag"}) {
    RunResult run = RunLeakwatch(dir, Config(TaggedModules()), {option, "slwo"});
    EXPECT_EQ(run.command.exit_code, 2) << run.command.out << run.command.err;
    EXPECT_THAT(run.command.err, HasSubstr(std::string(option) + " slwo: no module"));
    EXPECT_THAT(run.command.err, HasSubstr("did you mean `slow`?"));
    EXPECT_THAT(run.command.err, HasSubstr("`fast`, `slow`"));
    EXPECT_FALSE(std::filesystem::exists(dir.File("report.json")));
  }
}

TEST(RunTest, ATagSelectionThatLeavesNoModuleIsAUsageError) {
  TempDir dir;
  RunResult run =
      RunLeakwatch(dir, Config(TaggedModules()), {"--tag", "fast", "--skip-tag", "fast"});
  EXPECT_EQ(run.command.exit_code, 2) << run.command.out << run.command.err;
  EXPECT_THAT(run.command.err, HasSubstr("no module to run"));
  EXPECT_THAT(run.command.err, HasSubstr("--tag fast --skip-tag fast"));
  EXPECT_FALSE(std::filesystem::exists(dir.File("report.json")));
}

TEST(RunTest, ShardsSplitTheSelectedModulesAndCoverEachExactlyOnce) {
  TempDir dir;
  std::multiset<std::string> seen;
  for (int shard = 1; shard <= 2; ++shard) {
    RunResult run = RunLeakwatch(dir, Config(TaggedModules()),
                                 {"--tag", "fast", "--shard", std::to_string(shard) + "/2"});
    EXPECT_EQ(run.command.exit_code, 0) << run.command.out << run.command.err;
    std::multiset<std::string> modules = ModulesIn(run.report);
    EXPECT_FALSE(modules.empty()) << "shard " << shard;
    EXPECT_EQ(AllModulesNamedIn(run.report), std::set<std::string>(modules.begin(), modules.end()));
    seen.insert(modules.begin(), modules.end());
  }
  EXPECT_EQ(seen, (std::multiset<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace leakwatch
