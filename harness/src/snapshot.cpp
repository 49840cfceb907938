#include "leakwatch/snapshot.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstring>
#include <unordered_map>

#include "fd_reader.h"
#include "leakwatch/proc_stat.h"
#include "leakwatch/unique_fd.h"
#include "proc_reader.h"
#include "process_tree.h"
#include "socket_table.h"

namespace leakwatch {
namespace {

using internal::FieldValue;
using internal::ParseLeadingInt;
using internal::ReadFileAt;
using internal::ReadNumericEntries;

Error GoneError(pid_t pid) {
  return Error(ErrorCode::kNotFound, fmt::format("process {} exited during the snapshot", pid),
               ENOENT);
}

// Is `pid` ours (its real uid is our effective one)? Then an access refused is the process's own
// doing: it is not dumpable (PR_SET_DUMPABLE 0, or a credential change such as setuid).
bool RunsAsUs(pid_t pid) {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/status", pid);
  std::string status;
  if (ReadFileAt(AT_FDCWD, path, status) != 0) return false;
  return ParseLeadingInt(FieldValue(status, "Uid"), -1) == static_cast<long long>(geteuid());
}

Error PermissionError(pid_t pid, const char* what, int err) {
  const std::string why =
      RunsAsUs(pid) ? fmt::format(
                          "process {} runs as this user but is not dumpable (prctl "
                          "PR_SET_DUMPABLE 0, or it changed credentials), so only root or "
                          "CAP_SYS_PTRACE may read it",
                          pid)
                    : fmt::format(
                          "leakwatch must run as the same user as process {}, or as root / with "
                          "CAP_SYS_PTRACE",
                          pid);
  return Error(ErrorCode::kPermissionDenied,
               fmt::format("cannot read /proc/{}/{}: {} ({})", pid, what, std::strerror(err), why),
               err);
}

// Maps an errno from reading /proc/PID/<what> to the error a caller can act on.
Error ReadError(pid_t pid, const char* what, int err) {
  if (err == ENOENT || err == ESRCH) return GoneError(pid);
  if (err == EACCES || err == EPERM) return PermissionError(pid, what, err);
  return ErrnoError(err, fmt::format("reading /proc/{}/{}", pid, what));
}

Result<std::vector<FdInfo>> ReadFds(pid_t pid, int proc_dir, bool resolve_endpoints) {
  UniqueFd fd_dir(openat(proc_dir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd_dir) return ReadError(pid, "fd", errno);
  std::vector<int> numbers;
  if (int err = ReadNumericEntries(fd_dir.get(), numbers)) return ReadError(pid, "fd", err);

  // Our own descriptors for this snapshot are not the caller's resources.
  if (pid == getpid()) {
    std::erase_if(numbers, [&](int n) { return n == proc_dir || n == fd_dir.get(); });
  }

  std::vector<FdInfo> fds;
  fds.reserve(numbers.size());
  internal::FdReader reader(pid, fd_dir.get());
  for (int number : numbers) {
    FdInfo info;
    switch (reader.Read(number, info)) {
      case internal::FdReader::kOk:
        fds.push_back(std::move(info));
        break;
      case internal::FdReader::kGone:
        break;  // closed since the directory was read
      case internal::FdReader::kDenied:
        return PermissionError(pid, "fd", EACCES);
    }
  }

  if (resolve_endpoints) {
    auto endpoints = internal::ReadSocketEndpoints(pid);
    for (FdInfo& fd : fds) {
      if (ShapeOfLink(fd.target) != LinkShape::kSocket) continue;
      auto it = endpoints.find(fd.inode);
      if (it != endpoints.end()) fd.endpoint = it->second;
    }
  }
  return fds;
}

Result<std::vector<ThreadInfo>> ReadThreads(pid_t pid, int task_dir, const std::vector<int>& tids) {
  std::vector<ThreadInfo> threads;
  threads.reserve(tids.size());
  std::string comm;
  for (int tid : tids) {
    int err = internal::ReadThreadName(task_dir, tid, comm);
    if (err == ENOENT || err == ESRCH) continue;  // the thread ended meanwhile
    if (err != 0) return ReadError(pid, "task", err);
    threads.push_back({tid, comm});
  }
  return threads;
}

void ReadMemory(int proc_dir, Snapshot& snap) {
  std::string text;
  if (ReadFileAt(proc_dir, "status", text) == 0) {
    snap.memory.rss_kb = ParseLeadingInt(FieldValue(text, "VmRSS"), 0);
    snap.memory.peak_rss_kb = ParseLeadingInt(FieldValue(text, "VmHWM"), 0);
  }
  long long mappings = 0;
  if (internal::CountLinesAt(proc_dir, "maps", mappings) == 0) snap.memory.mappings = mappings;
  if (ReadFileAt(proc_dir, "limits", text) == 0) {
    // "Max open files            1024                 524288               files"
    std::size_t at = text.find("Max open files");
    if (at != std::string::npos) {
      std::string_view soft = std::string_view(text).substr(at + std::strlen("Max open files"));
      std::size_t start = soft.find_first_not_of(' ');
      if (start != std::string_view::npos && soft.substr(start, 9) != "unlimited") {
        snap.fd_soft_limit = ParseLeadingInt(soft.substr(start), -1);
      }
    }
  }
}

}  // namespace

std::string_view ProcessStateName(ProcessState state) {
  switch (state) {
    case ProcessState::kRunning:
      return "running";
    case ProcessState::kSleeping:
      return "sleeping";
    case ProcessState::kDiskSleep:
      return "disk-sleep";
    case ProcessState::kStopped:
      return "stopped";
    case ProcessState::kTracingStop:
      return "tracing-stop";
    case ProcessState::kZombie:
      return "zombie";
    case ProcessState::kDead:
      return "dead";
    case ProcessState::kIdle:
      return "idle";
    case ProcessState::kUnknown:
      break;
  }
  return "unknown";
}

ProcessState ProcessStateFromName(std::string_view name) {
  for (ProcessState s : {ProcessState::kRunning, ProcessState::kSleeping, ProcessState::kDiskSleep,
                         ProcessState::kStopped, ProcessState::kTracingStop, ProcessState::kZombie,
                         ProcessState::kDead, ProcessState::kIdle}) {
    if (ProcessStateName(s) == name) return s;
  }
  return ProcessState::kUnknown;
}

ResourceCounts Snapshot::Counts() const {
  ResourceCounts counts;
  for (const FdInfo& fd : fds) ++counts.fds[fd.kind];
  counts.threads = static_cast<std::int64_t>(threads.size());
  counts.children = static_cast<std::int64_t>(children.size());
  return counts;
}

std::int64_t Snapshot::DirectChildCount() const {
  return std::count_if(children.begin(), children.end(),
                       [](const ProcessInfo& p) { return p.depth == 1; });
}

Result<Snapshot> TakeSnapshot(pid_t pid, const SnapshotOptions& options) {
  if (pid <= 0) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("invalid PID {}", pid));
  }
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d", pid);
  UniqueFd proc_dir(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!proc_dir) {
    if (errno == ENOENT) {
      return Error(ErrorCode::kNotFound, fmt::format("process {} does not exist", pid), ENOENT);
    }
    return ReadError(pid, "", errno);
  }

  Snapshot snap;
  snap.pid = pid;
  snap.taken_at_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  std::string text;
  if (int err = ReadFileAt(proc_dir.get(), "stat", text)) return ReadError(pid, "stat", err);
  Result<ProcStat> stat = ParseProcStat(text);
  if (!stat) return Error(ErrorCode::kIo, fmt::format("cannot parse /proc/{}/stat", pid));
  if (stat->Exiting()) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("process {} has exited (a zombie not yet reaped by its parent)", pid),
                 ESRCH);
  }
  snap.command = stat->comm;

  if (options.fds) {
    auto fds = ReadFds(pid, proc_dir.get(), options.resolve_socket_endpoints);
    if (!fds) return fds.error();
    snap.fds = std::move(*fds);
  }
  if (options.threads || options.children) {
    UniqueFd task_dir(openat(proc_dir.get(), "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!task_dir) return ReadError(pid, "task", errno);
    std::vector<int> tids;
    if (int err = ReadNumericEntries(task_dir.get(), tids)) return ReadError(pid, "task", err);
    if (options.threads) {
      auto threads = ReadThreads(pid, task_dir.get(), tids);
      if (!threads) return threads.error();
      snap.threads = std::move(*threads);
    }
    if (options.children) snap.children = internal::ReadDescendants(proc_dir.get(), tids);
  }
  if (options.memory) ReadMemory(proc_dir.get(), snap);

  // A process that exited while we read gives partial data; say so rather than return it.
  if (ReadFileAt(proc_dir.get(), "stat", text) != 0) return GoneError(pid);
  Result<ProcStat> after = ParseProcStat(text);
  if (!after || after->Exiting()) return GoneError(pid);
  return snap;
}

}  // namespace leakwatch
