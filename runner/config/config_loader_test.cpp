// The config loader: a full config parses into the values it says, every kind of mistake is
// reported at its exact file:line:col, globs expand against real files, relative paths resolve
// against the config's directory, and the documented examples load.
#include "config_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.h"
#include "leakwatch/probe.h"
#include "leakwatch/slack.h"

namespace leakwatch::run {
namespace {

namespace fs = std::filesystem;
using ::leakwatch::testing::ReadFile;
using ::leakwatch::testing::TempDir;
using ::leakwatch::testing::WriteFile;
using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Normal(const std::string& path) {
  std::string text = fs::path(path).lexically_normal().string();
  if (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

void MakeExecutable(const std::string& path) {
  WriteFile(path, "#!/bin/sh\nexit 0\n");
  ASSERT_EQ(::chmod(path.c_str(), 0755), 0) << path;
}

class ConfigLoaderTest : public ::testing::Test {
 protected:
  std::string Path() const { return dir_.File("leakwatch.yaml"); }
  std::string Dir() const { return Normal(dir_.path()); }
  std::string InDir(const std::string& relative) const { return Normal(Dir() + "/" + relative); }

  Result<RunConfig> Parse(const std::string& yaml) const { return ParseConfig(yaml, Path()); }

  // The loaded config; a failed load fails the test with the message.
  RunConfig Load(const std::string& yaml) const {
    Result<RunConfig> config = Parse(yaml);
    EXPECT_TRUE(config.ok()) << config.error().message();
    return config.ok() ? *config : RunConfig{};
  }

  // The error message of a config that must not load.
  std::string ErrorOf(const std::string& yaml, ErrorCode code = ErrorCode::kInvalidArgument) const {
    Result<RunConfig> config = Parse(yaml);
    if (config.ok()) {
      ADD_FAILURE() << "loaded, but should not have:\n" << yaml;
      return "";
    }
    EXPECT_EQ(config.error().code(), code) << config.error().message();
    return config.error().message();
  }

  // "PATH:line:col: message", as every error reads.
  std::string At(int line, int column, const std::string& message) const {
    return Path() + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
  }

  TempDir dir_;
};

TEST_F(ConfigLoaderTest, FullConfigParsesIntoItsValues) {
  ASSERT_EQ(::mkdir(dir_.File("work").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(dir_.File("work/py").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(dir_.File("bin").c_str(), 0755), 0);
  MakeExecutable(dir_.File("bin/b_test"));
  MakeExecutable(dir_.File("bin/a_test"));
  WriteFile(dir_.File("leakwatch.supp.yaml"), "suppressions: []\n");
  const std::string json_report = dir_.File("elsewhere/report.json");

  const RunConfig config = Load(R"(# a comment first
server:
  command: ../build/bin/demo-server --port {port} --name "demo one"
  env:
    DEMO_MODE: test
    EMPTY:
  cwd: work
  port: auto
  ready: "log:listening on"
  preflight:
    probe: "http://127.0.0.1:{port}/health"
    expect_status: 200
    body_regex: '"status": *"ok"'
  respawn: per-batch
  stop_signal: SIGINT
  grace: 1500ms
  startup_timeout: 10s
  preflight_timeout: 250ms

modules:
  - name: orders
    command: [../build/bin/demo_orders_test, --gtest_brief=1]
    timeout: 2m
    tags: [fast, orders]
    batch: shop
  - ../build/bin/demo_renderer_test
  - name: search
    framework: pytest
    command: python3 -m pytest -q test_search.py
    cwd: work/py
    env:
      PYTHONPATH: ../../integrations/pytest
      SEARCH_URL: "http://127.0.0.1:{port}/"
  - glob: bin/*_test
    framework: plain
    tags: smoke

checks:
  targets: [server]
  slack: {fd: 1, pidfd: 0, thread: 2}
  settle: 750ms
  on_leak: warn
  on_unchecked: warn
  hunt: {warmup: 1, runs: 3}
  suppressions: leakwatch.supp.yaml

jobs: 3
timeouts:
  case: 45s
  module: 5m
retries: 2
reports:
  junit: out/junit.xml
  json: )" + json_report + R"(
  html: out/../out/report.html
shard: 2/4
)");

  EXPECT_EQ(config.path, Path());
  EXPECT_EQ(config.base_dir, Dir());

  ASSERT_TRUE(config.has_server);
  const ServerConfig& server = config.server;
  EXPECT_THAT(server.command, ElementsAre(InDir("../build/bin/demo-server"), "--port", "{port}",
                                          "--name", "demo one"));
  EXPECT_THAT(server.env, ElementsAre("DEMO_MODE=test", "EMPTY="));
  EXPECT_EQ(server.cwd, InDir("work"));
  EXPECT_EQ(server.port, ServerPort::kAuto);
  ASSERT_TRUE(server.ready.has_value());
  EXPECT_EQ(server.ready->kind, ProbeKind::kLog);
  EXPECT_EQ(server.ready->target, "listening on");
  ASSERT_TRUE(server.preflight.has_value());
  EXPECT_EQ(server.preflight->kind, ProbeKind::kHttp);
  EXPECT_EQ(server.preflight->target, "http://127.0.0.1:{port}/health");
  EXPECT_EQ(server.preflight->expect_status, 200);
  EXPECT_EQ(server.preflight->body_regex, "\"status\": *\"ok\"");
  EXPECT_FALSE(server.preflight->allow_remote);
  EXPECT_EQ(server.respawn, RespawnPolicy::kPerBatch);
  EXPECT_EQ(server.stop_signal, SIGINT);
  EXPECT_EQ(server.grace, milliseconds(1500));
  EXPECT_EQ(server.startup_timeout, milliseconds(10000));
  EXPECT_EQ(server.preflight_timeout, milliseconds(250));
  EXPECT_EQ(server.where.ToString(), Path() + ":2:1");

  ASSERT_EQ(config.modules.size(), 5u);
  const ModuleConfig& orders = config.modules[0];
  EXPECT_EQ(orders.name, "orders");
  EXPECT_THAT(orders.command,
              ElementsAre(InDir("../build/bin/demo_orders_test"), "--gtest_brief=1"));
  EXPECT_EQ(orders.framework, Framework::kGtest);
  EXPECT_EQ(orders.timeout, milliseconds(120000));
  EXPECT_THAT(orders.tags, ElementsAre("fast", "orders"));
  EXPECT_EQ(orders.batch, "shop");
  EXPECT_TRUE(orders.cwd.empty());
  EXPECT_TRUE(orders.env.empty());
  EXPECT_EQ(orders.where.ToString(), Path() + ":21:11");

  const ModuleConfig& renderer = config.modules[1];
  EXPECT_EQ(renderer.name, "demo_renderer_test");
  EXPECT_THAT(renderer.command, ElementsAre(InDir("../build/bin/demo_renderer_test")));
  EXPECT_EQ(renderer.framework, Framework::kGtest);
  EXPECT_FALSE(renderer.timeout.has_value());
  EXPECT_TRUE(renderer.batch.empty());
  EXPECT_EQ(renderer.where.ToString(), Path() + ":26:5");

  const ModuleConfig& search = config.modules[2];
  EXPECT_EQ(search.name, "search");
  EXPECT_EQ(search.framework, Framework::kPytest);
  // A bare program name is left for PATH.
  EXPECT_THAT(search.command, ElementsAre("python3", "-m", "pytest", "-q", "test_search.py"));
  EXPECT_EQ(search.cwd, InDir("work/py"));
  // Env values are passed as written: neither resolved nor with {port} filled in.
  EXPECT_THAT(search.env, ElementsAre("PYTHONPATH=../../integrations/pytest",
                                      "SEARCH_URL=http://127.0.0.1:{port}/"));

  // The glob: one module per executable, sorted, each with the item's other settings.
  for (int i : {3, 4}) {
    const ModuleConfig& module = config.modules[i];
    const std::string file = i == 3 ? "a_test" : "b_test";
    EXPECT_EQ(module.name, file);
    EXPECT_THAT(module.command, ElementsAre(InDir("bin/" + file)));
    EXPECT_EQ(module.glob, "bin/*_test");
    EXPECT_EQ(module.framework, Framework::kPlain);
    EXPECT_THAT(module.tags, ElementsAre("smoke"));
    EXPECT_EQ(module.where.ToString(), Path() + ":34:11");
  }

  const ChecksConfig& checks = config.checks;
  EXPECT_TRUE(checks.server);
  EXPECT_FALSE(checks.test);
  EXPECT_EQ(checks.slack.allowed.fds[FdKind::kPidfd], 0);
  EXPECT_EQ(checks.slack.allowed.fds[FdKind::kTcp], 1);  // "fd" covers the kinds not named
  EXPECT_EQ(checks.slack.allowed.threads, 2);
  EXPECT_EQ(checks.slack.allowed.children, 0);
  EXPECT_EQ(checks.settle.deadline, milliseconds(750));
  EXPECT_EQ(checks.on_leak, OnLeak::kWarn);
  EXPECT_EQ(checks.on_unchecked, OnUnchecked::kWarn);
  EXPECT_EQ(checks.hunt_warmup, 1);
  EXPECT_EQ(checks.hunt_runs, 3);
  EXPECT_EQ(checks.suppressions, InDir("leakwatch.supp.yaml"));

  EXPECT_EQ(config.jobs, 3);
  EXPECT_EQ(config.case_timeout, milliseconds(45000));
  EXPECT_EQ(config.module_timeout, milliseconds(300000));
  EXPECT_EQ(config.retries, 2);
  EXPECT_EQ(config.reports.junit, InDir("out/junit.xml"));
  EXPECT_EQ(config.reports.json, json_report);
  EXPECT_EQ(config.reports.html, InDir("out/report.html"));
  ASSERT_TRUE(config.shard.has_value());
  EXPECT_EQ(config.shard->index, 1);
  EXPECT_EQ(config.shard->total, 4);
}

TEST_F(ConfigLoaderTest, LeftOutKeysGetTheModelsDefaults) {
  const RunConfig config = Load("server:\n  command: my-server\nmodules: [./t]\n");
  ASSERT_TRUE(config.has_server);
  const RunConfig defaults;
  const ServerConfig& server = config.server;
  EXPECT_THAT(server.command, ElementsAre("my-server"));
  EXPECT_TRUE(server.env.empty());
  EXPECT_TRUE(server.cwd.empty());
  EXPECT_EQ(server.port, ServerPort::kAuto);
  EXPECT_FALSE(server.ready.has_value());
  EXPECT_FALSE(server.preflight.has_value());
  EXPECT_EQ(server.respawn, RespawnPolicy::kPerModule);
  EXPECT_EQ(server.stop_signal, SIGTERM);
  EXPECT_EQ(server.grace, defaults.server.grace);
  EXPECT_EQ(server.startup_timeout, defaults.server.startup_timeout);
  EXPECT_EQ(server.preflight_timeout, defaults.server.preflight_timeout);
  EXPECT_EQ(server.display, ServerDisplay::kNone);
  EXPECT_TRUE(server.after_ready.empty());
  EXPECT_EQ(server.after_ready_timeout, milliseconds(30000));

  ASSERT_EQ(config.modules.size(), 1u);
  EXPECT_EQ(config.modules[0].name, "t");
  EXPECT_THAT(config.modules[0].command, ElementsAre(InDir("t")));
  EXPECT_EQ(config.modules[0].framework, Framework::kGtest);

  EXPECT_TRUE(config.checks.server);
  EXPECT_TRUE(config.checks.test);
  EXPECT_EQ(config.checks.on_leak, OnLeak::kFail);
  EXPECT_EQ(config.checks.on_unchecked, OnUnchecked::kFail);
  EXPECT_EQ(config.checks.settle.deadline, defaults.checks.settle.deadline);
  EXPECT_EQ(FormatSlack(config.checks.slack), FormatSlack(Slack{}));
  EXPECT_EQ(config.checks.hunt_warmup, 1) << "hunt: auto";
  EXPECT_EQ(config.checks.hunt_runs, 2);
  EXPECT_TRUE(config.checks.suppressions.empty());
  EXPECT_EQ(config.jobs, 1);
  EXPECT_EQ(config.case_timeout, defaults.case_timeout);
  EXPECT_EQ(config.module_timeout, defaults.module_timeout);
  EXPECT_EQ(config.retries, 0);
  EXPECT_TRUE(config.reports.junit.empty());
  EXPECT_FALSE(config.shard.has_value());
}

TEST_F(ConfigLoaderTest, HuntIsAutoOffOrAMapAndTheServerQuietWindowIsADuration) {
  RunConfig config = Load("modules: [t]\nchecks:\n  hunt: off\n");
  EXPECT_EQ(config.checks.hunt_runs, 0);
  config = Load("modules: [t]\nchecks:\n  hunt: auto\n");
  EXPECT_EQ(config.checks.hunt_warmup, 1);
  EXPECT_EQ(config.checks.hunt_runs, 2);
  config = Load("modules: [t]\nchecks:\n  hunt: {runs: 5}\n");
  EXPECT_EQ(config.checks.hunt_warmup, 1) << "what the map leaves out keeps its default";
  EXPECT_EQ(config.checks.hunt_runs, 5);
  config = Load("server:\n  command: s\n  quiet: 0s\nmodules: [t]\n");
  EXPECT_EQ(config.server.quiet, milliseconds(0));
  EXPECT_EQ(Load("server: {command: s}\nmodules: [t]\n").server.quiet, milliseconds(100));
}

TEST_F(ConfigLoaderTest, WithoutAServerOnlyTheTestProcessIsChecked) {
  const RunConfig config = Load("modules:\n  - command: t\n    framework: plain\n");
  EXPECT_FALSE(config.has_server);
  EXPECT_FALSE(config.checks.server);
  EXPECT_TRUE(config.checks.test);
  EXPECT_EQ(config.modules[0].framework, Framework::kPlain);
}

TEST_F(ConfigLoaderTest, ServerPortsProbesAndSignalsInEveryAcceptedForm) {
  RunConfig config = Load(
      "server:\n  command: [srv, --listen-fds]\n  port: activate\n  ready: notify\n"
      "  stop_signal: 2\nmodules: [t]\n");
  EXPECT_EQ(config.server.port, ServerPort::kActivate);
  EXPECT_EQ(config.server.ready->kind, ProbeKind::kNotify);
  EXPECT_EQ(config.server.stop_signal, SIGINT);

  config = Load(
      "server:\n  command: srv\n  port: 8080\n  ready: tcp:127.0.0.1:{port}\n"
      "  preflight: {probe: 'http://10.1.2.3:{port}/', allow_remote: true}\n"
      "  stop_signal: term\nmodules: [t]\n");
  EXPECT_EQ(config.server.port, ServerPort::kFixed);
  EXPECT_EQ(config.server.fixed_port, 8080);
  EXPECT_EQ(config.server.ready->kind, ProbeKind::kTcp);
  EXPECT_TRUE(config.server.preflight->allow_remote);
  EXPECT_EQ(config.server.stop_signal, SIGTERM);

  config = Load("server:\n  command: srv\n  stop_signal: SIGKILL\n  grace: 0s\nmodules: [t]\n");
  EXPECT_EQ(config.server.stop_signal, SIGKILL);
  EXPECT_EQ(config.server.grace, milliseconds(0));
}

// A GUI server: a private X server per worker, and a step that seeds every fresh instance.
TEST_F(ConfigLoaderTest, ServerDisplayAndAfterReady) {
  RunConfig config = Load(
      "server:\n  command: gui --port {port}\n  display: xvfb\n"
      "  after_ready: ./seed.sh --port {port}\n  after_ready_timeout: 5s\nmodules: [t]\n");
  EXPECT_EQ(config.server.display, ServerDisplay::kXvfb);
  EXPECT_THAT(config.server.after_ready, ElementsAre(InDir("seed.sh"), "--port", "{port}"));
  EXPECT_EQ(config.server.after_ready_timeout, milliseconds(5000));

  config = Load(
      "server:\n  command: srv\n  display: none\n  after_ready: [curl, -fsS, "
      "'http://127.0.0.1:{port}/load']\nmodules: [t]\n");
  EXPECT_EQ(config.server.display, ServerDisplay::kNone);
  EXPECT_THAT(config.server.after_ready,
              ElementsAre("curl", "-fsS", "http://127.0.0.1:{port}/load"));

  EXPECT_EQ(ErrorOf("server:\n  command: srv\n  display: xvfv\nmodules: [t]\n"),
            At(3, 12,
               "`server.display` must be `none` or `xvfb`, got \"xvfv\"; did you mean "
               "`xvfb`?"));
  EXPECT_EQ(ErrorOf("server:\n  command: srv\n  after_ready: []\nmodules: [t]\n"),
            At(3, 16, "`server.after_ready` is empty"));
  EXPECT_EQ(ErrorOf("server:\n  command: srv\n  after_ready_timeout: 0s\nmodules: [t]\n"),
            At(3, 24, "`server.after_ready_timeout` must be longer than 0, got \"0s\""));
}

TEST_F(ConfigLoaderTest, CommandStringsSplitOnWhitespaceWithSimpleQuotes) {
  const RunConfig config = Load(
      "modules:\n"
      "  - command: \"prog  'a b'  \\\"c d\\\" e'f g'h ''\"\n");
  EXPECT_THAT(config.modules[0].command, ElementsAre("prog", "a b", "c d", "ef gh", ""));
}

TEST_F(ConfigLoaderTest, SlackAsASpecString) {
  const RunConfig config = Load("modules: [t]\nchecks:\n  slack: \"fd=2,pidfd=0,child=1\"\n");
  EXPECT_EQ(config.checks.slack.allowed.fds[FdKind::kPidfd], 0);
  EXPECT_EQ(config.checks.slack.allowed.fds[FdKind::kPipe], 2);
  EXPECT_EQ(config.checks.slack.allowed.children, 1);
}

TEST_F(ConfigLoaderTest, TargetsCanBeEmptyOrASingleName) {
  EXPECT_FALSE(Load("modules: [t]\nchecks: {targets: []}\n").checks.test);
  const RunConfig config = Load("server: {command: s}\nmodules: [t]\nchecks: {targets: server}\n");
  EXPECT_TRUE(config.checks.server);
  EXPECT_FALSE(config.checks.test);
}

// ---- relative paths ----

TEST_F(ConfigLoaderTest, RelativePathsResolveAgainstTheConfigsDirectory) {
  ASSERT_EQ(::mkdir(dir_.File("conf").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(dir_.File("conf/run").c_str(), 0755), 0);
  WriteFile(dir_.File("conf/supp.yaml"), "suppressions:\n");
  const std::string config_path = dir_.File("conf/leakwatch.yaml");
  WriteFile(config_path,
            "server:\n  command: ./srv --data ./data\n  cwd: run\n"
            "modules:\n"
            "  - ../bin/up_test\n"
            "  - [/opt/abs/abs_test, rel/arg]\n"
            "  - name: in-path\n    command: python3 ./x.py\n    cwd: .\n"
            "checks:\n  suppressions: supp.yaml\n"
            "reports:\n  junit: ../out/junit.xml\n");
  Result<RunConfig> config = LoadConfig(config_path);
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->base_dir, InDir("conf"));
  // Only the program is a path we know to be one; its arguments are the program's business.
  EXPECT_THAT(config->server.command, ElementsAre(InDir("conf/srv"), "--data", "./data"));
  EXPECT_EQ(config->server.cwd, InDir("conf/run"));
  EXPECT_THAT(config->modules[0].command, ElementsAre(InDir("bin/up_test")));
  EXPECT_EQ(config->modules[0].name, "up_test");
  EXPECT_THAT(config->modules[1].command, ElementsAre("/opt/abs/abs_test", "rel/arg"));
  EXPECT_EQ(config->modules[1].name, "abs_test");
  EXPECT_THAT(config->modules[2].command, ElementsAre("python3", "./x.py"));
  EXPECT_EQ(config->modules[2].cwd, InDir("conf"));
  EXPECT_EQ(config->checks.suppressions, InDir("conf/supp.yaml"));
  EXPECT_EQ(config->reports.junit, InDir("out/junit.xml"));
}

TEST_F(ConfigLoaderTest, ARelativeConfigPathResolvesAgainstTheCurrentDirectory) {
  Result<RunConfig> config = ParseConfig("modules: [./t]\n", "sub/dir/leakwatch.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->path, "sub/dir/leakwatch.yaml");
  EXPECT_EQ(config->base_dir, Normal((fs::current_path() / "sub/dir").string()));
  EXPECT_THAT(config->modules[0].command,
              ElementsAre(Normal((fs::current_path() / "sub/dir/t").string())));

  config = ParseConfig("modules: [./t]\n", "leakwatch.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->base_dir, Normal(fs::current_path().string()));
}

// ---- globs ----

TEST_F(ConfigLoaderTest, GlobExpandsToExecutableRegularFilesSorted) {
  ASSERT_EQ(::mkdir(dir_.File("bin").c_str(), 0755), 0);
  MakeExecutable(dir_.File("bin/zeta_test"));
  MakeExecutable(dir_.File("bin/Alpha_test"));
  MakeExecutable(dir_.File("bin/mid_test"));
  WriteFile(dir_.File("bin/data_test"), "not executable");         // skipped
  ASSERT_EQ(::mkdir(dir_.File("bin/dir_test").c_str(), 0755), 0);  // skipped: a directory
  ASSERT_EQ(::symlink("mid_test", dir_.File("bin/link_test").c_str()), 0);
  MakeExecutable(dir_.File("bin/helper"));  // does not match

  const RunConfig config =
      Load("modules:\n  - name: first\n    command: x\n  - glob: bin/*_test\n    timeout: 5s\n");
  std::vector<std::string> names;
  for (const ModuleConfig& module : config.modules) names.push_back(module.name);
  // Byte order, not the locale's: upper case first.
  EXPECT_THAT(names, ElementsAre("first", "Alpha_test", "link_test", "mid_test", "zeta_test"));
  EXPECT_THAT(config.modules[2].command, ElementsAre(InDir("bin/link_test")));
  for (std::size_t i = 1; i < config.modules.size(); ++i) {
    EXPECT_EQ(config.modules[i].timeout, milliseconds(5000)) << names[i];
  }
}

TEST_F(ConfigLoaderTest, AnAbsoluteGlobIsTakenAsIs) {
  ASSERT_EQ(::mkdir(dir_.File("bin").c_str(), 0755), 0);
  MakeExecutable(dir_.File("bin/one_test"));
  const RunConfig config = Load("modules:\n  - glob: " + dir_.File("bin/*_test") + "\n");
  ASSERT_EQ(config.modules.size(), 1u);
  EXPECT_THAT(config.modules[0].command, ElementsAre(InDir("bin/one_test")));
}

TEST_F(ConfigLoaderTest, GlobThatMatchesNothingNamesThePattern) {
  ASSERT_EQ(::mkdir(dir_.File("bin").c_str(), 0755), 0);
  WriteFile(dir_.File("bin/plain_test"), "not executable");
  EXPECT_EQ(
      ErrorOf("modules:\n  - glob: bin/*_test\n"),
      At(2, 11, "`modules[0].glob` `bin/*_test` matches no executable file (in " + Dir() + ")"));
}

TEST_F(ConfigLoaderTest, GlobNameThatClashesWithAnotherModuleNamesBothPlaces) {
  ASSERT_EQ(::mkdir(dir_.File("bin").c_str(), 0755), 0);
  MakeExecutable(dir_.File("bin/a_test"));
  EXPECT_EQ(
      ErrorOf("modules:\n  - name: a_test\n    command: x\n  - glob: bin/*\n"),
      At(4, 11,
         "module name `a_test` is already used at " + Path() + ":2:11; names must be unique"));
}

// ---- errors: each at its exact place ----

struct ErrorCase {
  std::string yaml;
  int line;
  int column;
  std::string message;
};

TEST_F(ConfigLoaderTest, EveryMistakeIsReportedAtItsPlace) {
  const std::vector<ErrorCase> cases = {
      // Unknown keys, with the nearest valid one or the list of valid ones.
      {"server:\n  command: s\n  respwan: never\nmodules: [t]\n", 3, 3,
       "unknown key `respwan` in server; did you mean `respawn`?"},
      {"modles: [t]\n", 1, 1, "unknown key `modles`; did you mean `modules`?"},
      {"modules: [t]\ncolour: red\n", 2, 1,
       "unknown key `colour` (valid keys: server, modules, checks, jobs, timeouts, retries, "
       "reports, shard)"},
      {"modules:\n  - command: t\n    framwork: gtest\n", 3, 5,
       "unknown key `framwork` in modules[0]; did you mean `framework`?"},
      {"modules: [t]\nchecks:\n  hunt: {warmup: 1, rnus: 2}\n", 3, 21,
       "unknown key `rnus` in checks.hunt; did you mean `runs`?"},
      {"modules: [t]\ntimeouts:\n  cases: 1s\n", 3, 3,
       "unknown key `cases` in timeouts; did you mean `case`?"},
      {"modules: [t]\nchecks:\n  slack: {pidf: 1}\n", 3, 11,
       "unknown key `pidf` in checks.slack; did you mean `pidfd`?"},
      {"modules: [t]\njobs: 1\njobs: 2\n", 3, 1, "duplicate key `jobs` (first at line 2)"},
      // Wrong types and values.
      {"modules: [t]\njobs: two\n", 2, 7, "`jobs` must be an integer ≥ 1, got \"two\""},
      {"modules: [t]\njobs: 0\n", 2, 7, "`jobs` must be an integer ≥ 1, got \"0\""},
      {"modules: [t]\njobs: [2]\n", 2, 7, "`jobs` must be an integer ≥ 1, got a list"},
      {"modules: [t]\njobs:\n", 2, 1, "`jobs` has no value"},
      {"modules: [t]\nretries: -1\n", 2, 10, "`retries` must be an integer ≥ 0, got \"-1\""},
      {"server: [srv]\nmodules: [t]\n", 1, 9, "`server` must be a map, got a list"},
      {"modules: [t]\nchecks: strict\n", 2, 9, "`checks` must be a map, got \"strict\""},
      {"modules: t\n", 1, 10, "`modules` must be a list, got \"t\""},
      {"- modules\n", 1, 1,
       "expected a map of settings (server, modules, checks, jobs, timeouts, retries, reports, "
       "shard) at the top level, got a list"},
      {"server:\n  command: s\n  port: 70000\nmodules: [t]\n", 3, 9,
       "`server.port` must be `auto`, `activate` or a port number from 1 to 65535, got "
       "\"70000\""},
      {"server:\n  command: s\n  env: [A=1]\nmodules: [t]\n", 3, 8,
       "`server.env` must be a map of NAME: value, got a list"},
      {"modules:\n  - command: t\n    env: {A: [1]}\n", 3, 14,
       "`modules[0].env.A` must be a string, got a list"},
      {"modules:\n  - command: t\n    tags: {a: b}\n", 3, 11,
       "`modules[0].tags` must be a list of strings, got a map"},
      {"modules:\n  - command: [t, [x]]\n", 2, 18,
       "`modules[0].command` must be a list of strings; an item is a list"},
      {"modules:\n  - command: t 'a b\n", 2, 14,
       "`modules[0].command`: the command has an unterminated single quote"},
      {"modules:\n  - command: []\n", 2, 14, "`modules[0].command` is empty"},
      {"server:\n  command: s\n  preflight: {probe: 'log:x', allow_remote: yes}\nmodules: [t]\n", 3,
       45, "`server.preflight.allow_remote` must be true or false, got \"yes\""},
      // Durations.
      {"server:\n  command: s\n  grace: 3\nmodules: [t]\n", 3, 10,
       "`server.grace`: invalid duration \"3\": missing unit (ns, us, ms, s, m, h) (write e.g. "
       "500ms, 1s, 2m)"},
      {"modules: [t]\ntimeouts:\n  case: 0s\n", 3, 9,
       "`timeouts.case` must be longer than 0, got \"0s\""},
      {"modules:\n  - command: t\n    timeout: 5 minutes\n", 3, 14,
       "`modules[0].timeout`: invalid duration \"5 minutes\": unknown unit \" minutes\" (ns, us, "
       "ms, s, m, h) (write e.g. 500ms, 1s, 2m)"},
      // Enumerations list their values, and suggest the nearest.
      {"server:\n  command: s\n  respawn: sometimes\nmodules: [t]\n", 3, 12,
       "`server.respawn` must be `per-module`, `per-batch`, `on-failure` or `never`, got "
       "\"sometimes\""},
      {"server:\n  command: s\n  respawn: per-modul\nmodules: [t]\n", 3, 12,
       "`server.respawn` must be `per-module`, `per-batch`, `on-failure` or `never`, got "
       "\"per-modul\"; did you mean `per-module`?"},
      {"modules:\n  - command: t\n    framework: gtset\n", 3, 16,
       "`modules[0].framework` must be `gtest`, `pytest` or `plain`, got \"gtset\"; did you "
       "mean `gtest`?"},
      {"modules: [t]\nchecks:\n  on_leak: fial\n", 3, 12,
       "`checks.on_leak` must be `fail` or `warn`, got \"fial\"; did you mean `fail`?"},
      {"modules: [t]\nchecks:\n  hunt: sometimes\n", 3, 9,
       "`checks.hunt` must be `auto` or `off`, got \"sometimes\""},
      {"modules: [t]\nchecks:\n  on_unchecked: pass\n", 3, 17,
       "`checks.on_unchecked` must be `fail` or `warn`, got \"pass\""},
      {"server: {command: s}\nmodules: [t]\nchecks:\n  targets: [server, tset]\n", 4, 21,
       "`checks.targets` must be `server` or `test`, got \"tset\"; did you mean `test`?"},
      {"server:\n  command: s\n  stop_signal: SIGTREM\nmodules: [t]\n", 3, 16,
       "`server.stop_signal` must be a signal name such as SIGTERM or TERM, or a number from 1 "
       "to " +
           std::to_string(NSIG - 1) + ", got \"SIGTREM\"; did you mean `SIGTERM`?"},
      // Probes that are not probes, or probe options that do not fit.
      {"server:\n  command: s\n  ready: {expect_status: 200}\nmodules: [t]\n", 3, 3,
       "`server.ready` has no `probe` (the short form, such as "
       "\"http://127.0.0.1:{port}/health\")"},
      {"server:\n  command: s\n  ready: {probe: 'log:up', expect_status: 200}\nmodules: [t]\n", 3,
       28, "`server.ready.expect_status` applies to http probes only, and this one is log"},
      {"server:\n  command: s\n  ready: {probe: 'http://127.0.0.1:1/', expect_status: 99}\n"
       "modules: [t]\n",
       3, 56, "`server.ready.expect_status` must be an HTTP status from 100 to 599, got \"99\""},
      // Structure.
      {"modules: []\n", 1, 1, "`modules` is empty; list at least one module"},
      {"modules:\n", 1, 1, "`modules` is empty; list at least one module"},
      {"jobs: 2\n", 1, 1, "no `modules`: list the test modules to run (see docs/config.md)"},
      {"", 1, 1, "the config is empty; it needs at least `modules` (see docs/config.md)"},
      {"# only a comment\n", 1, 1,
       "the config is empty; it needs at least `modules` (see docs/config.md)"},
      {"modules: [t]\n---\nmodules: [u]\n", 3, 1, "expected one YAML document, found a second one"},
      {"server:\n  port: auto\nmodules: [t]\n", 1, 1,
       "`server` has no `command` (the program to start, such as \"build/bin/my-server --port "
       "{port}\")"},
      {"server:\nmodules: [t]\n", 1, 1,
       "`server` has no `command` (the program to start, such as \"build/bin/my-server --port "
       "{port}\")"},
      {"modules:\n  - name: a\n", 2, 5, "`modules[0]` has neither `command` nor `glob`"},
      {"modules:\n  - command: t\n    glob: '*'\n", 3, 5,
       "`modules[0]` has both `command` and `glob`; give one"},
      {"modules:\n  - name: n\n    glob: '*'\n", 2, 5,
       "`modules[0].name` does not go with `glob`: each matching file is a module named after the "
       "file"},
      {"modules:\n  - t\n  -\n  - u\n", 3, 3,
       "`modules[1]` is empty; write a command, or a map with `command` or `glob`"},
      {"modules:\n  - name: a\n    command: x\n  - name: a\n    command: y\n", 4, 11,
       "module name `a` is already used at " + Path() + ":2:11; names must be unique"},
      {"modules:\n  - bin/t\n  - other/t\n", 3, 5,
       "module name `t` is already used at " + Path() + ":2:5; names must be unique"},
      {"modules: [t]\nchecks:\n  targets: [server, test]\n", 3, 13,
       "`checks.targets` lists `server`, but the config has no `server` section"},
      {"modules: [t]\nshard: 4/3\n", 2, 8,
       "`shard`: invalid shard \"4/3\": expected I/N with 1 ≤ I ≤ N, such as 1/3"},
  };
  for (const ErrorCase& c : cases) {
    EXPECT_EQ(ErrorOf(c.yaml), At(c.line, c.column, c.message)) << "for:\n" << c.yaml;
  }
}

TEST_F(ConfigLoaderTest, BadProbesCarryTheProbeParsersMessage) {
  Result<ProbeSpec> bad = ParseProbe("htp:x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(ErrorOf("server:\n  command: s\n  ready: \"htp:x\"\nmodules: [t]\n"),
            At(3, 10, "`server.ready`: " + bad.error().message()));
  EXPECT_THAT(bad.error().message(), HasSubstr("did you mean \"http\"?"));

  // Parsed, yet refused by ValidateProbe: a remote host without allow_remote.
  ProbeSpec remote = *ParseProbe("http://10.0.0.1:{port}/health");
  Status valid = ValidateProbe(remote);
  ASSERT_FALSE(valid.ok());
  EXPECT_EQ(ErrorOf("server:\n  command: s\n  preflight: http://10.0.0.1:{port}/health\n"
                    "modules: [t]\n"),
            At(3, 14, "`server.preflight`: " + valid.error().message()));
}

TEST_F(ConfigLoaderTest, BadSlackCarriesTheSlackParsersMessage) {
  Result<Slack> bad = ParseSlack("pidf=1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(ErrorOf("modules: [t]\nchecks:\n  slack: pidf=1\n"),
            At(3, 10, "`checks.slack`: " + bad.error().message()));
  EXPECT_EQ(ErrorOf("modules: [t]\nchecks:\n  slack: {thread: -1}\n"),
            At(3, 19, "`checks.slack.thread` must be an integer ≥ 0, got \"-1\""));
}

TEST_F(ConfigLoaderTest, YamlSyntaxErrorsAreParseErrors) {
  EXPECT_EQ(ErrorOf("modules: [t\n", ErrorCode::kParseError),
            At(2, 1, "invalid YAML: end of sequence flow not found"));
  EXPECT_EQ(ErrorOf("server:\n  command: a: b\nmodules: [t]\n", ErrorCode::kParseError),
            At(2, 13, "invalid YAML: illegal map value"));
}

TEST_F(ConfigLoaderTest, WorkingDirectoriesMustExist) {
  WriteFile(dir_.File("file"), "");
  EXPECT_EQ(ErrorOf("modules:\n  - command: t\n    cwd: nowhere\n"),
            At(3, 10, "`modules[0].cwd`: " + InDir("nowhere") + ": No such file or directory"));
  EXPECT_EQ(ErrorOf("server:\n  command: s\n  cwd: file\nmodules: [t]\n"),
            At(3, 8, "`server.cwd`: " + InDir("file") + " is not a directory"));
}

TEST_F(ConfigLoaderTest, SuppressionsFileMustExistAndParse) {
  EXPECT_EQ(
      ErrorOf("modules: [t]\nchecks:\n  suppressions: nope.yaml\n"),
      At(3, 17, "`checks.suppressions`: " + InDir("nope.yaml") + ": No such file or directory"));
  WriteFile(dir_.File("bad.supp.yaml"), "suppressions:\n  - kidn: pidfd\n");
  std::string message = ErrorOf("modules: [t]\nchecks:\n  suppressions: bad.supp.yaml\n");
  // Its own error names its own file and line.
  EXPECT_THAT(message, ::testing::StartsWith(At(
                           3, 17, "`checks.suppressions`: " + InDir("bad.supp.yaml") + ":2:5: ")));
  EXPECT_THAT(message, HasSubstr("kidn"));
}

TEST_F(ConfigLoaderTest, MissingFileIsNotFound) {
  Result<RunConfig> config = LoadConfig(dir_.File("absent.yaml"));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(config.error().message(), dir_.File("absent.yaml") + ": No such file or directory");
}

TEST_F(ConfigLoaderTest, LoadConfigReportsErrorsUnderTheGivenPath) {
  WriteFile(Path(), "modules: [t]\njobs: many\n");
  Result<RunConfig> config = LoadConfig(Path());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message(), At(2, 7, "`jobs` must be an integer ≥ 1, got \"many\""));
}

// ---- shards ----

TEST(ParseShardTest, ReadsOneBasedIndexOfTotal) {
  Result<Shard> shard = ParseShard("1/3");
  ASSERT_TRUE(shard.ok()) << shard.error().message();
  EXPECT_EQ(shard->index, 0);
  EXPECT_EQ(shard->total, 3);
  shard = ParseShard("3/3");
  ASSERT_TRUE(shard.ok()) << shard.error().message();
  EXPECT_EQ(shard->index, 2);
}

TEST(ParseShardTest, RefusesWhatIsNotIOfN) {
  for (const char* text : {"0/3", "4/3", "1/0", "a/b", "3", "", "1/3/5", "-1/3", "1/ 3"}) {
    Result<Shard> shard = ParseShard(text);
    ASSERT_FALSE(shard.ok()) << text;
    EXPECT_EQ(shard.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(shard.error().message(), std::string("invalid shard \"") + text +
                                           "\": expected I/N with 1 ≤ I ≤ N, such as 1/3");
  }
}

// ---- the documented configs ----

// The yaml block under "## Full example" in docs/config.md.
std::string DocsFullExample() {
  const std::string doc = ReadFile(std::string(LEAKWATCH_SOURCE_DIR) + "/docs/config.md");
  const std::size_t section = doc.find("\n## Full example");
  const std::size_t start = doc.find("```yaml\n", section);
  const std::size_t end = doc.find("\n```", start + 8);
  if (section == std::string::npos || start == std::string::npos || end == std::string::npos) {
    ADD_FAILURE() << "no yaml block under \"## Full example\" in docs/config.md";
    return "";
  }
  return doc.substr(start + 8, end - start - 8 + 1);
}

TEST(DocumentedConfigTest, TheFullExampleInDocsLoadsAsIfInExamples) {
  const std::string examples = std::string(LEAKWATCH_SOURCE_DIR) + "/examples";
  Result<RunConfig> config = ParseConfig(DocsFullExample(), examples + "/leakwatch.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_TRUE(config->has_server);
  EXPECT_THAT(config->server.command,
              ElementsAre(Normal(std::string(LEAKWATCH_SOURCE_DIR) + "/build/bin/demo-server"),
                          "--port", "{port}"));
  EXPECT_EQ(config->server.ready->kind, ProbeKind::kLog);
  EXPECT_EQ(config->server.preflight->kind, ProbeKind::kHttp);
  std::vector<std::string> names;
  for (const ModuleConfig& module : config->modules) names.push_back(module.name);
  EXPECT_THAT(names, ElementsAre("orders", "renderer", "demo_ui_crash_test", "shutdown", "search"));
  EXPECT_EQ(config->modules[4].framework, Framework::kPytest);
  EXPECT_EQ(config->modules[4].cwd, Normal(examples + "/demo-tests"));
}

TEST(DocumentedConfigTest, TheGuiAppExampleConfigLoads) {
  Result<RunConfig> config =
      LoadConfig(std::string(LEAKWATCH_SOURCE_DIR) + "/examples/gui-app/leakwatch.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->server.display, ServerDisplay::kXvfb);
  EXPECT_FALSE(config->server.after_ready.empty());
}

TEST(DocumentedConfigTest, TheBundledExampleConfigLoads) {
  Result<RunConfig> config =
      LoadConfig(std::string(LEAKWATCH_SOURCE_DIR) + "/examples/leakwatch.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_TRUE(config->has_server);
  EXPECT_FALSE(config->modules.empty());
}

}  // namespace
}  // namespace leakwatch::run
