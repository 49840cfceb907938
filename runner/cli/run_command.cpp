// run_command.cpp — `leakwatch run`: config, overrides, sharding variables, engine, reports.
#include "run_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "baseline_reporter.h"
#include "cli/interrupt.h"
#include "config_loader.h"
#include "console_reporter.h"
#include "exit_codes.h"
#include "json_reporter.h"
#include "junit_reporter.h"
#include "plan.h"
#include "run_engine.h"

namespace leakwatch::cli {
namespace {

// GoogleTest's and Bazel's sharding variables (0-based index), when --shard is not given.
std::optional<std::pair<run::Shard, std::string>> ShardFromEnvironment() {
  for (auto [total_name, index_name] : {std::pair{"TEST_TOTAL_SHARDS", "TEST_SHARD_INDEX"},
                                        std::pair{"GTEST_TOTAL_SHARDS", "GTEST_SHARD_INDEX"}}) {
    const char* total = std::getenv(total_name);
    const char* index = std::getenv(index_name);
    if (total == nullptr || index == nullptr) continue;
    char* end_total = nullptr;
    char* end_index = nullptr;
    long n = std::strtol(total, &end_total, 10);
    long i = std::strtol(index, &end_index, 10);
    if (*end_total != '\0' || *end_index != '\0' || n < 1 || i < 0 || i >= n) {
      return std::pair{run::Shard{}, std::string(index_name) + "=" + index + " and " + total_name +
                                         "=" + total + " do not make a shard"};
    }
    return std::pair{run::Shard{static_cast<int>(i), static_cast<int>(n)}, std::string()};
  }
  return std::nullopt;
}

}  // namespace

CLI::App* AddRunCommand(CLI::App& app, RunArgs& args) {
  CLI::App* run = app.add_subcommand(
      "run", "Run test modules against a live server and check every case for leaks");
  run->add_option("-c,--config", args.config, "The config file (default: ./leakwatch.yaml)");
  run->add_option("-j,--jobs", args.jobs, "Parallel workers, each with its own server")
      ->check(CLI::Range(1, 256));
  run->add_option("--shard", args.shard,
                  "Run shard I of N (1-based, e.g. 2/3); also read from GTEST_SHARD_INDEX / "
                  "GTEST_TOTAL_SHARDS and TEST_SHARD_INDEX / TEST_TOTAL_SHARDS (0-based)");
  run->add_option("--tag", args.tags,
                  "Run only modules with this tag (repeatable: any of them); before sharding")
      ->allow_extra_args(false);
  run->add_option("--skip-tag", args.skip_tags,
                  "Leave out modules with this tag (repeatable; wins over --tag)")
      ->allow_extra_args(false);
  run->add_option("--junit", args.junit, "Write a JUnit XML report here");
  run->add_option("--json", args.json, "Write the JSON report (schema 2) here");
  run->add_flag("--no-progress", args.no_progress, "No progress line, even on a terminal");
  run->add_option("--write-suppressions", args.write_suppressions,
                  "Write the leaks this run finds as a suppressions file (a baseline: give it to "
                  "checks.suppressions so that only new leaks fail)");
  run->footer(
      "Exit codes: 0 all passed; 1 a case failed, leaked, crashed, timed out or could not be "
      "checked; 2 usage or config error; 3 infrastructure error (e.g. the server never became "
      "ready); 130/143 interrupted (SIGINT/SIGTERM).");
  return run;
}

int RunRunCommand(const RunArgs& args) {
  std::string path = args.config.empty() ? "leakwatch.yaml" : args.config;
  if (args.config.empty() && !std::filesystem::exists(path)) {
    std::cerr << "leakwatch run: no leakwatch.yaml here, and no -c FILE.\n"
                 "  Write one (docs/config.md has a full example), or try the bundled demo:\n"
                 "    ci/demo      (runs leakwatch run -c examples/leakwatch.yaml)\n"
                 "  `leakwatch check-config -c FILE` checks a config without running it.\n";
    return kExitUsage;
  }
  auto loaded = run::LoadConfig(path);
  if (!loaded) {
    std::cerr << "leakwatch run: " << loaded.error().message() << "\n";
    return loaded.error().code() == ErrorCode::kIo ? kExitFailure : kExitUsage;
  }
  run::RunConfig& config = *loaded;
  const std::size_t configured_modules = config.modules.size();
  auto selected = run::SelectByTags(std::move(config.modules), {args.tags, args.skip_tags});
  if (!selected) {
    std::cerr << "leakwatch run: " << selected.error().message() << "\n";
    return kExitUsage;
  }
  config.modules = std::move(*selected);
  if (args.jobs > 0) config.jobs = args.jobs;
  if (!args.shard.empty()) {
    auto shard = run::ParseShard(args.shard);
    if (!shard) {
      std::cerr << "leakwatch run: --shard: " << shard.error().message() << "\n";
      return kExitUsage;
    }
    config.shard = *shard;
  } else if (auto from_env = ShardFromEnvironment()) {
    if (!from_env->second.empty()) {
      std::cerr << "leakwatch run: " << from_env->second << "\n";
      return kExitUsage;
    }
    config.shard = from_env->first;
  }
  // Bazel asks a test runner that shards to touch this file.
  if (const char* status_file = std::getenv("TEST_SHARD_STATUS_FILE")) {
    std::ofstream touch(status_file, std::ios::app);
  }
  if (!args.junit.empty()) config.reports.junit = args.junit;
  if (!args.json.empty()) config.reports.json = args.json;
  if (config.reports.junit.empty()) {
    if (const char* bazel_xml = std::getenv("XML_OUTPUT_FILE")) config.reports.junit = bazel_xml;
  }

  if (!args.write_suppressions.empty() && !config.checks.suppressions.empty() &&
      std::filesystem::weakly_canonical(args.write_suppressions) ==
          std::filesystem::weakly_canonical(config.checks.suppressions)) {
    // This run does not see the leaks that file already accepts: rewriting it would drop them.
    std::cerr << "leakwatch run: --write-suppressions " << args.write_suppressions
              << " is the run's own checks.suppressions file; write the new baseline to another "
                 "file and merge the two\n";
    return kExitUsage;
  }

  Suppressions suppressions;
  if (!config.checks.suppressions.empty()) {
    auto loaded_suppressions = Suppressions::Load(config.checks.suppressions);
    if (!loaded_suppressions) {
      std::cerr << "leakwatch run: " << loaded_suppressions.error().message() << "\n";
      return kExitUsage;
    }
    suppressions = std::move(*loaded_suppressions);
  }

  run::MultiReporter reporters;
  run::ConsoleOptions console;
  console.progress = !args.no_progress;
  const bool is_tty = ::isatty(STDOUT_FILENO) == 1;
  winsize size{};
  if (is_tty && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    console.width = size.ws_col;
  }
  // First: it finishes last, so its summary lists the report files and ends the output.
  reporters.Add(std::make_unique<run::ConsoleReporter>(std::cout, is_tty, console));
  for (const std::string* report : {&config.reports.junit, &config.reports.json}) {
    if (report->empty()) continue;
    std::filesystem::path file(*report);
    std::error_code ignored;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ignored);
  }
  if (!config.reports.junit.empty()) {
    reporters.Add(std::make_unique<run::JunitReporter>(config.reports.junit));
  }
  if (!config.reports.json.empty()) {
    reporters.Add(std::make_unique<run::JsonReporter>(config.reports.json));
  }
  if (!args.write_suppressions.empty()) {
    reporters.Add(std::make_unique<run::BaselineReporter>(
        args.write_suppressions, "leakwatch run --write-suppressions (config " + path + ")"));
  }

  if (config.modules.size() < configured_modules) {
    // Not a report event: deselected modules appear in no report, as with `ctest -L`.
    std::cout << "selected " << config.modules.size() << " of " << configured_modules
              << " modules by tag (" << configured_modules - config.modules.size()
              << " deselected)\n";
  }
  run::RunEngine engine(config, &suppressions);
  Interrupts interrupts;
  run::RunFinished result =
      engine.Run([&](const run::RunEvent& event) { reporters.Report(event); }, interrupts.fd());
  Status written = reporters.Finish();
  std::cout.flush();
  return RunExitCode(interrupts.signal(), !result.infrastructure_error.empty(), written.ok(),
                     result.tally.failed());
}

}  // namespace leakwatch::cli
