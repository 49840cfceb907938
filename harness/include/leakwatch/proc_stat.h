// proc_stat.h — one process's /proc/PID/stat: its state, parent, group, session and flags.
//
// Defines `ProcStat`, the fields leakwatch uses from the kernel's one-line status of a process,
// `ParseProcStat` for text already read (say, relative to a /proc/PID directory descriptor that
// pins the process), and `ReadProcStat` to read and parse /proc/PID/stat in one go.
//
//   leakwatch::Result<leakwatch::ProcStat> stat = leakwatch::ReadProcStat(pid);
//   if (!stat || stat->Exiting()) return;  // gone, a zombie, or on its way out
//   Report(stat->comm, stat->ppid);
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "leakwatch/result.h"

namespace leakwatch {

// The fields of "/proc/PID/stat" that leakwatch reads; see proc(5) for the numbering.
struct ProcStat {
  // PF_EXITING in `flags`: the kernel has begun to tear the process down (it may already have
  // dropped its FD table) though it is not yet a zombie.
  static constexpr unsigned kPfExiting = 0x4;

  pid_t pid = 0;                      // field 1
  std::string comm;                   // field 2, without the parentheses; may hold ' ' and ')'
  char state = '?';                   // field 3: R, S, D, Z, T, t, X, ...
  pid_t ppid = 0;                     // field 4
  pid_t pgid = 0;                     // field 5, the process group
  pid_t sid = 0;                      // field 6, the session
  unsigned flags = 0;                 // field 9, the kernel's PF_* flags
  unsigned long long start_time = 0;  // field 22, clock ticks after boot: with pid, an identity

  // A zombie (Z), dead (X), or exiting (PF_EXITING) process: whatever it held is going away, so
  // counting its resources now says nothing about leaks.
  bool Exiting() const { return state == 'Z' || state == 'X' || (flags & kPfExiting) != 0; }
};

// Parses the text of a /proc/PID/stat file. The comm runs from the first '(' to the last ')',
// so a comm with spaces or parentheses is read whole. At least the pid, comm, state and ppid must
// be there; fields the text ends before stay 0. kParseError if the text is not such a line.
[[nodiscard]] Result<ProcStat> ParseProcStat(std::string_view text);

// Reads and parses /proc/PID/stat. kNotFound ("process PID does not exist") once the process has
// been reaped; a zombie still reads, with Exiting() true.
[[nodiscard]] Result<ProcStat> ReadProcStat(pid_t pid);

}  // namespace leakwatch
