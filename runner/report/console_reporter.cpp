// console_reporter.cpp — nextest-style lines, a TTY progress line, and the summary.
#include "console_reporter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <variant>

#include "leakwatch/leak_report.h"
#include "report_text.h"

namespace leakwatch::run {
namespace {

// Column width of the status words; "UNCHECKED" is the longest.
constexpr int kWordWidth = 9;
// Lines below a case line start under its duration.
constexpr std::string_view kIndent = "           ";
// Erase the whole line and return to its start: a shorter progress line leaves no remnants.
constexpr std::string_view kClearLine = "\r\x1b[2K";

// The order the summary counts statuses in: the good news, then the failures.
constexpr CaseStatus kSummaryOrder[] = {
    CaseStatus::kPass,    CaseStatus::kFlaky, CaseStatus::kSkipped,
    CaseStatus::kFail,    CaseStatus::kLeak,  CaseStatus::kUnchecked,
    CaseStatus::kTimeout, CaseStatus::kCrash, CaseStatus::kNotRun,
};
static_assert(std::size(kSummaryOrder) == kCaseStatusCount, "the summary names every status");

const char* StatusColor(CaseStatus status) {
  switch (status) {
    case CaseStatus::kPass:
      return "32";  // green
    case CaseStatus::kFlaky:
    case CaseStatus::kSkipped:
      return "33";  // yellow
    case CaseStatus::kNotRun:
      return "1;33";  // bold yellow
    case CaseStatus::kLeak:
      return "1;35";  // bold magenta: not the test's own failure
    case CaseStatus::kUnchecked:
      return "1;34";  // bold blue: nobody knows whether it leaked
    case CaseStatus::kFail:
    case CaseStatus::kTimeout:
    case CaseStatus::kCrash:
      return "1;31";  // bold red
  }
  return "0";
}

// NO_COLOR (https://no-color.org): present and not empty disables colour.
bool NoColorRequested() {
  const char* value = std::getenv("NO_COLOR");
  return value != nullptr && value[0] != '\0';
}

// Cuts `text` to at most `width` bytes without splitting a UTF-8 sequence.
std::string CutToWidth(std::string text, std::size_t width) {
  if (text.size() <= width) return text;
  std::size_t end = width;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

std::string Word(std::string_view word) {
  return fmt::format("{:>{}}", word, kWordWidth);
}

}  // namespace

ConsoleReporter::ConsoleReporter(std::ostream& out, bool is_tty, ConsoleOptions options)
    : out_(out),
      options_(options),
      color_(options.color.value_or(is_tty && !NoColorRequested())),
      progress_(is_tty && options.progress) {}

void ConsoleReporter::Report(const RunEvent& event) {
  // No catch-all: a new event type does not compile until it is handled here.
  std::visit([this](const auto& e) { On(e); }, event);
  if (progress_ && !run_finished_) {
    DrawProgress(std::visit([](const auto& e) { return e.at; }, event));
  }
}

void ConsoleReporter::On(const RunStarted& event) {
  run_started_at_ = event.at;
  modules_total_ = event.modules;
}

void ConsoleReporter::On(const ServerStarted& event) {
  std::string line = fmt::format("{} {} pid {}", Paint(Word("SERVER"), "1;36"),
                                 event.name.empty() ? "server" : event.name, event.pid);
  if (event.port > 0) line += fmt::format(" on port {}", event.port);
  if (event.worker > 0) line += fmt::format(", worker {}", event.worker);
  line += fmt::format(", ready in {}s", FormatSeconds(event.ready_after));
  if (!event.reason.empty()) line += fmt::format(" (respawned: {})", event.reason);
  PrintLine(line);
}

void ConsoleReporter::On(const ServerStopped& event) {
  // A clean stop is the normal case; only survivors (an escaped grandchild) are news.
  if (event.clean) return;
  PrintLine(fmt::format("{} pid {} stopped, not clean: {}", Paint(Word("SERVER"), "1;33"),
                        event.pid, event.report));
}

void ConsoleReporter::On(const ModuleStarted& event) {
  running_.push_back(event.module);
}

void ConsoleReporter::On(const ModuleNotRun& event) {
  ++modules_done_;
  tally_.Add(event);
  std::erase(running_, event.module);
  PrintLine(CaseLine(CaseStatus::kNotRun, {}, event.module, ""));
  PrintIndented(CutLines("module not run: " + event.reason, options_.max_message_lines));
  failed_.push_back({CaseStatus::kNotRun, {}, event.module, ""});
}

void ConsoleReporter::On(const CaseFinished& event) {
  tally_.Add(event);
  std::string line = CaseLine(event.status, event.duration, event.module, event.name);
  if (event.status == CaseStatus::kFlaky) {
    line += fmt::format(" (passed on attempt {})", event.attempt);
  }
  if (!event.leaks.empty()) {
    // With on_leak: warn a leaking case passes; the leak is still worth a line.
    line += event.status == CaseStatus::kLeak ? "  " : "  leaked (on_leak: warn): ";
    line += SummarizeLeaks(event.leaks);
  }
  // UNCHECKED shows its reason below; any other status with a reason passed the check by
  // on_unchecked: warn, which must not hide that nothing was checked.
  std::vector<std::string> reason = CutLines(event.unchecked, options_.max_message_lines);
  if (!reason.empty() && event.status != CaseStatus::kUnchecked) {
    line += "  not checked (on_unchecked: warn): " + reason.front();
    reason.erase(reason.begin());
  }
  PrintLine(line);
  PrintIndented(reason);

  std::vector<std::string> details;
  for (const LeakReport& report : event.leaks) {
    // The pid tells apart the processes of one target (a server's workers).
    std::string prefix = report.pid > 0 ? fmt::format("{} pid {}: ", report.target, report.pid)
                                        : report.target + ": ";
    std::size_t shown = std::min(report.details.size(), options_.max_detail_lines);
    for (std::size_t i = 0; i < shown; ++i) details.push_back(prefix + report.details[i]);
    if (shown < report.details.size()) {
      details.push_back(fmt::format("{}... {} more", prefix, report.details.size() - shown));
    }
  }
  PrintIndented(details);
  if (IsFailure(event.status)) {
    PrintIndented(CutLines(event.message, options_.max_message_lines));
    failed_.push_back({event.status, event.duration, event.module, event.name});
  }
}

void ConsoleReporter::On(const ModuleFinished& event) {
  ++modules_done_;
  std::erase(running_, event.module);
}

void ConsoleReporter::On(const RunFinished& event) {
  ClearProgress();
  run_finished_ = event;
}

Status ConsoleReporter::Finish() {
  ClearProgress();
  // The engine's tally is the one the exit code follows; without its final event, ours.
  const RunTally& tally = run_finished_ ? run_finished_->tally : tally_;
  std::string by_status;
  for (CaseStatus status : kSummaryOrder) {
    if (tally.Of(status) == 0) continue;
    by_status += fmt::format("{}{} {}", by_status.empty() ? "" : ", ", CaseStatusName(status),
                             tally.Of(status));
  }
  std::string line = fmt::format(
      "{} [{:>8}s] {} case{}, {} module{}", Paint(Word("SUMMARY"), "1"),
      FormatSeconds(run_finished_ ? run_finished_->duration : std::chrono::microseconds(0)),
      tally.cases(), tally.cases() == 1 ? "" : "s", modules_total_, modules_total_ == 1 ? "" : "s");
  if (!by_status.empty()) line += ": " + by_status;
  if (tally.modules_not_run > 0) {
    line += fmt::format("; {} module{} not run", tally.modules_not_run,
                        tally.modules_not_run == 1 ? "" : "s");
  }
  // Cases that passed although they could not be checked: with on_unchecked: warn they are not
  // failures, and the summary is the last place to say so.
  int warned = tally.unchecked - tally.Of(CaseStatus::kUnchecked);
  if (warned > 0) {
    line +=
        fmt::format("; {} case{} not checked (on_unchecked: warn)", warned, warned == 1 ? "" : "s");
  }
  out_ << "------------\n" << line << "\n";
  for (const Failed& failed : failed_) {
    out_ << CaseLine(failed.status, failed.duration, failed.module, failed.name) << "\n";
  }

  bool first_report = true;
  for (const ReportFile& file : report_files_) {
    if (!file.error.empty()) continue;
    out_ << (first_report ? Paint(Word("REPORTS"), "1") : std::string(kWordWidth, ' ')) << " "
         << file.path << "\n";
    first_report = false;
  }
  for (const ReportFile& file : report_files_) {
    if (!file.error.empty()) out_ << Paint(Word("ERROR"), "1;31") << " " << file.error << "\n";
  }
  if (run_finished_ && !run_finished_->infrastructure_error.empty()) {
    out_ << Paint(Word("ERROR"), "1;31") << " " << run_finished_->infrastructure_error << "\n";
  }
  if (!run_finished_) {
    out_ << Paint(Word("NOTE"), "1;33")
         << " the run stopped before it finished: the results cover what ran\n";
  } else if (run_finished_->interrupted) {
    out_ << Paint(Word("NOTE"), "1;33")
         << " interrupted (Ctrl-C or SIGTERM): the results cover what ran before\n";
  }

  // Plain on purpose: scripts grep for it.
  out_ << fmt::format("{} passed, {} failed\n", tally.passed(), tally.failed());
  out_.flush();
  return Ok{};
}

void ConsoleReporter::NoteReportFile(const std::string& path, const Status& written) {
  report_files_.push_back({path, written.ok() ? "" : written.error().message()});
}

std::string ConsoleReporter::Paint(const std::string& text, const char* code) const {
  if (!color_) return text;
  return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

std::string ConsoleReporter::StatusWord(CaseStatus status) const {
  return Paint(Word(CaseStatusName(status)), StatusColor(status));
}

std::string ConsoleReporter::CaseLine(CaseStatus status, std::chrono::microseconds duration,
                                      const std::string& module, const std::string& name) const {
  std::string line =
      fmt::format("{} [{:>8}s] {}", StatusWord(status), FormatSeconds(duration), module);
  if (!name.empty()) line += " " + Paint(name, "1");
  return line;
}

void ConsoleReporter::PrintIndented(const std::vector<std::string>& lines) {
  for (const std::string& line : lines) PrintLine(std::string(kIndent) + line);
}

void ConsoleReporter::PrintLine(const std::string& line) {
  ClearProgress();
  out_ << line << "\n";
}

void ConsoleReporter::ClearProgress() {
  if (!progress_shown_) return;
  out_ << kClearLine;
  progress_shown_ = false;
}

void ConsoleReporter::DrawProgress(Clock::time_point now) {
  auto elapsed = run_started_at_
                     ? std::chrono::duration_cast<std::chrono::microseconds>(now - *run_started_at_)
                     : std::chrono::microseconds(0);
  std::string text = fmt::format("{} [{:>8}s] {}/{} modules: {} passed, {} failed", Word("RUNNING"),
                                 FormatSeconds(elapsed), modules_done_, modules_total_,
                                 tally_.passed(), tally_.failed());
  for (std::size_t i = 0; i < running_.size(); ++i) {
    text += (i == 0 ? "; " : ", ") + running_[i];
  }
  // One column short of the width: writing the last column makes some terminals wrap.
  text = CutToWidth(std::move(text), static_cast<std::size_t>(std::max(options_.width - 1, 10)));
  // Colour after cutting, so that an escape sequence is never cut in half.
  std::string word = Word("RUNNING");
  if (text.starts_with(word)) text = Paint(word, "1;36") + text.substr(word.size());
  out_ << kClearLine << text << std::flush;
  progress_shown_ = true;
}

}  // namespace leakwatch::run
