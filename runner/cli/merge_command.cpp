// merge_command.cpp — `leakwatch merge`: read shard reports, check that they do not overlap,
// rebuild one run's events and replay them through the JSON and JUnit reporters.
#include "cli/merge_command.h"

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "cli/console_format.h"
#include "exit_codes.h"
#include "json_events.h"
#include "json_reporter.h"
#include "junit_reporter.h"
#include "reporter.h"

namespace leakwatch::cli {
namespace {

using run::RunEvent;

// One input report, read and checked.
struct ShardReport {
  std::string path;
  std::vector<RunEvent> events;  // without run-started and run-finished
  std::optional<run::RunStarted> started;
  std::optional<run::RunFinished> finished;
  std::set<std::string> modules;  // every module any event names
};

// The module an event belongs to, or nullptr for run- and server-level events.
const std::string* ModuleOf(const RunEvent& event) {
  if (const auto* e = std::get_if<run::ModuleStarted>(&event)) return &e->module;
  if (const auto* e = std::get_if<run::ModuleNotRun>(&event)) return &e->module;
  if (const auto* e = std::get_if<run::CaseFinished>(&event)) return &e->module;
  if (const auto* e = std::get_if<run::ModuleFinished>(&event)) return &e->module;
  return nullptr;
}

// "line:col" (1-based) of a byte offset, as editors want it.
std::string LineColumn(const std::string& text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1 + std::count(text.begin(), text.begin() + offset, '\n');
  std::size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  std::size_t column =
      line_start == std::string::npos || offset == 0 ? offset + 1 : offset - line_start;
  return fmt::format("{}:{}", line, column);
}

Result<ShardReport> ReadShardReport(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  // A directory opens fine and then reads as nothing, which would pass for "invalid JSON".
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("cannot read {}: {}", path, std::strerror(EISDIR)));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  const std::string text = buffer.str();

  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    std::string what = e.what();
    std::size_t colon = what.find(": ", what.find("parse error"));
    std::string reason = colon == std::string::npos ? what : what.substr(colon + 2);
    return Error(ErrorCode::kParseError,
                 fmt::format("{}:{}: invalid JSON: {}", path,
                             LineColumn(text, e.byte > 0 ? e.byte - 1 : 0), reason));
  }
  Result<std::vector<RunEvent>> events = run::EventsFromJson(document, path);
  if (!events) return events.error();

  ShardReport report{.path = path};
  for (std::size_t i = 0; i < events->size(); ++i) {
    RunEvent& event = (*events)[i];
    // run-started and run-finished are rebuilt for the merged run; where they sit matters,
    // because the reporters take what follows run-finished as a new run's events.
    if (auto* started = std::get_if<run::RunStarted>(&event)) {
      if (i != 0) {
        return Error(ErrorCode::kParseError,
                     fmt::format("{}: /events/{}: run-started is not the first event", path, i));
      }
      report.started = *started;
      continue;
    }
    if (auto* finished = std::get_if<run::RunFinished>(&event)) {
      if (i + 1 != events->size()) {
        return Error(ErrorCode::kParseError,
                     fmt::format("{}: /events/{}: run-finished is not the last event", path, i));
      }
      report.finished = *finished;
      continue;
    }
    if (const std::string* module = ModuleOf(event)) report.modules.insert(*module);
    report.events.push_back(std::move(event));
  }
  return report;
}

// Shards in index order; reports of unsharded runs keep their command-line order, after them.
void SortByShard(std::vector<ShardReport>& reports) {
  auto key = [](const ShardReport& report) {
    return report.started && report.started->shard ? report.started->shard->first : INT_MAX;
  };
  std::stable_sort(reports.begin(), reports.end(),
                   [&](const ShardReport& a, const ShardReport& b) { return key(a) < key(b); });
}

// Overlapping shards would count their common modules twice: an error naming both files.
Status CheckNoOverlap(const std::vector<ShardReport>& reports) {
  std::map<std::string, const std::string*> owner;  // module -> the input that has it
  std::map<std::pair<int, int>, const std::string*> shards;
  for (const ShardReport& report : reports) {
    if (report.started && report.started->shard) {
      auto [it, inserted] = shards.try_emplace(*report.started->shard, &report.path);
      if (!inserted) {
        return Error(ErrorCode::kInvalidArgument,
                     fmt::format("{} and {} are the same shard ({}/{}): they overlap", *it->second,
                                 report.path, report.started->shard->first + 1,
                                 report.started->shard->second));
      }
    }
    for (const std::string& module : report.modules) {
      auto [it, inserted] = owner.try_emplace(module, &report.path);
      if (!inserted) {
        return Error(ErrorCode::kInvalidArgument,
                     fmt::format("{} and {} both have module {}: the shards overlap", *it->second,
                                 report.path, module));
      }
    }
  }
  return Ok{};
}

// The events one run over every shard's modules would have emitted.
std::vector<RunEvent> MergeEvents(const std::vector<ShardReport>& reports) {
  std::vector<RunEvent> events;
  std::optional<run::RunStarted> started;
  for (const ShardReport& report : reports) {
    if (!report.started) continue;
    if (!started) {
      started = *report.started;
      started->modules = 0;
      started->shard.reset();
    }
    started->at = std::min(started->at, report.started->at);
    started->modules += report.started->modules;
  }
  if (started) events.push_back(*started);

  for (const ShardReport& report : reports) {
    events.insert(events.end(), report.events.begin(), report.events.end());
  }

  // A shard that stopped without run-finished makes the merged run one that stopped early too.
  const bool all_finished = std::all_of(
      reports.begin(), reports.end(), [](const ShardReport& r) { return r.finished.has_value(); });
  if (!all_finished || reports.empty()) return events;
  run::RunFinished finished{.at = reports.front().finished->at};
  for (const ShardReport& report : reports) {
    const run::RunFinished& f = *report.finished;
    finished.at = std::max(finished.at, f.at);
    finished.duration = std::max(finished.duration, f.duration);
    finished.tally.Add(f.tally);
    finished.interrupted = finished.interrupted || f.interrupted;
    if (finished.infrastructure_error.empty()) {
      finished.infrastructure_error = f.infrastructure_error;
    }
  }
  events.push_back(finished);
  return events;
}

void CreateParentDirectory(const std::string& path) {
  std::filesystem::path file(path);
  std::error_code ignored;  // a failure shows when the report is written, with the path
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ignored);
}

}  // namespace

CLI::App* AddMergeCommand(CLI::App& app, MergeArgs& args) {
  CLI::App* merge = app.add_subcommand(
      "merge", "Merge the JSON reports of `leakwatch run --shard` into one JSON and one JUnit");
  merge->add_option("-o,--output", args.json, "Write the merged JSON report (schema 2) here")
      ->type_name("OUT.json");
  merge->add_option("--junit", args.junit, "Write the merged JUnit XML report here")
      ->type_name("OUT.xml");
  merge->add_option("inputs", args.inputs, "JSON reports of `leakwatch run --json`, one per shard")
      ->type_name("IN.json")
      ->required();
  merge->footer(
      "Exit codes: 0 nothing failed; 1 the merged run has failures (or a shard was interrupted "
      "or incomplete); 2 usage error or bad input (unreadable, bad JSON, schema, overlapping "
      "shards); 3 a report could not be written.");
  return merge;
}

int RunMergeCommand(const MergeArgs& args) {
  std::vector<ShardReport> reports;
  for (const std::string& path : args.inputs) {
    Result<ShardReport> report = ReadShardReport(path);
    if (!report) {
      fmt::print(stderr, "leakwatch merge: {}\n", report.error().message());
      return kExitUsage;
    }
    reports.push_back(std::move(*report));
  }
  // Before sorting, so that an error names the files in the order they were given.
  if (Status disjoint = CheckNoOverlap(reports); !disjoint) {
    fmt::print(stderr, "leakwatch merge: {}\n", disjoint.error().message());
    return kExitUsage;
  }
  SortByShard(reports);
  const std::vector<RunEvent> events = MergeEvents(reports);

  run::MultiReporter reporters;
  if (!args.json.empty()) {
    CreateParentDirectory(args.json);
    reporters.Add(std::make_unique<run::JsonReporter>(args.json));
  }
  if (!args.junit.empty()) {
    CreateParentDirectory(args.junit);
    reporters.Add(std::make_unique<run::JunitReporter>(args.junit));
  }
  for (const RunEvent& event : events) reporters.Report(event);
  Status written = reporters.Finish();
  if (!written) {
    fmt::print(stderr, "leakwatch merge: {}\n", written.error().message());
    return kExitFailure;
  }

  // What keeps the merged run from being green besides failed cases, said before the summary.
  bool green = true;
  for (const ShardReport& report : reports) {
    if (!report.finished) {
      fmt::print(stderr, "leakwatch merge: {}: the run stopped without run-finished\n",
                 report.path);
      green = false;
    } else if (report.finished->interrupted) {
      fmt::print(stderr, "leakwatch merge: {}: the run was interrupted\n", report.path);
      green = false;
    } else if (!report.finished->infrastructure_error.empty()) {
      fmt::print(stderr, "leakwatch merge: {}: {}\n", report.path,
                 report.finished->infrastructure_error);
      green = false;
    }
  }
  // The same tally the merged reports show: the shards' summed, or the events' own when a shard
  // stopped early.
  const run::RunTally tally = run::TallyOf(events);
  fmt::print("merged {} report{}: {} passed, {} failed\n", reports.size(),
             reports.size() == 1 ? "" : "s", tally.passed(), tally.failed());
  if (!FlushStdout("merge")) return kExitFailure;
  return tally.failed() > 0 || !green ? kExitGrowth : kExitOk;
}

}  // namespace leakwatch::cli
