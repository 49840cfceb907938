// reporter.h — the interface every report of `leakwatch run` implements, and a fan-out.
//
// A Reporter consumes the engine's events in order and never calls back into the engine.
// Streaming reporters (the console) write as events arrive; cumulative ones (JUnit, JSON) collect
// and write their file in Finish(). Finish() is called once, after RunFinished — or without it
// when the engine stopped early, in which case the file reporters write what they have and mark
// it incomplete.
//
//   MultiReporter reporters;
//   reporters.Add(std::make_unique<ConsoleReporter>(std::cout, is_tty));  // first: see below
//   reporters.Add(std::make_unique<JunitReporter>("out/junit.xml"));
//   engine.Run([&](const RunEvent& event) { reporters.Report(event); });
//   Status written = reporters.Finish();
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "events.h"
#include "leakwatch/result.h"

namespace leakwatch::run {

class Reporter {
 public:
  virtual ~Reporter() = default;

  virtual void Report(const RunEvent& event) = 0;
  // Writes what the reporter collected (files are written atomically). Called once.
  virtual Status Finish() { return Ok{}; }

  // The file Finish() writes; empty for reporters that write no file.
  virtual std::string output_path() const { return {}; }
  // Told how another reporter's Finish() went, before this reporter's own Finish(): the console
  // lists the reports written (and those that failed) in its summary, above its last line.
  virtual void NoteReportFile(const std::string& path, const Status& written) {
    (void)path;
    (void)written;
  }
};

// Forwards every event to each reporter in the order they were added. Finish() runs in reverse
// order (as GoogleTest forwards its End events), so a console reporter added first writes its
// summary last, after the files are written and with their outcome.
class MultiReporter final : public Reporter {
 public:
  void Add(std::unique_ptr<Reporter> reporter);

  void Report(const RunEvent& event) override;
  // Finishes every reporter, even after one failed; returns the first error.
  Status Finish() override;
  void NoteReportFile(const std::string& path, const Status& written) override;

 private:
  std::vector<std::unique_ptr<Reporter>> reporters_;
};

// The tally of a run: its RunFinished's (the engine's count, which the exit code follows), or,
// when the run stopped before one, the cases and modules not run among `events`.
RunTally TallyOf(const std::vector<RunEvent>& events);

}  // namespace leakwatch::run
