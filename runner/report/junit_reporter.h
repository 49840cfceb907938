// junit_reporter.h — JUnit XML for CI systems (GitLab, Jenkins, GitHub test-report actions).
//
// Cumulative: collects the run and writes the file in Finish(). One <testsuite> per module, one
// <testcase classname="module" name="case"> per case. LEAK, FAIL, TIMEOUT, CRASH and NOT RUN are
// <failure type="LEAK"|...> — CI systems show failures, and a leak must stop a merge like a
// failed assertion — with the leaking processes, their details and the message in the element
// text (the message attribute of a LEAK is SummarizeLeaks). UNCHECKED is <error type="UNCHECKED">
// with the reason's first line as its message: the check went wrong, not the test. SKIP is
// <skipped/>; FLAKY passes with a <system-out> note, as do leaks under on_leak: warn and reasons
// under on_unchecked: warn. A module that never started is a suite with one NOT RUN case named
// after the module; an infrastructure error is an <error> in a suite named "leakwatch", so that a
// run which tested nothing is never green. The counts come from RunTally.
//
// Finish() without a RunFinished (the engine stopped early), or after an interrupted run, writes
// what was collected with <property name="interrupted" value="true"/> in every suite.
//
//   JunitReporter junit("out/junit.xml");
//   ... junit.Report(event) for every event ...
//   Status written = junit.Finish();   // atomic: out/junit.xml.tmp, fsync, rename
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "events.h"
#include "reporter.h"

namespace leakwatch::run {

class JunitReporter final : public Reporter {
 public:
  explicit JunitReporter(std::string path);

  void Report(const RunEvent& event) override;
  Status Finish() override;
  std::string output_path() const override { return path_; }

  // The document as of now (what Finish() writes).
  std::string Render() const;

 private:
  struct Suite {
    std::string module;
    std::optional<ModuleStarted> started;
    std::optional<ModuleFinished> finished;
    std::optional<ModuleNotRun> not_run;
    std::vector<CaseFinished> cases;
  };

  void On(const RunStarted& event);
  void On(const ServerStarted& event);
  void On(const ServerStopped& event);
  void On(const ModuleStarted& event);
  void On(const ModuleNotRun& event);
  void On(const CaseFinished& event);
  void On(const ModuleFinished& event);
  void On(const RunFinished& event);
  Suite& SuiteFor(const std::string& module);

  std::string path_;
  std::optional<RunStarted> run_started_;
  std::optional<RunFinished> run_finished_;
  std::vector<Suite> suites_;                   // in the order modules first appeared
  std::map<std::string, std::size_t> by_name_;  // module -> index in suites_
};

}  // namespace leakwatch::run
