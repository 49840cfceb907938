// json_events.cpp — JSON report events back to RunEvent values; json_reporter.cpp is the other
// direction, and the two must change together (json_events_test.cpp round-trips every event).
#include "json_events.h"

#include <fmt/core.h>

#include <limits>
#include <optional>
#include <utility>

namespace leakwatch::run {
namespace {

using Json = nlohmann::json;

constexpr int kSchema = 2;  // as json_reporter.cpp writes

// Thrown inside EventsFromJson only and turned into an Error before it returns: reading a field
// deep in an event can fail in many places, and each would otherwise need its own early return.
struct FieldError {
  std::string pointer;  // "/events/3/worker"
  std::string message;
};

// Typed access to one value that remembers its JSON pointer, for error messages.
class Reader {
 public:
  Reader(const Json& value, std::string pointer) : value_(value), pointer_(std::move(pointer)) {}

  Reader Field(const std::string& key) const {
    if (!value_.is_object()) Fail("expected an object");
    auto it = value_.find(key);
    if (it == value_.end()) Fail(fmt::format("missing field \"{}\"", key));
    return Reader(*it, pointer_ + "/" + key);
  }
  bool IsNull() const { return value_.is_null(); }

  std::int64_t Int64() const {
    if (!value_.is_number_integer()) Fail("expected an integer");
    if (value_.is_number_unsigned() &&
        value_.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      Fail("integer out of range");
    }
    return value_.get<std::int64_t>();
  }
  int Int() const {
    std::int64_t value = Int64();
    if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
      Fail(fmt::format("integer {} out of range", value));
    }
    return static_cast<int>(value);
  }
  bool Bool() const {
    if (!value_.is_boolean()) Fail("expected true or false");
    return value_.get<bool>();
  }
  std::string String() const {
    if (!value_.is_string()) Fail("expected a string");
    return value_.get<std::string>();
  }
  template <typename F>
  void ForEach(F f) const {
    if (!value_.is_array()) Fail("expected an array");
    for (std::size_t i = 0; i < value_.size(); ++i) {
      f(Reader(value_[i], pointer_ + "/" + std::to_string(i)));
    }
  }
  // f(value, key) for every member of an object.
  template <typename F>
  void ForEachKey(F f) const {
    if (!value_.is_object()) Fail("expected an object");
    for (auto it = value_.begin(); it != value_.end(); ++it) {
      f(Reader(*it, pointer_ + "/" + it.key()), it.key());
    }
  }
  [[noreturn]] void Fail(std::string message) const {
    throw FieldError{pointer_, std::move(message)};
  }

 private:
  const Json& value_;
  std::string pointer_;
};

Clock::time_point At(const Reader& event) {
  return Clock::time_point(std::chrono::milliseconds(event.Field("at_unix_ms").Int64()));
}

std::chrono::microseconds Micros(const Reader& value) {
  return std::chrono::microseconds(value.Int64());
}

CaseStatus StatusFromName(const Reader& value) {
  std::string name = value.String();
  std::optional<CaseStatus> status = CaseStatusFromName(name);
  if (!status) value.Fail(fmt::format("unknown case status \"{}\"", name));
  return *status;
}

RunStarted ReadRunStarted(const Reader& e) {
  RunStarted event{.at = At(e),
                   .config_path = e.Field("config_path").String(),
                   .modules = e.Field("modules").Int(),
                   .jobs = e.Field("jobs").Int()};
  Reader shard = e.Field("shard");
  if (!shard.IsNull()) {
    event.shard = std::pair{shard.Field("index").Int(), shard.Field("total").Int()};
  }
  return event;
}

ServerStarted ReadServerStarted(const Reader& e) {
  return ServerStarted{.at = At(e),
                       .worker = e.Field("worker").Int(),
                       .name = e.Field("name").String(),
                       .pid = e.Field("pid").Int(),
                       .port = e.Field("port").Int(),
                       .generation = e.Field("generation").Int(),
                       .reason = e.Field("reason").String(),
                       .containment = e.Field("containment").String(),
                       .ready_after = Micros(e.Field("ready_after_us"))};
}

ServerStopped ReadServerStopped(const Reader& e) {
  return ServerStopped{.at = At(e),
                       .worker = e.Field("worker").Int(),
                       .pid = e.Field("pid").Int(),
                       .report = e.Field("report").String(),
                       .clean = e.Field("clean").Bool()};
}

ModuleStarted ReadModuleStarted(const Reader& e) {
  return ModuleStarted{.at = At(e),
                       .worker = e.Field("worker").Int(),
                       .module = e.Field("module").String(),
                       .pid = e.Field("pid").Int(),
                       .server_pid = e.Field("server_pid").Int(),
                       .fresh_server = e.Field("fresh_server").Bool(),
                       .server_note = e.Field("server_note").String()};
}

ModuleNotRun ReadModuleNotRun(const Reader& e) {
  return ModuleNotRun{
      .at = At(e), .module = e.Field("module").String(), .reason = e.Field("reason").String()};
}

LeakReport ReadLeak(const Reader& leak) {
  LeakReport report{.target = leak.Field("target").String(),
                    .pid = leak.Field("pid").Int(),
                    .command = leak.Field("command").String()};
  leak.Field("kinds").ForEach([&](const Reader& kind) {
    report.kinds.push_back(
        LeakedKind{.kind = kind.Field("kind").String(), .count = kind.Field("count").Int64()});
  });
  leak.Field("details").ForEach(
      [&](const Reader& detail) { report.details.push_back(detail.String()); });
  return report;
}

// "failed" is derived from the status (IsFailure) and not read back.
CaseFinished ReadCaseFinished(const Reader& e) {
  CaseFinished event{.at = At(e),
                     .worker = e.Field("worker").Int(),
                     .module = e.Field("module").String(),
                     .name = e.Field("name").String(),
                     .status = StatusFromName(e.Field("status")),
                     .duration = Micros(e.Field("duration_us")),
                     .attempt = e.Field("attempt").Int()};
  e.Field("leaks").ForEach([&](const Reader& leak) { event.leaks.push_back(ReadLeak(leak)); });
  event.message = e.Field("message").String();
  event.unchecked = e.Field("unchecked").String();
  return event;
}

ModuleFinished ReadModuleFinished(const Reader& e) {
  return ModuleFinished{.at = At(e),
                        .worker = e.Field("worker").Int(),
                        .module = e.Field("module").String(),
                        .duration = Micros(e.Field("duration_us")),
                        .exit_code = e.Field("exit_code").Int(),
                        .signal = e.Field("signal").Int(),
                        .timed_out = e.Field("timed_out").Bool(),
                        .output_tail = e.Field("output_tail").String()};
}

// Every status must be there: a count left out would silently read as 0 and change the tally
// that `merge` adds up.
RunTally ReadTally(const Reader& t) {
  RunTally tally;
  Reader by_status = t.Field("by_status");
  for (CaseStatus status : kAllCaseStatuses) {
    tally.by_status[static_cast<std::size_t>(status)] =
        by_status.Field(CaseStatusName(status)).Int();
  }
  by_status.ForEachKey([](const Reader& count, const std::string& name) {
    if (!CaseStatusFromName(name)) count.Fail(fmt::format("unknown case status \"{}\"", name));
  });
  tally.modules_not_run = t.Field("modules_not_run").Int();
  tally.leaked = t.Field("leaked").Int();
  tally.unchecked = t.Field("unchecked").Int();
  return tally;
}

RunFinished ReadRunFinished(const Reader& e) {
  return RunFinished{.at = At(e),
                     .duration = Micros(e.Field("duration_us")),
                     .tally = ReadTally(e.Field("tally")),
                     .interrupted = e.Field("interrupted").Bool(),
                     .infrastructure_error = e.Field("infrastructure_error").String()};
}

RunEvent ReadEvent(const Reader& e) {
  Reader type_field = e.Field("type");
  std::string type = type_field.String();
  if (type == "run-started") return ReadRunStarted(e);
  if (type == "server-started") return ReadServerStarted(e);
  if (type == "server-stopped") return ReadServerStopped(e);
  if (type == "module-started") return ReadModuleStarted(e);
  if (type == "module-not-run") return ReadModuleNotRun(e);
  if (type == "case-finished") return ReadCaseFinished(e);
  if (type == "module-finished") return ReadModuleFinished(e);
  if (type == "run-finished") return ReadRunFinished(e);
  type_field.Fail(fmt::format("unknown event type \"{}\"", type));
}

}  // namespace

Result<std::vector<RunEvent>> EventsFromJson(const Json& document, const std::string& source) {
  try {
    Reader root(document, "");
    if (!document.is_object()) root.Fail("expected a JSON object (a leakwatch run report)");
    Reader schema = root.Field("schema");
    if (schema.Int64() != kSchema) {
      schema.Fail(fmt::format("unsupported schema {} (this leakwatch reads schema {})",
                              schema.Int64(), kSchema));
    }
    std::vector<RunEvent> events;
    root.Field("events").ForEach([&](const Reader& event) { events.push_back(ReadEvent(event)); });
    return events;
  } catch (const FieldError& e) {
    return Error(
        ErrorCode::kParseError,
        fmt::format("{}: {}{}", source, e.pointer.empty() ? "" : e.pointer + ": ", e.message));
  }
}

}  // namespace leakwatch::run
