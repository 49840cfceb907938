// snapshot.h — what a process holds at one instant: FDs by kind, threads, descendants, memory.
//
// TakeSnapshot reads procfs only: one pass over /proc/PID/fd (getdents64 + readlinkat, plus
// fstatat for path links, the protocol xattr for sockets and fdinfo for pidfds), the thread list,
// the children files of every thread (recursively, for descendants), and status/limits/maps.
// No process is spawned and /proc/net is read only when `resolve_socket_endpoints` is asked for.
//
//   Result<Snapshot> snap = TakeSnapshot(pid);
//   if (!snap) return snap.error();          // kNotFound or kPermissionDenied, with the PID
//   for (const FdInfo& fd : snap->fds) Print(fd.fd, FdKindName(fd.kind), fd.target);
//
// FDs that close between the directory read and the readlink are skipped: that races by nature.
// When a process snapshots itself, the descriptors the snapshot itself uses are left out.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "leakwatch/fd_kind.h"
#include "leakwatch/resource_counts.h"
#include "leakwatch/result.h"

namespace leakwatch {

struct FdInfo {
  int fd = -1;
  FdKind kind = FdKind::kAnon;
  std::string target;  // the link text: a path, "socket:[123]", "anon_inode:[eventfd]", ...
  // st_ino of a path, or the number in "socket:[N]"/"pipe:[N]"; 0 for anonymous inodes, which
  // all share one inode and so have no identity of their own.
  std::uint64_t inode = 0;
  // pidfd only: the PID it refers to, -1 when that process is gone (an orphaned pidfd), 0 when
  // not a pidfd or the kernel did not say.
  pid_t pidfd_pid = 0;
  // Sockets only: the kernel's protocol name ("TCP", "UDPv6", "UNIX-STREAM", "NETLINK", ...).
  std::string protocol;
  // Sockets only, with resolve_socket_endpoints: "127.0.0.1:41234 -> 127.0.0.1:8080 ESTABLISHED"
  // ("<-" for a connection accepted on a listening port) or a unix path; empty otherwise.
  std::string endpoint;
};

struct ThreadInfo {
  pid_t tid = 0;
  std::string name;  // /proc/PID/task/TID/comm
};

enum class ProcessState : char {
  kRunning = 'R',
  kSleeping = 'S',
  kDiskSleep = 'D',
  kStopped = 'T',
  kTracingStop = 't',
  kZombie = 'Z',
  kDead = 'X',
  kIdle = 'I',
  kUnknown = '?',
};
std::string_view ProcessStateName(ProcessState state);  // "running", "zombie", ...
ProcessState ProcessStateFromName(std::string_view name);

struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  ProcessState state = ProcessState::kUnknown;
  int depth = 1;                 // 1 for a direct child, 2 for a grandchild, ...
  std::uint64_t start_time = 0;  // clock ticks after boot; with pid, the identity of a process
  std::string cmd;               // cmdline joined by spaces, or "[comm]" when it has none (zombies)
};

struct MemoryInfo {
  std::int64_t rss_kb = 0;
  std::int64_t peak_rss_kb = 0;
  std::int64_t mappings = 0;
};

struct Snapshot {
  pid_t pid = 0;
  std::string command;  // comm of the process
  std::int64_t taken_at_unix_ms = 0;
  std::vector<FdInfo> fds;            // ordered by fd number
  std::vector<ThreadInfo> threads;    // ordered by tid
  std::vector<ProcessInfo> children;  // all descendants, breadth first
  MemoryInfo memory;
  std::int64_t fd_soft_limit = -1;  // -1 when unlimited or unknown

  ResourceCounts Counts() const;
  // Descendants whose parent is the snapshotted process.
  std::int64_t DirectChildCount() const;
};

struct SnapshotOptions {
  bool fds = true;
  bool threads = true;
  bool children = true;
  bool memory = true;
  // Reads /proc/PID/net/{tcp,tcp6,udp,udp6,unix} to fill FdInfo::endpoint. Costs a read of the
  // whole socket table of the network namespace, so it is off by default.
  bool resolve_socket_endpoints = false;
};

// Errors: kInvalidArgument for pid <= 0; kNotFound: "process 123 does not exist", "process 123
// has exited (a zombie not yet reaped by its parent)" (also while it is exiting, when its FD
// table may already be gone) or "process 123 exited during the snapshot"; kPermissionDenied:
// "cannot read /proc/123/fd: ..."; kIo otherwise.
Result<Snapshot> TakeSnapshot(pid_t pid, const SnapshotOptions& options = {});

}  // namespace leakwatch
