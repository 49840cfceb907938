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

// The command did what was asked (for `diff`: nothing grew beyond its slack).
inline constexpr int kExitOk = 0;
// `diff` found at least one kind that grew beyond its slack. Not an error: the answer is "leak".
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
