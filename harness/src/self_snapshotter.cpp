#include "leakwatch/self_snapshotter.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "fd_reader.h"
#include "leakwatch/unique_fd.h"
#include "proc_reader.h"
#include "process_tree.h"

namespace leakwatch {
namespace {

// Anonymous inodes of most kinds share a single inode, so (dev, ino) does not tell an eventfd from
// a timerfd that took its number; their link is read every time.
bool HasIdentity(const FdInfo& info) {
  return ShapeOfLink(info.target) != LinkShape::kAnonInode;
}

constexpr std::chrono::seconds kYoungThread{1};

Error SelfError(int err, const char* what) {
  return ErrnoError(err, fmt::format("reading /proc/{}/{} of this process", getpid(), what));
}

}  // namespace

Result<Snapshot> SelfSnapshotter::Take() {
  const pid_t pid = getpid();
  Snapshot snap;
  snap.pid = pid;
  snap.taken_at_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  // Opened and closed within this call: a descriptor kept across a test case could be closed
  // (close_range) or replaced by the code under test. /proc/self/... directly: /proc/PID is
  // opened only when there are children to walk, which saves two syscalls per snapshot.
  UniqueFd fd_dir(open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd_dir) return SelfError(errno, "fd");
  std::vector<int> numbers;
  if (int err = internal::ReadNumericEntries(fd_dir.get(), numbers)) return SelfError(err, "fd");

  internal::FdReader reader(pid, fd_dir.get());
  std::unordered_map<int, CachedFd> seen;
  seen.reserve(numbers.size());
  snap.fds.reserve(numbers.size());
  for (int number : numbers) {
    if (number == fd_dir.get()) continue;
    struct stat st {};
    if (fstat(number, &st) != 0) continue;  // closed since the directory was read
    CachedFd entry{st.st_dev, st.st_ino, static_cast<mode_t>(st.st_mode & S_IFMT), {}};
    auto cached = fd_cache_.find(number);
    if (cached != fd_cache_.end() && cached->second.dev == entry.dev &&
        cached->second.ino == entry.ino && cached->second.type == entry.type &&
        HasIdentity(cached->second.info)) {
      entry.info = cached->second.info;
    } else if (reader.Read(number, entry.info) != internal::FdReader::kOk) {
      continue;
    }
    snap.fds.push_back(entry.info);
    seen.emplace(number, std::move(entry));
  }
  fd_cache_ = std::move(seen);

  fd_dir.reset();
  UniqueFd task_dir(open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!task_dir) return SelfError(errno, "task");
  std::vector<int> tids;
  if (int err = internal::ReadNumericEntries(task_dir.get(), tids)) return SelfError(err, "task");
  std::unordered_map<pid_t, CachedThread> threads;
  threads.reserve(tids.size());
  const auto now = std::chrono::steady_clock::now();
  // Threads that exist at the first snapshot are not new: their names are read once.
  const auto first_seen = threads_.empty() ? now - kYoungThread : now;
  for (int tid : tids) {
    CachedThread entry{{}, first_seen};
    auto cached = threads_.find(tid);
    if (cached != threads_.end()) entry = std::move(cached->second);
    const bool young = now - entry.first_seen < kYoungThread;
    if ((young || entry.name.empty()) &&
        internal::ReadThreadName(task_dir.get(), tid, entry.name) != 0) {
      continue;  // the thread ended meanwhile
    }
    snap.threads.push_back({tid, entry.name});
    threads.emplace(tid, std::move(entry));
  }
  threads_ = std::move(threads);
  // One probe instead of a children file per thread: ECHILD means there is no child at all.
  // WNOWAIT|WNOHANG: nothing is reaped and nothing waits; __WALL: clone() children count too.
  siginfo_t probe{};
  if (waitid(P_ALL, 0, &probe, WEXITED | WNOHANG | WNOWAIT | __WALL) == 0 || errno != ECHILD) {
    char path[32];
    std::snprintf(path, sizeof path, "/proc/%d", pid);
    UniqueFd proc_dir(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!proc_dir) return SelfError(errno, "");
    snap.children = internal::ReadDescendants(proc_dir.get(), tids);
  }
  return snap;
}

}  // namespace leakwatch
