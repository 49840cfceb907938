// json_reporter.cpp — events to JSON; docs/json.md describes the result.
#include "json_reporter.h"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>
#include <variant>

#include "atomic_file.h"
#include "report_text.h"

namespace leakwatch::run {
namespace {

// Keys in the order written here: "type" first reads better than alphabetical.
using Json = nlohmann::ordered_json;

constexpr int kSchema = 1;

std::int64_t Micros(std::chrono::microseconds duration) {
  return duration.count();
}

// No catch-all overload: a new event type does not compile until it is written here.
Json ToJson(const RunStarted& e) {
  Json shard = nullptr;
  if (e.shard) shard = Json{{"index", e.shard->first}, {"total", e.shard->second}};
  return {{"type", "run-started"},
          {"at_unix_ms", UnixMillis(e.at)},
          {"config_path", e.config_path},
          {"modules", e.modules},
          {"jobs", e.jobs},
          {"shard", shard}};
}

Json ToJson(const ServerStarted& e) {
  return {{"type", "server-started"},
          {"at_unix_ms", UnixMillis(e.at)},
          {"worker", e.worker},
          {"name", e.name},
          {"pid", e.pid},
          {"port", e.port},
          {"generation", e.generation},
          {"reason", e.reason},
          {"containment", e.containment},
          {"ready_after_us", Micros(e.ready_after)}};
}

Json ToJson(const ServerStopped& e) {
  return {{"type", "server-stopped"}, {"at_unix_ms", UnixMillis(e.at)},
          {"worker", e.worker},       {"pid", e.pid},
          {"report", e.report},       {"clean", e.clean}};
}

Json ToJson(const ModuleStarted& e) {
  return {{"type", "module-started"},
          {"at_unix_ms", UnixMillis(e.at)},
          {"worker", e.worker},
          {"module", e.module},
          {"pid", e.pid},
          {"server_pid", e.server_pid},
          {"fresh_server", e.fresh_server},
          {"server_note", e.server_note}};
}

Json ToJson(const ModuleNotRun& e) {
  return {{"type", "module-not-run"},
          {"at_unix_ms", UnixMillis(e.at)},
          {"module", e.module},
          {"reason", e.reason}};
}

Json ToJson(const LeakReport& leak) {
  Json kinds = Json::array();
  for (const LeakedKind& kind : leak.kinds) {
    kinds.push_back({{"kind", kind.kind}, {"count", kind.count}});
  }
  return {{"target", leak.target}, {"pid", leak.pid}, {"kinds", kinds}, {"details", leak.details}};
}

Json ToJson(const CaseFinished& e) {
  Json leaks = Json::array();
  for (const LeakReport& leak : e.leaks) leaks.push_back(ToJson(leak));
  return {{"type", "case-finished"},
          {"at_unix_ms", UnixMillis(e.at)},
          {"worker", e.worker},
          {"module", e.module},
          {"name", e.name},
          {"status", CaseStatusName(e.status)},
          {"failed", IsFailure(e.status)},
          {"duration_us", Micros(e.duration)},
          {"attempt", e.attempt},
          {"leaks", leaks},
          {"message", e.message}};
}

Json ToJson(const ModuleFinished& e) {
  return {{"type", "module-finished"},
          {"at_unix_ms", UnixMillis(e.at)},
          {"worker", e.worker},
          {"module", e.module},
          {"duration_us", Micros(e.duration)},
          {"exit_code", e.exit_code},
          {"signal", e.signal},
          {"timed_out", e.timed_out},
          {"output_tail", e.output_tail}};
}

Json ToJson(const RunFinished& e) {
  return {{"type", "run-finished"},
          {"at_unix_ms", UnixMillis(e.at)},
          {"duration_us", Micros(e.duration)},
          {"passed", e.passed},
          {"failed", e.failed},
          {"flaky", e.flaky},
          {"skipped", e.skipped},
          {"leaked", e.leaked},
          {"interrupted", e.interrupted},
          {"infrastructure_error", e.infrastructure_error}};
}

constexpr CaseStatus kAllStatuses[] = {
    CaseStatus::kPass,    CaseStatus::kFail,  CaseStatus::kLeak,   CaseStatus::kFlaky,
    CaseStatus::kTimeout, CaseStatus::kCrash, CaseStatus::kNotRun, CaseStatus::kSkipped,
};

Json Summary(const std::vector<RunEvent>& events) {
  std::array<int, std::size(kAllStatuses)> by_status{};
  Json failures = Json::array();
  Json not_run = Json::array();
  int leaked = 0;
  const RunFinished* finished = nullptr;
  for (const RunEvent& event : events) {
    if (const auto* c = std::get_if<CaseFinished>(&event)) {
      ++by_status[static_cast<std::size_t>(c->status)];
      if (!c->leaks.empty()) ++leaked;
      if (IsFailure(c->status)) {
        failures.push_back(
            {{"module", c->module}, {"name", c->name}, {"status", CaseStatusName(c->status)}});
      }
    } else if (const auto* m = std::get_if<ModuleNotRun>(&event)) {
      not_run.push_back({{"module", m->module}, {"reason", m->reason}});
    } else if (const auto* f = std::get_if<RunFinished>(&event)) {
      finished = f;
    }
  }
  Json counts = Json::object();
  for (CaseStatus status : kAllStatuses) {
    counts[CaseStatusName(status)] = by_status[static_cast<std::size_t>(status)];
  }
  auto count = [&](CaseStatus status) { return by_status[static_cast<std::size_t>(status)]; };

  Json summary = {{"complete", finished != nullptr}};
  if (finished != nullptr) {
    summary.update({{"interrupted", finished->interrupted},
                    {"infrastructure_error", finished->infrastructure_error},
                    {"duration_us", Micros(finished->duration)},
                    {"passed", finished->passed},
                    {"failed", finished->failed},
                    {"flaky", finished->flaky},
                    {"skipped", finished->skipped},
                    {"leaked", finished->leaked}});
  } else {
    // What the console counts when the engine stopped early: flaky cases passed in the end; a
    // module that did not run is one failure.
    summary.update({{"interrupted", true},
                    {"infrastructure_error", ""},
                    {"duration_us", 0},
                    {"passed", count(CaseStatus::kPass) + count(CaseStatus::kFlaky)},
                    {"failed", static_cast<int>(failures.size() + not_run.size())},
                    {"flaky", count(CaseStatus::kFlaky)},
                    {"skipped", count(CaseStatus::kSkipped)},
                    {"leaked", leaked}});
  }
  summary.update({{"by_status", counts}, {"failures", failures}, {"modules_not_run", not_run}});
  return summary;
}

}  // namespace

JsonReporter::JsonReporter(std::string path) : path_(std::move(path)) {}

void JsonReporter::Report(const RunEvent& event) {
  events_.push_back(event);
}

std::string JsonReporter::Render() const {
  Json config = nullptr;
  Json events = Json::array();
  for (const RunEvent& event : events_) {
    Json json = std::visit([](const auto& e) { return ToJson(e); }, event);
    if (const auto* started = std::get_if<RunStarted>(&event)) {
      config = {{"path", started->config_path},
                {"modules", started->modules},
                {"jobs", started->jobs},
                {"shard", json["shard"]}};
    }
    events.push_back(std::move(json));
  }
  Json document = {
      {"schema", kSchema}, {"config", config}, {"events", events}, {"summary", Summary(events_)}};
  // Test output is arbitrary bytes; replace what is not UTF-8 rather than throw.
  return document.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Status JsonReporter::Finish() {
  return WriteFileAtomically(path_, Render());
}

}  // namespace leakwatch::run
