// proc_reader.h — small, allocation-light readers for procfs (private to the harness).
//
// procfs files are generated on read and can vanish at any moment (the process exits, the FD
// closes); every reader reports that as an errno, never as a crash, and opens with O_CLOEXEC so
// nothing leaks into a child spawned on another thread.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace leakwatch::internal {

// Reads a whole procfs file relative to `dirfd` into `out`. Returns 0 or an errno.
int ReadFileAt(int dirfd, const char* path, std::string& out);

// Numeric entries of a directory (/proc/PID/fd, /proc/PID/task), in the order the kernel
// returns them (ascending for both). Returns 0 or an errno. Reads from the directory's current
// position: pass a freshly opened descriptor.
int ReadNumericEntries(int dirfd, std::vector<int>& out);

// /proc/PID/stat is parsed by ParseProcStat in leakwatch/proc_stat.h.

// The value after "Key:" in a /proc status-style file, e.g. FieldValue(status, "VmRSS").
std::string_view FieldValue(std::string_view text, std::string_view key);

// Leading integer of `text` after skipping blanks; `fallback` if there is none.
long long ParseLeadingInt(std::string_view text, long long fallback);

}  // namespace leakwatch::internal

namespace leakwatch::internal {

// Counts the lines of a procfs file without keeping it (/proc/PID/maps can be megabytes).
int CountLinesAt(int dirfd, const char* path, long long& count);

}  // namespace leakwatch::internal
