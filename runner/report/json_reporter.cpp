// json_reporter.cpp — events to JSON; docs/json.md describes the result.
#include "json_reporter.h"

#include <nlohmann/json.hpp>
#include <utility>
#include <variant>

#include "leakwatch/atomic_file.h"
#include "report_text.h"
#include "reporter.h"

namespace leakwatch::run {
namespace {

// Keys in the order written here: "type" first reads better than alphabetical.
using Json = nlohmann::ordered_json;

// 2: leaks per process (with `command`), `unchecked`, the run tally in run-finished.
constexpr int kSchema = 2;

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
  return {{"target", leak.target},
          {"pid", leak.pid},
          {"command", leak.command},
          {"kinds", kinds},
          {"details", leak.details}};
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
          {"message", e.message},
          {"unchecked", e.unchecked}};
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

// Every status by name, in kAllCaseStatuses order, so that the counts are complete.
Json ByStatus(const RunTally& tally) {
  Json counts = Json::object();
  for (CaseStatus status : kAllCaseStatuses) counts[CaseStatusName(status)] = tally.Of(status);
  return counts;
}

Json ToJson(const RunTally& tally) {
  return {{"by_status", ByStatus(tally)},
          {"modules_not_run", tally.modules_not_run},
          {"leaked", tally.leaked},
          {"unchecked", tally.unchecked}};
}

Json ToJson(const RunFinished& e) {
  return {{"type", "run-finished"},
          {"at_unix_ms", UnixMillis(e.at)},
          {"duration_us", Micros(e.duration)},
          {"tally", ToJson(e.tally)},
          {"interrupted", e.interrupted},
          {"infrastructure_error", e.infrastructure_error}};
}

Json Summary(const std::vector<RunEvent>& events) {
  Json failures = Json::array();
  Json not_run = Json::array();
  const RunFinished* finished = nullptr;
  for (const RunEvent& event : events) {
    if (const auto* c = std::get_if<CaseFinished>(&event)) {
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
  const RunTally tally = TallyOf(events);
  // Without run-finished the run stopped early: as interrupted, with no duration to tell.
  return {{"complete", finished != nullptr},
          {"interrupted", finished == nullptr || finished->interrupted},
          {"infrastructure_error", finished != nullptr ? finished->infrastructure_error : ""},
          {"duration_us", finished != nullptr ? Micros(finished->duration) : 0},
          {"passed", tally.passed()},
          {"failed", tally.failed()},
          {"flaky", tally.flaky()},
          {"skipped", tally.skipped()},
          {"leaked", tally.leaked},
          {"unchecked", tally.unchecked},
          {"by_status", ByStatus(tally)},
          {"failures", failures},
          {"modules_not_run", not_run}};
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
