// case_check.h — the before/after check of one process around one case.
//
// Begin() takes the "before" snapshot; End() settles (re-checks with backoff while something is
// still above slack), diffs, and turns what stayed into a LeakReport: the kinds and counts beyond
// slack, and a line per added FD, thread or child.
//
//   CaseCheck server("server", server_pid, config.checks);
//   server.Begin();
//   ... the case runs ...
//   std::optional<LeakReport> leak = server.End();   // nullopt: nothing left behind
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "events.h"
#include "leakwatch/snapshot.h"
#include "leakwatch/suppressions.h"
#include "run_config.h"

namespace leakwatch::run {

class CaseCheck {
 public:
  // `suppressions` (may be null) drop known resources from every diff before it is judged.
  CaseCheck(std::string target, pid_t pid, const ChecksConfig& checks,
            const Suppressions* suppressions = nullptr)
      : target_(std::move(target)), pid_(pid), checks_(checks), suppressions_(suppressions) {}

  // False when the process cannot be read (it is gone): the case cannot be checked.
  bool Begin();
  // The leak, if any. Without a "before" (Begin failed) or when the process is gone, nullopt.
  // `case_name` ("Suite.Case") is what suppressions with a `test:` pattern match.
  std::optional<LeakReport> End(const std::string& case_name = "");
  bool begun() const { return before_.has_value(); }
  const std::string& error() const { return error_; }  // why Begin or End could not check

 private:
  std::string target_;
  pid_t pid_;
  const ChecksConfig& checks_;
  const Suppressions* suppressions_;
  std::optional<Snapshot> before_;
  std::string error_;
};

// "server: pidfd +1, thread +1" for the summary line of one report.
std::string SummarizeLeak(const LeakReport& report);
// The summaries of `reports` joined by "; ": "server: pidfd +1; test: eventfd +2".
std::string SummarizeLeaks(const std::vector<LeakReport>& reports);

}  // namespace leakwatch::run
