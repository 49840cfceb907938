// gui_server_test.cpp — `leakwatch run` end to end with a GUI as the live server: gui-app under a
// private Xvfb (`server.display: xvfb`), driven by its GoogleTest module, and `server.after_ready`
// run on every fresh instance. Each run is the real binary on a config in a fresh directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "child_process.h"
#include "run_configs.h"
#include "run_result.h"

namespace leakwatch {
namespace {

using ::leakwatch::testing::BinPath;
using ::leakwatch::testing::CaseNamed;
using ::leakwatch::testing::CommandResult;
using ::leakwatch::testing::Config;
using ::leakwatch::testing::GtestModule;
using ::leakwatch::testing::PidThatAnswered;
using ::leakwatch::testing::ProcessesStartedBy;
using ::leakwatch::testing::ReadFile;
using ::leakwatch::testing::ReadRunReport;
using ::leakwatch::testing::RunCommand;
using ::leakwatch::testing::RunResult;
using ::leakwatch::testing::TempDir;
using ::leakwatch::testing::WriteFile;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using json = nlohmann::json;

// gui-app under Xvfb, ready once it listens, healthy while its UI loop turns; `extra` goes inside
// `server:`. A live UI loop answers /health in microseconds; --hung-after is generous so that a
// loaded machine cannot make a live one look hung (a hung one never answers).
std::string GuiConfig(const std::string& modules, const std::string& extra = "") {
  return "server:\n  command: " + BinPath("gui-app") +
         " --port {port} --hung-after 2000\n"
         "  display: xvfb\n"
         "  ready: \"log:listening on\"\n"
         "  preflight: \"http://127.0.0.1:{port}/health\"\n"
         "  preflight_timeout: 5s\n"
         "  grace: 1s\n" +
         extra + "modules:\n" + modules;
}

// A module running gui_app_test with GTEST_FILTER=`filter`; `env` holds more env lines.
std::string GuiModule(const std::string& name, const std::string& filter,
                      const std::string& env = "") {
  return GtestModule(name, filter, env, "gui_app_test");
}

// A run of leakwatch whose pid is known: the shell prints its own pid and execs leakwatch in it.
struct TrackedRun {
  RunResult result;
  pid_t pid = 0;
};

TrackedRun RunTracked(TempDir& dir, const std::string& config) {
  WriteFile(dir.File("leakwatch.yaml"), config);
  TrackedRun run;
  run.result.command =
      RunCommand({"/bin/sh", "-c", "echo $$; exec \"$0\" \"$@\"", BinPath("leakwatch"), "run", "-c",
                  dir.File("leakwatch.yaml"), "--no-progress", "--json", dir.File("report.json")});
  std::istringstream out(run.result.command.out);
  out >> run.pid;
  ReadRunReport(dir.File("report.json"), run.result);
  return run;
}

std::vector<json> EventsOf(const RunResult& run, const std::string& type) {
  std::vector<json> events;
  for (const json& event : run.report["events"]) {
    if (event["type"] == type) events.push_back(event);
  }
  return events;
}

// Nothing the run started is left: no Xvfb, no server, no session bus, no module.
void ExpectNothingLeft(const TrackedRun& run) {
  ASSERT_GT(run.pid, 0) << run.result.command.out;
  EXPECT_THAT(ProcessesStartedBy(run.pid), IsEmpty());
  for (const json& stopped : EventsOf(run.result, "server-stopped")) {
    EXPECT_TRUE(stopped["clean"].get<bool>()) << stopped.dump();
  }
}

TEST(GuiServerTest, UnderXvfbALeakInTheUiHandlerIsCaughtInTheCaseThatPlantedItOnly) {
  TempDir dir;
  TrackedRun tracked = RunTracked(
      dir, GuiConfig(GuiModule("gui", "GuiApp.*-GuiApp.HangsTheUiLoop:GuiApp.HasTheProject*")));
  const RunResult& run = tracked.result;
  EXPECT_EQ(run.command.exit_code, 1) << run.command.out << run.command.err;
  EXPECT_EQ(run.status.at("gui GuiApp.UiLoopIsAlive"), "PASS") << run.command.out;
  EXPECT_EQ(run.status.at("gui GuiApp.SharesOurDisplayAndHasNoSessionBus"), "PASS");
  EXPECT_EQ(run.status.at("gui GuiApp.LeaksAnXConnection"), "LEAK");
  EXPECT_EQ(run.status.at("gui GuiApp.CountsClicks"), "PASS");
  EXPECT_EQ(run.status.at("gui GuiApp.OpensAndClosesADialog"), "PASS")
      << "no session bus was auto-launched, so none is blamed as a leaked child";
  for (const json& c : run.cases) {
    if (c["name"] != "GuiApp.LeaksAnXConnection") {
      EXPECT_TRUE(c["leaks"].empty()) << c.dump();
      continue;
    }
    // One leak, in the GUI: Xvfb, which got the other end of that connection, is no part of
    // the server's tree.
    ASSERT_EQ(c["leaks"].size(), 1u) << c.dump();
    const json& leak = c["leaks"][0];
    EXPECT_EQ(leak["target"], "server");
    EXPECT_EQ(leak["kinds"], json::parse(R"([{"kind":"unix","count":1}])"));
    const pid_t gui = PidThatAnswered(run, "an X connection");
    EXPECT_NE(gui, 0) << run.command.out;
    EXPECT_EQ(leak["pid"], gui);
    EXPECT_EQ(EventsOf(run, "server-started").at(0)["pid"], gui);
  }
  ExpectNothingLeft(tracked);
}

// after_ready notes the port it was run for and loads a project into the fresh instance, which
// the modules check.
std::string AfterReadyLoadingAProject(const TempDir& dir) {
  return "  after_ready: [/usr/bin/python3, -c, \"import urllib.request; open('" +
         dir.File("after_ready.log") +
         "', 'a').write('{port}\\\\n'); print(urllib.request.urlopen("
         "'http://127.0.0.1:{port}/load-project/demo').read().decode())\"]\n";
}

TEST(GuiServerTest, AHungUiLoopIsReportedByTheNextPreflightAndAfterReadyLoadsTheRespawn) {
  TempDir dir;
  const std::string project = "      GUI_APP_PROJECT: demo\n";
  TrackedRun tracked = RunTracked(
      dir, GuiConfig(GuiModule("hang", "GuiApp.HasTheProject*:GuiApp.HangsTheUiLoop", project) +
                         GuiModule("after", "GuiApp.HasTheProject*:GuiApp.UiLoopIsAlive", project),
                     "  respawn: on-failure\n" + AfterReadyLoadingAProject(dir)));
  const RunResult& run = tracked.result;
  EXPECT_EQ(run.command.exit_code, 0) << run.command.out << run.command.err;
  EXPECT_EQ(run.status.at("hang GuiApp.HasTheProjectLoadedAfterReady"), "PASS") << run.command.out;
  EXPECT_EQ(run.status.at("hang GuiApp.HangsTheUiLoop"), "PASS");
  EXPECT_EQ(run.status.at("after GuiApp.HasTheProjectLoadedAfterReady"), "PASS")
      << "after_ready loaded the project into the respawned instance too";
  EXPECT_EQ(run.status.at("after GuiApp.UiLoopIsAlive"), "PASS");

  const std::vector<json> starts = EventsOf(run, "server-started");
  ASSERT_EQ(starts.size(), 2u) << run.command.out;
  const std::string reason = starts[1]["reason"];
  EXPECT_THAT(reason, HasSubstr("pre-flight found it degraded after hang/GuiApp.HangsTheUiLoop"));
  EXPECT_THAT(reason, HasSubstr("the UI loop has not ticked for"));
  for (const json& started : EventsOf(run, "module-started")) {
    if (started["module"] != "after") continue;
    EXPECT_TRUE(started["fresh_server"].get<bool>());
    EXPECT_THAT(started["server_note"].get<std::string>(), HasSubstr("the UI loop has not ticked"));
  }
  // after_ready ran once per start, each time against the server just started.
  EXPECT_EQ(ReadFile(dir.File("after_ready.log")),
            std::to_string(starts[0]["port"].get<int>()) + "\n" +
                std::to_string(starts[1]["port"].get<int>()) + "\n");
  ExpectNothingLeft(tracked);
}

TEST(GuiServerTest, AFailingAfterReadyMakesTheModuleNotRunWithItsOutput) {
  TempDir dir;
  TrackedRun tracked = RunTracked(
      dir,
      Config(GtestModule("first", "Attribution.Case1") + GtestModule("second", "Attribution.Case2"),
             "", "  after_ready: sh -c \"echo seeding; echo no table orders >&2; exit 3\"\n"));
  const RunResult& run = tracked.result;
  EXPECT_EQ(run.command.exit_code, 1) << run.command.out << run.command.err;
  EXPECT_THAT(run.cases, IsEmpty());
  const std::vector<json> not_run = EventsOf(run, "module-not-run");
  ASSERT_EQ(not_run.size(), 2u) << run.command.out;
  for (const json& event : not_run) {
    const std::string why = event["reason"];
    EXPECT_THAT(why, HasSubstr("server.after_ready `sh -c 'echo seeding; echo no table orders "
                               ">&2; exit 3'` exited with status 3"));
    EXPECT_THAT(why, HasSubstr("  | seeding\n  | no table orders\n"));
  }
  // Each module got a fresh server, and after_ready another try on it.
  const std::vector<json> starts = EventsOf(run, "server-started");
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[1]["reason"], "server.after_ready failed on the last one");
  ExpectNothingLeft(tracked);
}

TEST(GuiServerTest, AnAfterReadyThatNeverEndsIsStoppedAtItsTimeout) {
  TempDir dir;
  TrackedRun tracked =
      RunTracked(dir, Config(GtestModule("first", "Attribution.Case1"), "",
                             "  after_ready: sh -c \"echo loading; exec sleep infinity\"\n"
                             "  after_ready_timeout: 200ms\n"));
  const RunResult& run = tracked.result;
  EXPECT_EQ(run.command.exit_code, 1) << run.command.out << run.command.err;
  const std::vector<json> not_run = EventsOf(run, "module-not-run");
  ASSERT_EQ(not_run.size(), 1u) << run.command.out;
  EXPECT_THAT(not_run[0]["reason"].get<std::string>(),
              HasSubstr("did not finish within 200 ms (stopped)"));
  EXPECT_THAT(not_run[0]["reason"].get<std::string>(), HasSubstr("  | loading\n"));
  ExpectNothingLeft(tracked);
}

// What DBUS_SESSION_BUS_ADDRESS=disabled: prevents: with the address cleared, the dialog's
// session-bus lookup auto-launches a dbus-daemon, which outlives the request in the server's tree.
TEST(GuiServerTest, WithTheSessionBusAddressClearedAnAutoLaunchedBusIsALeakedChild) {
  TempDir dir;
  TrackedRun tracked = RunTracked(dir, GuiConfig(GuiModule("gui", "GuiApp.OpensAndClosesADialog"),
                                                 "  env:\n    DBUS_SESSION_BUS_ADDRESS: \"\"\n"));
  const RunResult& run = tracked.result;
  EXPECT_EQ(run.command.exit_code, 1) << run.command.out << run.command.err;
  const json& dialog = CaseNamed(run, "GuiApp.OpensAndClosesADialog");
  ASSERT_EQ(dialog["leaks"].size(), 1u) << dialog.dump();
  const json& leak = dialog["leaks"][0];
  EXPECT_EQ(leak["target"], "server");
  EXPECT_EQ(leak["pid"], EventsOf(run, "server-started").at(0)["pid"]);
  EXPECT_EQ(leak["kinds"], json::parse(R"([{"kind":"child","count":1}])"));
  EXPECT_THAT(leak["details"].dump(), HasSubstr("dbus-daemon --session --fork")) << leak.dump();
  ExpectNothingLeft(tracked);
}

TEST(GuiServerTest, WithoutXvfbInPathTheConfigIsAnErrorNamingThePackage) {
  TempDir dir;
  WriteFile(dir.File("leakwatch.yaml"), GuiConfig(GuiModule("gui", "GuiApp.UiLoopIsAlive")));
  CommandResult result = RunCommand({"/usr/bin/env", "PATH=" + dir.path(), BinPath("leakwatch"),
                                     "check-config", "-c", dir.File("leakwatch.yaml")});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr(dir.File("leakwatch.yaml") +
                                    ":3:12: `server.display: xvfb` "
                                    "needs the Xvfb binary, which is not in PATH; install "
                                    "Debian's `xvfb` package"));
}

}  // namespace
}  // namespace leakwatch
