#include "process_tree.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>

#include "leakwatch/proc_stat.h"
#include "leakwatch/unique_fd.h"
#include "proc_reader.h"

namespace leakwatch::internal {
namespace {

constexpr std::size_t kMaxCmdLength = 512;
constexpr int kMaxDescendantDepth = 64;  // a guard, far beyond any real process tree

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

}  // namespace

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
      if (ReadFileAt(dir.get(), "stat", text) != 0) continue;
      Result<ProcStat> stat = ParseProcStat(text);
      if (!stat) continue;
      ProcessInfo info;
      info.pid = pid;
      info.ppid = stat->ppid;
      info.state = static_cast<ProcessState>(stat->state);
      info.depth = depth;
      info.start_time = stat->start_time;
      info.cmd = CommandLine(dir.get(), stat->comm);
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

Result<ProcessInfo> ReadProcessInfo(pid_t pid) {
  Result<ProcStat> stat = ReadProcStat(pid);
  if (!stat) return stat.error();
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d", pid);
  UniqueFd dir(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ProcessInfo info;
  info.pid = pid;
  info.ppid = stat->ppid;
  info.state = static_cast<ProcessState>(stat->state);
  info.depth = 0;
  info.start_time = stat->start_time;
  info.cmd = dir ? CommandLine(dir.get(), stat->comm) : "[" + stat->comm + "]";
  return info;
}

int ReadThreadName(int task_dir, int tid, std::string& name) {
  char path[32];
  std::snprintf(path, sizeof path, "%d/comm", tid);
  int err = ReadFileAt(task_dir, path, name);
  while (!name.empty() && name.back() == '\n') name.pop_back();
  return err;
}

}  // namespace leakwatch::internal
