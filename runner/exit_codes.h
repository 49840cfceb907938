// exit_codes.h — the exit codes of the `leakwatch` command, in one table.
//
// Scripts and CI jobs branch on these, so they are part of the interface: docs/cli.md documents
// the same table, and a code never changes meaning once released. Library errors are mapped here
// and nowhere else.
//
//   Result<Snapshot> snap = TakeSnapshot(pid);
//   if (!snap) return leakwatch::cli::ExitCodeFor(snap.error().code());   // 4 when it is gone
//   return growth.empty() ? leakwatch::cli::kExitOk : leakwatch::cli::kExitGrowth;
#pragma once

#include "leakwatch/result.h"

namespace leakwatch::cli {

// The command did what was asked (`diff`: nothing grew beyond its slack; `run`, `merge`: every
// case passed).
inline constexpr int kExitOk = 0;
// Not an error: the answer is "leak". `diff` found a kind that grew beyond its slack; `run` and
// `merge`: a case failed, leaked, crashed, timed out, could not be checked, or a module did not
// run.
inline constexpr int kExitGrowth = 1;
// Usage error: unknown flag, bad value, missing argument, an input file that cannot be read or
// does not parse. Retrying the same command line cannot succeed.
inline constexpr int kExitUsage = 2;
// Infrastructure or other operating-system error (procfs read failed, poll failed, ...).
inline constexpr int kExitFailure = 3;
// The target process does not exist, or exited before it could be read (ErrorCode::kNotFound).
inline constexpr int kExitNoProcess = 4;
// The target exists but this user may not read it (ErrorCode::kPermissionDenied).
inline constexpr int kExitPermissionDenied = 5;

// `run` interrupted by a signal: 128 + the signal (130 for SIGINT, 143 for SIGTERM), as a shell
// reports a death by that signal.
inline constexpr int kExitInterruptedBase = 128;

// The exit code of `run`, from how it ended: an interrupt wins, then an infrastructure error (the
// server never became ready) or a report that could not be written, then the cases.
constexpr int RunExitCode(int interrupt_signal, bool infrastructure_error, bool reports_written,
                          int failed_cases) {
  if (interrupt_signal != 0) return kExitInterruptedBase + interrupt_signal;
  if (infrastructure_error || !reports_written) return kExitFailure;
  return failed_cases > 0 ? kExitGrowth : kExitOk;
}

constexpr int ExitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound:
      return kExitNoProcess;
    case ErrorCode::kPermissionDenied:
      return kExitPermissionDenied;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kParseError:
      return kExitUsage;
    case ErrorCode::kIo:
    // A server under test that would not start or get ready is an infrastructure failure for
    // the commands so far; none of them starts one yet.
    case ErrorCode::kTimeout:
    case ErrorCode::kProcessExited:
      return kExitFailure;
  }
  return kExitFailure;
}

}  // namespace leakwatch::cli
