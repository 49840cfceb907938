// `leakwatch check-config`, run as the real binary: a summary and exit 0 for a good config, the
// loader's "file:line:col: message" and exit 2 for a bad or missing one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "child_process.h"

namespace leakwatch::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kExitUsage = 2;  // runner/exit_codes.h; that header is the CLI's, not linked here

CommandResult CheckConfig(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {BinPath("leakwatch"), "check-config"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

// check-config with no -c, started in `dir`.
CommandResult CheckConfigIn(const std::string& dir) {
  return RunCommand(
      {"/bin/sh", "-c", "cd \"$0\" && exec \"$1\" check-config", dir, BinPath("leakwatch")});
}

std::string Normal(const std::string& path) {
  return std::filesystem::path(path).lexically_normal().string();
}

TEST(CheckConfigTest, GoodConfigPrintsASummaryAndExitsZero) {
  TempDir dir;
  ASSERT_EQ(::mkdir(dir.File("tests").c_str(), 0755), 0);
  const std::string path = dir.File("leakwatch.yaml");
  WriteFile(path,
            "server:\n"
            "  command: ../bin/demo-server --port {port}\n"
            "  ready: \"log:listening on\"\n"
            "  preflight: \"http://127.0.0.1:{port}/health\"\n"
            "  respawn: on-failure\n"
            "modules:\n"
            "  - name: orders\n"
            "    command: ../bin/demo_orders_test\n"
            "  - name: search\n"
            "    framework: pytest\n"
            "    command: python3 -m pytest -q\n"
            "    cwd: tests\n"
            "checks:\n"
            "  settle: 250ms\n"
            "  on_leak: warn\n"
            "jobs: 2\n");

  CommandResult r = CheckConfig({"-c", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr(path + ": ok\n"));
  EXPECT_THAT(r.out, HasSubstr("server: " + Normal(dir.path() + "/../bin/demo-server") +
                               " --port {port}\n"));
  EXPECT_THAT(r.out, HasSubstr("  port auto; ready: log listening on; preflight: http "
                               "http://127.0.0.1:{port}/health; respawn on-failure\n"));
  EXPECT_THAT(r.out, HasSubstr("2 modules:\n"));
  EXPECT_THAT(r.out, HasSubstr("  orders  gtest   " +
                               Normal(dir.path() + "/../bin/demo_orders_test") + "\n"));
  EXPECT_THAT(r.out, HasSubstr("  search  pytest  python3 -m pytest -q\n"));
  EXPECT_THAT(
      r.out,
      HasSubstr("checks: server and test; on_leak warn; on_unchecked fail; settle 250ms; slack "));
  EXPECT_THAT(r.out, HasSubstr("jobs 2; retries 0; timeouts: case 1m, module 10m\n"));
}

TEST(CheckConfigTest, ConfigWithoutAServerSaysSo) {
  TempDir dir;
  const std::string path = dir.File("lw.yaml");
  WriteFile(path, "modules:\n  - command: ./t\n    framework: plain\n");
  CommandResult r = CheckConfig({"--config", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("server: none"));
  EXPECT_THAT(r.out, HasSubstr("1 module:\n  t  plain   " + dir.File("t") + "\n"));
  EXPECT_THAT(r.out, HasSubstr("checks: test;"));
}

TEST(CheckConfigTest, BadConfigPrintsFileLineColumnAndExitsTwo) {
  TempDir dir;
  const std::string path = dir.File("leakwatch.yaml");
  WriteFile(path, "server:\n  command: s\n  respwan: never\nmodules: [t]\n");
  CommandResult r = CheckConfig({"-c", path});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "leakwatch check-config: " + path +
                       ":3:3: unknown key `respwan` in server; did you mean `respawn`?\n");
}

TEST(CheckConfigTest, YamlSyntaxErrorExitsTwo) {
  TempDir dir;
  const std::string path = dir.File("leakwatch.yaml");
  WriteFile(path, "modules: [t\n");
  CommandResult r = CheckConfig({"-c", path});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_EQ(r.err, "leakwatch check-config: " + path +
                       ":2:1: invalid YAML: end of sequence flow not found\n");
}

TEST(CheckConfigTest, DefaultsToLeakwatchYamlInTheCurrentDirectory) {
  TempDir dir;
  CommandResult missing = CheckConfigIn(dir.path());
  EXPECT_EQ(missing.exit_code, kExitUsage);
  EXPECT_EQ(missing.out, "");
  EXPECT_EQ(missing.err, "leakwatch check-config: leakwatch.yaml: No such file or directory\n");

  WriteFile(dir.File("leakwatch.yaml"), "modules: [./t]\n");
  CommandResult found = CheckConfigIn(dir.path());
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_THAT(found.out, HasSubstr("leakwatch.yaml: ok\n"));
  // Relative to the directory it was found in.
  EXPECT_THAT(found.out, HasSubstr(Normal(dir.path() + "/t") + "\n"));
}

TEST(CheckConfigTest, IsListedInTheHelp) {
  CommandResult r = RunCommand({BinPath("leakwatch"), "--help"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("check-config"));
  CommandResult own = CheckConfig({"--help"});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  EXPECT_THAT(own.out, HasSubstr("-c,--config"));
}

TEST(CheckConfigTest, AnUnknownFlagIsAUsageError) {
  CommandResult r = CheckConfig({"--bogus"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("Run 'leakwatch check-config --help'"));
}

}  // namespace
}  // namespace leakwatch::testing
