// console_reporter.h — the human-readable stream of `leakwatch run`, in the manner of nextest.
//
// One line per case as it finishes — status word, duration, module and case — with what leaked
// (or why the case could not be checked) and the failure message indented below; a line per
// server start (and why it was respawned) and per module that did not run. On a TTY the status
// words are coloured (unless NO_COLOR is set) and a progress line is kept at the bottom, redrawn
// with \r and cleared before every normal line; elsewhere the output is plain lines only, so logs
// and pipes stay readable.
//
//        LEAK [   0.034s] demo-leaks Leaks.HelperSpawn  server: tcp +1 in pid 1012 (demo-server)
//              server pid 1012: fd 9 tcp socket:[81234] 127.0.0.1:40001 <- 127.0.0.1:51234 ...
//   UNCHECKED [   0.004s] demo-leaks Leaks.NotDumpable
//              server: its "after" snapshot failed: process 1012 (demo-server) of the tree: ...
//        PASS [   0.003s] demo-leaks Leaks.Warned  not checked (on_unchecked: warn): server: ...
//      SERVER demo-server pid 1030 on port 40001 (respawned: crashed in m/c: killed by SIGABRT)
//   ...
//   5 passed, 8 failed
//
// Finish() prints the summary, counted by RunTally (RunFinished's, or the reporter's own when the
// run stopped early); its last line is always exactly "N passed, N failed" (plain), for scripts
// and for people scrolling a CI log.
//
//   ConsoleReporter console(std::cout, isatty(STDOUT_FILENO), {.progress = !no_progress});
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "events.h"
#include "reporter.h"

namespace leakwatch::run {

struct ConsoleOptions {
  bool progress = true;       // false with --no-progress; the progress line needs a TTY anyway
  std::optional<bool> color;  // unset: on a TTY unless NO_COLOR is set and not empty
  int width = 80;             // terminal columns: the progress line is cut to fit (no wrap)
  std::size_t max_message_lines = 12;  // longer failure messages are cut in the middle
  std::size_t max_detail_lines = 10;   // leak detail lines shown per process
};

class ConsoleReporter final : public Reporter {
 public:
  // `out` must outlive the reporter. `is_tty`: whether `out` is a terminal (the caller checks,
  // so that tests can ask for either).
  ConsoleReporter(std::ostream& out, bool is_tty, ConsoleOptions options = {});

  void Report(const RunEvent& event) override;
  // Clears the progress line and prints the summary.
  Status Finish() override;
  void NoteReportFile(const std::string& path, const Status& written) override;

 private:
  struct Failed {  // one line of the summary's list
    CaseStatus status;
    std::chrono::microseconds duration;
    std::string module;
    std::string name;  // empty for a module that did not run
  };
  struct ReportFile {
    std::string path;
    std::string error;  // empty when written
  };

  void On(const RunStarted& event);
  void On(const ServerStarted& event);
  void On(const ServerStopped& event);
  void On(const ModuleStarted& event);
  void On(const ModuleNotRun& event);
  void On(const CaseFinished& event);
  void On(const ModuleFinished& event);
  void On(const RunFinished& event);

  // Text in the ANSI colour `code` when colours are on.
  std::string Paint(const std::string& text, const char* code) const;
  std::string StatusWord(CaseStatus status) const;
  std::string CaseLine(CaseStatus status, std::chrono::microseconds duration,
                       const std::string& module, const std::string& name) const;
  void PrintIndented(const std::vector<std::string>& lines);
  void PrintLine(const std::string& line);  // clears the progress line first
  void ClearProgress();
  void DrawProgress(Clock::time_point now);

  std::ostream& out_;
  ConsoleOptions options_;
  bool color_;
  bool progress_;                // drawing a progress line at all (TTY and not disabled)
  bool progress_shown_ = false;  // a progress line is on screen now and must be cleared

  std::optional<Clock::time_point> run_started_at_;
  int modules_total_ = 0;
  int modules_done_ = 0;              // finished or not run
  std::vector<std::string> running_;  // modules started and not finished, in start order
  RunTally tally_;                    // what was reported so far
  std::vector<Failed> failed_;        // the summary's list, in report order
  std::vector<ReportFile> report_files_;
  std::optional<RunFinished> run_finished_;
};

}  // namespace leakwatch::run
