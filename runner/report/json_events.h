// json_events.h — the inverse of the JSON report's event serialisation (json_reporter.cpp).
//
// `leakwatch merge` rebuilds shard runs from their JSON reports and feeds the events to the same
// reporters a run uses, so that a merged report is what one run over the union would write. That
// works only if every field survives the trip: JsonReporter::Render() followed by EventsFromJson()
// gives back the events it was given (times at millisecond precision; bytes that were not UTF-8
// come back as U+FFFD, as the report wrote them).
//
//   nlohmann::json document = nlohmann::json::parse(text);
//   Result<std::vector<RunEvent>> events = EventsFromJson(document, "out/shard-1.json");
//   if (!events) std::cerr << events.error().message();   // "out/shard-1.json: /events/3/..."
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "events.h"
#include "leakwatch/result.h"

namespace leakwatch::run {

// Reads a whole run report (schema 2: {"schema", "config", "events", "summary"}) and returns its
// events in order. "config" and "summary" are derived from the events and are not read. Errors
// (kParseError) name `source` and the JSON pointer of the offending value:
//   "out/shard-1.json: /events/3/worker: expected an integer".
Result<std::vector<RunEvent>> EventsFromJson(const nlohmann::json& document,
                                             const std::string& source);

}  // namespace leakwatch::run
