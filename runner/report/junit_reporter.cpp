// junit_reporter.cpp — builds the JUnit document from the collected events.
#include "junit_reporter.h"

#include <fmt/format.h>

#include <cstring>
#include <utility>
#include <variant>

#include "leakwatch/atomic_file.h"
#include "leakwatch/leak_report.h"
#include "report_text.h"

namespace leakwatch::run {
namespace {

// A failure message attribute is a one-line headline (CI systems show it in lists); the full
// text is the element's content.
constexpr std::size_t kMaxHeadline = 300;

std::string Attr(std::string_view name, std::string_view value) {
  return fmt::format(" {}=\"{}\"", name, EscapeXmlAttribute(value));
}

std::string Headline(const std::string& message, const char* fallback) {
  std::vector<std::string> lines = SplitLines(message);
  std::string headline = lines.empty() ? fallback : lines.front();
  if (headline.size() > kMaxHeadline) headline = headline.substr(0, kMaxHeadline) + "...";
  return headline;
}

// "server pid 1012 (demo-server --workers 2): tcp +1" and a line per detail, for each process.
// The whole command: the message attribute already has the short summary.
std::string LeakText(const std::vector<LeakReport>& leaks) {
  std::string text;
  for (const LeakReport& report : leaks) {
    text += report.target;
    if (report.pid > 0) text += fmt::format(" pid {}", report.pid);
    if (!report.command.empty()) text += fmt::format(" ({})", report.command);
    text += ": " + SummarizeKinds(report.kinds) + "\n";
    for (const std::string& detail : report.details) text += "  " + detail + "\n";
  }
  return text;
}

// What the warn settings let through without a failure of its own: with on_leak: warn a leaking
// case passes, with on_unchecked: warn a case that could not be checked keeps the test's status.
// Both still belong in the report.
std::string WarningNotes(const CaseFinished& c) {
  std::string note;
  if (!IsFailure(c.status) && !c.leaks.empty()) {
    note += "leaked (on_leak: warn): " + SummarizeLeaks(c.leaks) + "\n" + LeakText(c.leaks);
  }
  if (c.status != CaseStatus::kUnchecked && !c.unchecked.empty()) {
    note += "not checked (on_unchecked: warn): " + c.unchecked + "\n";
  }
  return note;
}

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev != nullptr ? std::string("SIG") + abbrev : fmt::format("signal {}", signal);
}

std::string DescribeExit(const ModuleFinished& finished) {
  std::string text = finished.signal != 0 ? "killed by " + SignalName(finished.signal)
                                          : fmt::format("exit code {}", finished.exit_code);
  if (finished.timed_out) text = "timed out, " + text;
  return text;
}

void AppendProperties(std::string& xml,
                      const std::vector<std::pair<std::string, std::string>>& properties) {
  if (properties.empty()) return;
  xml += "    <properties>\n";
  for (const auto& [name, value] : properties) {
    xml += "      <property" + Attr("name", name) + Attr("value", value) + "/>\n";
  }
  xml += "    </properties>\n";
}

// The counts of a <testsuite> or <testsuites>, from the run's one tally of what it holds. JUnit's
// own split: an UNCHECKED case is an error (the check, not the test, went wrong), every other
// failure status a failure; a module not run is one failing test case.
struct Counts {
  RunTally tally;
  int infrastructure_errors = 0;
  std::chrono::microseconds time{0};

  void Add(const Counts& other) {
    tally.Add(other.tally);
    infrastructure_errors += other.infrastructure_errors;
    time += other.time;
  }
  std::string Attributes() const {
    int errors = tally.Of(CaseStatus::kUnchecked);
    return fmt::format(" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\"",
                       tally.cases() + tally.modules_not_run + infrastructure_errors,
                       tally.failed() - errors, errors + infrastructure_errors, tally.skipped(),
                       FormatSeconds(time));
  }
};

std::string RenderCase(const CaseFinished& c) {
  std::string xml = "    <testcase" + Attr("classname", c.module) + Attr("name", c.name) +
                    Attr("time", FormatSeconds(c.duration));
  std::string body;
  if (c.status == CaseStatus::kUnchecked) {
    std::string text =
        c.unchecked + (c.unchecked.empty() ? "" : "\n") + LeakText(c.leaks) + c.message;
    body += "      <error" + Attr("message", Headline(c.unchecked, CaseStatusName(c.status))) +
            Attr("type", CaseStatusName(c.status)) + ">" + EscapeXmlText(text) + "</error>\n";
  } else if (IsFailure(c.status)) {
    std::string headline = c.status == CaseStatus::kLeak && !c.leaks.empty()
                               ? SummarizeLeaks(c.leaks)
                               : Headline(c.message, CaseStatusName(c.status));
    std::string text = LeakText(c.leaks) + c.message;
    body += "      <failure" + Attr("message", headline) + Attr("type", CaseStatusName(c.status)) +
            ">" + EscapeXmlText(text) + "</failure>\n";
  } else if (c.status == CaseStatus::kSkipped) {
    body += "      <skipped" + (c.message.empty() ? "" : Attr("message", Headline(c.message, ""))) +
            "/>\n";
  }
  std::string note;
  if (c.status == CaseStatus::kFlaky)
    note += fmt::format("flaky: passed on attempt {}\n", c.attempt);
  note += WarningNotes(c);
  if (!note.empty()) body += "      <system-out>" + EscapeXmlText(note) + "</system-out>\n";
  if (body.empty()) return xml + "/>\n";
  return xml + ">\n" + body + "    </testcase>\n";
}

}  // namespace

JunitReporter::JunitReporter(std::string path) : path_(std::move(path)) {}

void JunitReporter::Report(const RunEvent& event) {
  // No catch-all: a new event type does not compile until it is handled here.
  std::visit([this](const auto& e) { On(e); }, event);
}

void JunitReporter::On(const RunStarted& event) {
  run_started_ = event;
}
// Server lifecycles show through the modules they served (ModuleStarted::server_note).
void JunitReporter::On(const ServerStarted&) {}
void JunitReporter::On(const ServerStopped&) {}
void JunitReporter::On(const ModuleStarted& event) {
  SuiteFor(event.module).started = event;
}
void JunitReporter::On(const ModuleNotRun& event) {
  SuiteFor(event.module).not_run = event;
}
void JunitReporter::On(const CaseFinished& event) {
  SuiteFor(event.module).cases.push_back(event);
}
void JunitReporter::On(const ModuleFinished& event) {
  SuiteFor(event.module).finished = event;
}
void JunitReporter::On(const RunFinished& event) {
  run_finished_ = event;
}

JunitReporter::Suite& JunitReporter::SuiteFor(const std::string& module) {
  auto [it, inserted] = by_name_.try_emplace(module, suites_.size());
  if (inserted) suites_.push_back(Suite{.module = module});
  return suites_[it->second];
}

std::string JunitReporter::Render() const {
  // A run that never reached its end is as partial as an interrupted one.
  bool interrupted = !run_finished_ || run_finished_->interrupted;
  std::string suites_xml;
  Counts total;

  for (const Suite& suite : suites_) {
    Counts counts;
    std::string cases_xml;
    for (const CaseFinished& c : suite.cases) {
      counts.tally.Add(c);
      counts.time += c.duration;
      cases_xml += RenderCase(c);
    }
    if (suite.not_run) {
      CaseFinished not_run{.at = suite.not_run->at,
                           .module = suite.module,
                           .name = suite.module,
                           .status = CaseStatus::kNotRun,
                           .message = "module not run: " + suite.not_run->reason};
      counts.tally.Add(*suite.not_run);
      cases_xml += RenderCase(not_run);
    }
    if (suite.finished) counts.time = suite.finished->duration;

    std::optional<Clock::time_point> started;
    if (suite.started)
      started = suite.started->at;
    else if (suite.not_run)
      started = suite.not_run->at;
    else if (!suite.cases.empty())
      started = suite.cases.front().at - suite.cases.front().duration;

    std::vector<std::pair<std::string, std::string>> properties;
    if (interrupted) properties.emplace_back("interrupted", "true");
    if (suite.started && !suite.started->server_note.empty()) {
      properties.emplace_back("server", "respawned: " + suite.started->server_note);
    }
    if (suite.finished) properties.emplace_back("exit", DescribeExit(*suite.finished));

    suites_xml += "  <testsuite" + Attr("name", suite.module) + counts.Attributes();
    if (started) suites_xml += Attr("timestamp", FormatUtcTimestamp(*started));
    suites_xml += ">\n";
    AppendProperties(suites_xml, properties);
    suites_xml += cases_xml;
    if (suite.finished && !suite.finished->output_tail.empty()) {
      suites_xml +=
          "    <system-out>" + EscapeXmlText(suite.finished->output_tail) + "</system-out>\n";
    }
    suites_xml += "  </testsuite>\n";
    total.Add(counts);
  }

  // The run-level suite: an infrastructure error, or an interruption before any module ran.
  std::string infrastructure_error = run_finished_ ? run_finished_->infrastructure_error : "";
  if (!infrastructure_error.empty() || (interrupted && suites_.empty())) {
    Counts counts;
    std::string cases_xml;
    if (!infrastructure_error.empty()) {
      counts.infrastructure_errors = 1;
      cases_xml += "    <testcase" + Attr("classname", "leakwatch") + Attr("name", "run") +
                   Attr("time", "0.000") + ">\n      <error" +
                   Attr("message", Headline(infrastructure_error, "")) +
                   Attr("type", "infrastructure") + ">" + EscapeXmlText(infrastructure_error) +
                   "</error>\n    </testcase>\n";
    }
    suites_xml += "  <testsuite" + Attr("name", "leakwatch") + counts.Attributes();
    if (run_started_) suites_xml += Attr("timestamp", FormatUtcTimestamp(run_started_->at));
    suites_xml += ">\n";
    if (interrupted) AppendProperties(suites_xml, {{"interrupted", "true"}});
    suites_xml += cases_xml + "  </testsuite>\n";
    total.Add(counts);
  }

  if (run_finished_) total.time = run_finished_->duration;
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites" +
                    Attr("name", "leakwatch") + total.Attributes();
  if (run_started_) xml += Attr("timestamp", FormatUtcTimestamp(run_started_->at));
  return xml + ">\n" + suites_xml + "</testsuites>\n";
}

Status JunitReporter::Finish() {
  return WriteFileAtomically(path_, Render());
}

}  // namespace leakwatch::run
