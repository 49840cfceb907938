// json_events_test.cpp — EventsFromJson is the exact inverse of JsonReporter: every event type of
// the sample run, with every field, survives Render() and back; bad documents name the place.
#include "json_events.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "json_reporter.h"
#include "report_text.h"
#include "sample_run.h"

namespace leakwatch::run {
namespace {

using ::testing::HasSubstr;
using testing::SampleRun;
using testing::SampleTime;
using Json = nlohmann::json;

std::string Render(const std::vector<RunEvent>& events) {
  JsonReporter reporter("unused.json");
  for (const RunEvent& event : events) reporter.Report(event);
  return reporter.Render();
}

std::vector<RunEvent> RoundTrip(const std::vector<RunEvent>& events) {
  Result<std::vector<RunEvent>> back = EventsFromJson(Json::parse(Render(events)), "sample.json");
  EXPECT_TRUE(back.ok()) << back.error().message();
  return back.ok() ? *back : std::vector<RunEvent>{};
}

// events.h declares no operator== (the engine has no use for one); these compare every field, so
// a field EventsFromJson forgets to read shows up here.
auto Fields(const LeakReport& e) {
  std::vector<std::pair<std::string, std::int64_t>> kinds;
  for (const LeakedKind& kind : e.kinds) kinds.emplace_back(kind.kind, kind.count);
  return std::tuple(e.target, e.pid, e.command, kinds, e.details);
}
auto Fields(const RunStarted& e) {
  return std::tuple(e.at, e.config_path, e.modules, e.jobs, e.shard);
}
auto Fields(const ServerStarted& e) {
  return std::tuple(e.at, e.worker, e.name, e.pid, e.port, e.generation, e.reason, e.containment,
                    e.ready_after);
}
auto Fields(const ServerStopped& e) {
  return std::tuple(e.at, e.worker, e.pid, e.report, e.clean);
}
auto Fields(const ModuleStarted& e) {
  return std::tuple(e.at, e.worker, e.module, e.pid, e.server_pid, e.fresh_server, e.server_note);
}
auto Fields(const ModuleNotRun& e) {
  return std::tuple(e.at, e.module, e.reason);
}
auto Fields(const CaseFinished& e) {
  std::vector<decltype(Fields(LeakReport{}))> leaks;
  for (const LeakReport& leak : e.leaks) leaks.push_back(Fields(leak));
  return std::tuple(e.at, e.worker, e.module, e.name, e.status, e.duration, e.attempt, leaks,
                    e.message, e.unchecked);
}
auto Fields(const ModuleFinished& e) {
  return std::tuple(e.at, e.worker, e.module, e.duration, e.exit_code, e.signal, e.timed_out,
                    e.output_tail);
}
auto Fields(const RunTally& t) {
  return std::tuple(t.by_status, t.modules_not_run, t.leaked, t.unchecked);
}
auto Fields(const RunFinished& e) {
  return std::tuple(e.at, e.duration, Fields(e.tally), e.interrupted, e.infrastructure_error);
}

bool SameEvent(const RunEvent& a, const RunEvent& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        return Fields(x) == Fields(std::get<T>(b));
      },
      a);
}

void ExpectSameEvents(const std::vector<RunEvent>& expected, const std::vector<RunEvent>& actual) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_TRUE(SameEvent(expected[i], actual[i])) << "event " << i << ":\n"
                                                   << Render({expected[i]}) << "came back as\n"
                                                   << Render({actual[i]});
  }
}

// The report replaces bytes that are not UTF-8 by U+FFFD; that is what comes back.
std::vector<RunEvent> AsWritten(std::vector<RunEvent> events) {
  for (RunEvent& event : events) {
    if (auto* c = std::get_if<CaseFinished>(&event)) c->message = SanitizeUtf8(c->message);
    if (auto* m = std::get_if<ModuleFinished>(&event)) {
      m->output_tail = SanitizeUtf8(m->output_tail);
    }
  }
  return events;
}

TEST(JsonEventsTest, TheSampleRunComesBackEventForEvent) {
  const std::vector<RunEvent> sample = SampleRun();
  std::set<std::size_t> types;
  std::set<CaseStatus> statuses;
  bool warned_unchecked = false;  // a reason with a status other than UNCHECKED
  bool multi_process = false;     // two processes of one target in one case
  for (const RunEvent& event : sample) {
    types.insert(event.index());
    if (const auto* c = std::get_if<CaseFinished>(&event)) {
      statuses.insert(c->status);
      warned_unchecked |= c->status != CaseStatus::kUnchecked && !c->unchecked.empty();
      for (std::size_t i = 1; i < c->leaks.size(); ++i) {
        multi_process |=
            c->leaks[i].target == c->leaks[i - 1].target && c->leaks[i].pid != c->leaks[i - 1].pid;
      }
    }
  }
  ASSERT_EQ(types.size(), std::variant_size_v<RunEvent>) << "the sample lacks an event type";
  ASSERT_EQ(statuses.size(), kCaseStatusCount) << "the sample lacks a case status";
  ASSERT_TRUE(warned_unchecked) << "the sample lacks an on_unchecked: warn case";
  ASSERT_TRUE(multi_process) << "the sample lacks a leak in two processes of one target";
  ExpectSameEvents(AsWritten(sample), RoundTrip(sample));
}

TEST(JsonEventsTest, RenderingWhatCameBackGivesTheSameDocument) {
  const std::vector<RunEvent> sample = SampleRun();
  EXPECT_EQ(Render(RoundTrip(sample)), Render(sample));
}

// What the sample leaves at its defaults: a shard, an interrupted run with an infrastructure
// error, a stop that left survivors on another worker.
TEST(JsonEventsTest, FieldsTheSampleLeavesAtDefaultsComeBackToo) {
  const std::vector<RunEvent> events = {
      RunStarted{.at = SampleTime(0),
                 .config_path = "ci/leakwatch.yaml",
                 .modules = 3,
                 .jobs = 4,
                 .shard = std::pair{2, 5}},
      ServerStopped{.at = SampleTime(5), .worker = 3, .pid = 77, .report = "r", .clean = false},
      CaseFinished{.at = SampleTime(7),
                   .worker = 2,
                   .module = "m",
                   .name = "c",
                   .status = CaseStatus::kPass,
                   .attempt = 3,
                   .leaks = {LeakReport{.target = "test", .pid = 9, .kinds = {{"thread", 1}}}}},
      // A tally that no event above adds up to: run-finished's own is read, not recounted.
      RunFinished{.at = SampleTime(10),
                  .duration = std::chrono::microseconds(10001),
                  .tally = {.by_status = {1, 2, 3, 4, 5, 6, 7, 8, 9},
                            .modules_not_run = 10,
                            .leaked = 11,
                            .unchecked = 12},
                  .interrupted = true,
                  .infrastructure_error = "the server never became ready"},
  };
  ExpectSameEvents(events, RoundTrip(events));
}

Result<std::vector<RunEvent>> FromText(const std::string& text) {
  return EventsFromJson(Json::parse(text), "in.json");
}

TEST(JsonEventsTest, AnEmptyRunHasNoEvents) {
  Result<std::vector<RunEvent>> events = FromText(R"({"schema": 2, "events": []})");
  ASSERT_TRUE(events.ok()) << events.error().message();
  EXPECT_TRUE(events->empty());
}

TEST(JsonEventsTest, ErrorsNameTheSourceAndThePlace) {
  auto message = [](const std::string& text) {
    Result<std::vector<RunEvent>> events = FromText(text);
    EXPECT_FALSE(events.ok()) << text;
    return events.ok() ? std::string() : events.error().message();
  };
  // A schema 1 report has leaks and counts of another shape: refused, not half read.
  EXPECT_EQ(message(R"({"schema": 1, "events": []})"),
            "in.json: /schema: unsupported schema 1 (this leakwatch reads schema 2)");
  EXPECT_EQ(message(R"([1, 2])"), "in.json: expected a JSON object (a leakwatch run report)");
  EXPECT_EQ(message(R"({"schema": 2})"), "in.json: missing field \"events\"");
  EXPECT_EQ(message(R"({"schema": 2, "events": [{"type": "coffee-break"}]})"),
            "in.json: /events/0/type: unknown event type \"coffee-break\"");
  EXPECT_EQ(message(R"({"schema": 2, "events": [{"type": "module-not-run", "at_unix_ms": 1,
                        "module": 7, "reason": ""}]})"),
            "in.json: /events/0/module: expected a string");
  EXPECT_EQ(message(R"({"schema": 2, "events": [{"type": "module-not-run", "at_unix_ms": 1,
                        "module": "m"}]})"),
            "in.json: /events/0: missing field \"reason\"");
  // The case status is read by name, as CaseStatusName writes it.
  Json sample = Json::parse(Render(SampleRun()));
  for (Json& event : sample["events"]) {
    if (event["type"] == "case-finished") event["status"] = "GREAT";
  }
  Result<std::vector<RunEvent>> events = EventsFromJson(sample, "in.json");
  ASSERT_FALSE(events.ok());
  EXPECT_THAT(events.error().message(), HasSubstr("/status: unknown case status \"GREAT\""));
}

// The tally is what `merge` adds up: a count left out or misnamed must not read as 0.
TEST(JsonEventsTest, RunFinishedTallyNamesEveryStatus) {
  Json sample = Json::parse(Render(SampleRun()));
  const std::size_t last = sample["events"].size() - 1;
  ASSERT_EQ(sample["events"][last]["type"], "run-finished");

  Json missing = sample;
  missing["events"][last]["tally"]["by_status"].erase("UNCHECKED");
  Result<std::vector<RunEvent>> events = EventsFromJson(missing, "in.json");
  ASSERT_FALSE(events.ok());
  const std::string tally = "in.json: /events/" + std::to_string(last) + "/tally";
  EXPECT_EQ(events.error().message(), tally + "/by_status: missing field \"UNCHECKED\"");

  Json unknown = sample;
  unknown["events"][last]["tally"]["by_status"]["BROKEN"] = 1;
  events = EventsFromJson(unknown, "in.json");
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.error().message(), tally + "/by_status/BROKEN: unknown case status \"BROKEN\"");
}

}  // namespace
}  // namespace leakwatch::run
