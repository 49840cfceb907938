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

#include "leakwatch/unique_fd.h"
#include "proc_reader.h"
#include "socket_table.h"

namespace leakwatch {
namespace {

using internal::FieldValue;
using internal::ParseLeadingInt;
using internal::ProcStat;
using internal::ReadFileAt;
using internal::ReadNumericEntries;

constexpr std::size_t kMaxCmdLength = 512;
constexpr int kMaxDescendantDepth = 64;  // a guard, far beyond any real process tree

Error GoneError(pid_t pid) {
  return Error(ErrorCode::kNotFound, fmt::format("process {} exited during the snapshot", pid),
               ENOENT);
}

Error PermissionError(pid_t pid, const char* what, int err) {
  return Error(ErrorCode::kPermissionDenied,
               fmt::format("cannot read /proc/{}/{}: {} (leakwatch must run as the same user as "
                           "process {}, or as root / with CAP_SYS_PTRACE)",
                           pid, what, std::strerror(err), pid),
               err);
}

// Maps an errno from reading /proc/PID/<what> to the error a caller can act on.
Error ReadError(pid_t pid, const char* what, int err) {
  if (err == ENOENT || err == ESRCH) return GoneError(pid);
  if (err == EACCES || err == EPERM) return PermissionError(pid, what, err);
  return ErrnoError(err, fmt::format("reading /proc/{}/{}", pid, what));
}

pid_t PidfdTarget(int proc_dir, int fd) {
  char path[32];
  std::snprintf(path, sizeof path, "fdinfo/%d", fd);
  std::string text;
  if (ReadFileAt(proc_dir, path, text) != 0) return 0;
  std::string_view value = FieldValue(text, "Pid");
  return value.empty() ? 0 : static_cast<pid_t>(ParseLeadingInt(value, 0));
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
  // getxattr has no *at() form: build "/proc/PID/fd/" once and append each number.
  std::string fd_path = fmt::format("/proc/{}/fd/", pid);
  const std::size_t fd_path_base = fd_path.size();
  char link[PATH_MAX];
  char name[16];
  for (int number : numbers) {
    auto [end, ec] = std::to_chars(name, name + sizeof name - 1, number);
    *end = '\0';
    ssize_t length = readlinkat(fd_dir.get(), name, link, sizeof link);
    if (length < 0) {
      if (errno == EACCES || errno == EPERM) return PermissionError(pid, "fd", errno);
      continue;  // closed since the directory was read
    }
    FdInfo info;
    info.fd = number;
    info.target.assign(link, static_cast<std::size_t>(length));
    mode_t mode = 0;
    switch (ShapeOfLink(info.target)) {
      case LinkShape::kPath: {
        // DONT_SYNC: a descriptor on a network filesystem must not cost a round trip.
        struct statx stx {};
        if (statx(fd_dir.get(), name, AT_STATX_DONT_SYNC, STATX_TYPE | STATX_INO, &stx) != 0) {
          if (errno == ENOENT) continue;
        } else {
          mode = stx.stx_mode;
          info.inode = stx.stx_ino;
        }
        break;
      }
      case LinkShape::kSocket: {
        info.inode = InodeFromLink(info.target);
        fd_path.resize(fd_path_base);
        fd_path += name;
        char protocol[64];
        ssize_t n = getxattr(fd_path.c_str(), "system.sockprotoname", protocol, sizeof protocol);
        if (n > 0) info.protocol.assign(protocol, strnlen(protocol, static_cast<std::size_t>(n)));
        break;
      }
      case LinkShape::kPipe:
      case LinkShape::kOther:
        info.inode = InodeFromLink(info.target);
        break;
      case LinkShape::kAnonInode:
        break;
    }
    info.kind = ClassifyFdLink(info.target, mode, info.protocol);
    if (info.kind == FdKind::kPidfd) info.pidfd_pid = PidfdTarget(proc_dir, number);
    fds.push_back(std::move(info));
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

std::string TrimNewline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  return s;
}

Result<std::vector<ThreadInfo>> ReadThreads(pid_t pid, int proc_dir, const std::vector<int>& tids) {
  std::vector<ThreadInfo> threads;
  threads.reserve(tids.size());
  std::string comm;
  char path[48];
  for (int tid : tids) {
    std::snprintf(path, sizeof path, "task/%d/comm", tid);
    int err = ReadFileAt(proc_dir, path, comm);
    if (err == ENOENT || err == ESRCH) continue;  // the thread ended meanwhile
    if (err != 0) return ReadError(pid, "task", err);
    threads.push_back({tid, TrimNewline(comm)});
  }
  return threads;
}

// The children of every thread of the process at `proc_dir` (children belong to the thread that
// forked them, so each task's list is read).
void ReadChildPids(int proc_dir, const std::vector<int>& tids, std::vector<pid_t>& out) {
  std::string text;
  char path[48];
  for (int tid : tids) {
    std::snprintf(path, sizeof path, "task/%d/children", tid);
    if (ReadFileAt(proc_dir, path, text) != 0) continue;
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
      while (p < end && *p == ' ') ++p;
      pid_t child = 0;
      auto [next, ec] = std::from_chars(p, end, child);
      if (ec != std::errc()) break;
      out.push_back(child);
      p = next;
    }
  }
}

std::string CommandLine(int proc_dir, const std::string& comm) {
  std::string cmd;
  ReadFileAt(proc_dir, "cmdline", cmd);
  while (!cmd.empty() && cmd.back() == '\0') cmd.pop_back();
  if (cmd.empty()) return "[" + comm + "]";  // zombies and kernel threads have no cmdline
  std::replace(cmd.begin(), cmd.end(), '\0', ' ');
  if (cmd.size() > kMaxCmdLength) cmd.resize(kMaxCmdLength);
  return cmd;
}

// Breadth first from the snapshotted process. Processes that exit while we walk are skipped.
std::vector<ProcessInfo> ReadDescendants(int root_dir, const std::vector<int>& root_tids) {
  std::vector<ProcessInfo> out;
  std::vector<pid_t> level;
  ReadChildPids(root_dir, root_tids, level);
  std::string text;
  std::vector<int> tids;
  for (int depth = 1; !level.empty() && depth <= kMaxDescendantDepth; ++depth) {
    std::vector<pid_t> next_level;
    for (pid_t pid : level) {
      char path[32];
      std::snprintf(path, sizeof path, "/proc/%d", pid);
      UniqueFd dir(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!dir) continue;
      ProcStat stat;
      if (ReadFileAt(dir.get(), "stat", text) != 0 || !internal::ParseProcStat(text, stat)) {
        continue;
      }
      ProcessInfo info;
      info.pid = pid;
      info.ppid = stat.ppid;
      info.state = static_cast<ProcessState>(stat.state);
      info.depth = depth;
      info.start_time = stat.start_time;
      info.cmd = CommandLine(dir.get(), stat.comm);
      out.push_back(std::move(info));
      UniqueFd task_dir(openat(dir.get(), "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (task_dir && ReadNumericEntries(task_dir.get(), tids) == 0) {
        ReadChildPids(dir.get(), tids, next_level);
      }
    }
    level = std::move(next_level);
  }
  return out;
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
  ProcStat stat;
  if (int err = ReadFileAt(proc_dir.get(), "stat", text)) return ReadError(pid, "stat", err);
  if (!internal::ParseProcStat(text, stat)) {
    return Error(ErrorCode::kIo, fmt::format("cannot parse /proc/{}/stat", pid));
  }
  if (stat.state == 'Z' || stat.state == 'X') {
    return Error(ErrorCode::kNotFound,
                 fmt::format("process {} has exited (a zombie not yet reaped by its parent)", pid),
                 ESRCH);
  }
  snap.command = stat.comm;

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
      auto threads = ReadThreads(pid, proc_dir.get(), tids);
      if (!threads) return threads.error();
      snap.threads = std::move(*threads);
    }
    if (options.children) snap.children = ReadDescendants(proc_dir.get(), tids);
  }
  if (options.memory) ReadMemory(proc_dir.get(), snap);

  // A process that exited while we read gives partial data; say so rather than return it.
  if (ReadFileAt(proc_dir.get(), "stat", text) != 0 || !internal::ParseProcStat(text, stat) ||
      stat.state == 'Z' || stat.state == 'X') {
    return GoneError(pid);
  }
  return snap;
}

}  // namespace leakwatch
