// check_config_command.cpp — `leakwatch check-config`: load, then summarise or report the error.
#include "cli/check_config_command.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <vector>

#include "cli/console_format.h"
#include "config_loader.h"
#include "exit_codes.h"
#include "leakwatch/duration.h"

namespace leakwatch::cli {
namespace {

using run::Framework;
using run::RunConfig;

// Words joined by spaces, a word quoted when it would not read back as one.
std::string JoinCommand(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& word : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !word.empty() && word.find_first_of(" \t\n'\"") == std::string::npos;
    out += plain ? word : "'" + word + "'";
  }
  return out;
}

std::string_view FrameworkName(Framework framework) {
  switch (framework) {
    case Framework::kGtest:
      return "gtest";
    case Framework::kPytest:
      return "pytest";
    case Framework::kPlain:
      return "plain";
  }
  return "?";
}

std::string_view RespawnName(run::RespawnPolicy policy) {
  switch (policy) {
    case run::RespawnPolicy::kPerModule:
      return "per-module";
    case run::RespawnPolicy::kPerBatch:
      return "per-batch";
    case run::RespawnPolicy::kOnFailure:
      return "on-failure";
    case run::RespawnPolicy::kNever:
      return "never";
  }
  return "?";
}

std::string PortText(const run::ServerConfig& server) {
  switch (server.port) {
    case run::ServerPort::kAuto:
      return "auto";
    case run::ServerPort::kActivate:
      return "activate";
    case run::ServerPort::kFixed:
      return std::to_string(server.fixed_port);
  }
  return "?";
}

void PrintServer(const RunConfig& config) {
  if (!config.has_server) {
    fmt::print("server: none (modules run on their own)\n");
    return;
  }
  const run::ServerConfig& server = config.server;
  fmt::print("server: {}\n", JoinCommand(server.command));
  std::string details = fmt::format("port {}", PortText(server));
  if (server.ready) details += fmt::format("; ready: {}", DescribeProbe(*server.ready));
  if (server.preflight) details += fmt::format("; preflight: {}", DescribeProbe(*server.preflight));
  details += fmt::format("; respawn {}", RespawnName(server.respawn));
  if (server.display == run::ServerDisplay::kXvfb) details += "; display xvfb";
  fmt::print("  {}\n", details);
  if (!server.after_ready.empty()) {
    fmt::print("  after_ready: {} (timeout {})\n", JoinCommand(server.after_ready),
               FormatDuration(server.after_ready_timeout));
  }
}

void PrintModules(const RunConfig& config) {
  fmt::print("{} module{}:\n", config.modules.size(), config.modules.size() == 1 ? "" : "s");
  std::size_t width = 0;
  for (const run::ModuleConfig& module : config.modules)
    width = std::max(width, module.name.size());
  for (const run::ModuleConfig& module : config.modules) {
    fmt::print("  {:<{}}  {:<6}  {}\n", module.name, width, FrameworkName(module.framework),
               JoinCommand(module.command));
  }
}

void PrintChecks(const RunConfig& config) {
  const run::ChecksConfig& checks = config.checks;
  std::string targets;
  if (checks.server) targets = "server";
  if (checks.test) targets += targets.empty() ? "test" : " and test";
  if (targets.empty()) targets = "none";
  std::string line = fmt::format("checks: {}; on_leak {}; on_unchecked {}; settle {}; slack {}",
                                 targets, checks.on_leak == run::OnLeak::kFail ? "fail" : "warn",
                                 checks.on_unchecked == run::OnUnchecked::kFail ? "fail" : "warn",
                                 FormatDuration(checks.settle.deadline), FormatSlack(checks.slack));
  if (checks.hunt_runs > 0) {
    line += fmt::format("; hunt warmup {}, runs {}", checks.hunt_warmup, checks.hunt_runs);
  }
  if (!checks.suppressions.empty()) line += "; suppressions " + checks.suppressions;
  fmt::print("{}\n", line);
}

void PrintRun(const RunConfig& config) {
  std::string line =
      fmt::format("jobs {}; retries {}; timeouts: case {}, module {}", config.jobs, config.retries,
                  FormatDuration(config.case_timeout), FormatDuration(config.module_timeout));
  if (config.shard)
    line += fmt::format("; shard {}/{}", config.shard->index + 1, config.shard->total);
  fmt::print("{}\n", line);
  const run::ReportsConfig& reports = config.reports;
  if (!reports.junit.empty()) fmt::print("report junit: {}\n", reports.junit);
  if (!reports.json.empty()) fmt::print("report json: {}\n", reports.json);
  if (!reports.html.empty()) fmt::print("report html: {}\n", reports.html);
}

}  // namespace

CLI::App* AddCheckConfigCommand(CLI::App& app, CheckConfigArgs& args) {
  CLI::App* command = app.add_subcommand(
      "check-config", "Check a leakwatch.yaml without running anything, and summarise it");
  command->add_option("-c,--config", args.config, "The config file")
      ->type_name("FILE")
      ->capture_default_str();
  return command;
}

int RunCheckConfigCommand(const CheckConfigArgs& args) {
  Result<RunConfig> config = run::LoadConfig(args.config);
  if (!config) {
    // Not ExitCodeFor: a missing file is a usage error here, not "no such process".
    fmt::print(stderr, "leakwatch check-config: {}\n", config.error().message());
    return kExitUsage;
  }
  fmt::print("{}: ok\n", config->path);
  PrintServer(*config);
  PrintModules(*config);
  PrintChecks(*config);
  PrintRun(*config);
  return FlushStdout("check-config") ? kExitOk : kExitFailure;
}

}  // namespace leakwatch::cli
