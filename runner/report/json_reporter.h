// json_reporter.h — the whole event model of a run as one JSON document (schema 2).
//
// Cumulative: keeps every event and writes, in Finish(),
//   {"schema": 2, "config": {...}, "events": [{"type": "case-finished", ...}, ...],
//    "summary": {...}}
// "events" holds every event in the order the engine emitted it, with every field, so that tools
// (and `leakwatch merge`) can rebuild any other report from it; "config" and "summary" are there
// so that a reader need not replay the events for the common questions. docs/json.md documents
// every event type and field. The summary's counts are RunTally's (RunFinished's, or the events'
// when the run stopped early). Strings are written as UTF-8; invalid bytes in test output become
// U+FFFD.
//
//   JsonReporter json("out/run.json");
//   ... json.Report(event) for every event ...
//   Status written = json.Finish();   // atomic: out/run.json.tmp, fsync, rename
#pragma once

#include <string>
#include <vector>

#include "events.h"
#include "reporter.h"

namespace leakwatch::run {

class JsonReporter final : public Reporter {
 public:
  explicit JsonReporter(std::string path);

  void Report(const RunEvent& event) override;
  Status Finish() override;
  std::string output_path() const override { return path_; }

  // The document as of now (what Finish() writes); without a RunFinished, "summary" says
  // "complete": false and tallies what was reported.
  std::string Render() const;

 private:
  std::string path_;
  std::vector<RunEvent> events_;
};

}  // namespace leakwatch::run
