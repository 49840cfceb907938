// test_procfs.cpp — procfs reads of the demo-server tests (see test_procfs.h).
#include "test_procfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>

#include "child_process.h"
#include "leakwatch/settle.h"
#include "leakwatch/slack.h"

namespace demo_server_test {
namespace {

using leakwatch::FdKind;

std::string Describe(const leakwatch::SnapshotDiff& diff) {
  std::ostringstream out;
  for (const leakwatch::FdInfo& fd : diff.fds_added) {
    out << "  + fd " << fd.fd << " " << leakwatch::FdKindName(fd.kind) << " " << fd.target << "\n";
  }
  for (const leakwatch::FdInfo& fd : diff.fds_removed) {
    out << "  - fd " << fd.fd << " " << leakwatch::FdKindName(fd.kind) << " " << fd.target << "\n";
  }
  for (const leakwatch::ThreadInfo& thread : diff.threads_added) {
    out << "  + thread " << thread.tid << " " << thread.name << "\n";
  }
  for (const leakwatch::ThreadInfo& thread : diff.threads_removed) {
    out << "  - thread " << thread.tid << " " << thread.name << "\n";
  }
  for (const leakwatch::ProcessInfo& child : diff.children_added) {
    out << "  + child " << child.pid << " " << child.cmd << "\n";
  }
  for (const leakwatch::ProcessInfo& child : diff.children_removed) {
    out << "  - child " << child.pid << " " << child.cmd << "\n";
  }
  return out.str();
}

std::string ProcFile(pid_t pid, const std::string& name) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/" + name, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

}  // namespace

leakwatch::Snapshot MustSnapshot(pid_t pid) {
  leakwatch::Result<leakwatch::Snapshot> snapshot = leakwatch::TakeSnapshot(pid);
  EXPECT_TRUE(snapshot.ok()) << snapshot.error().message();
  return snapshot ? std::move(*snapshot) : leakwatch::Snapshot{};
}

leakwatch::SnapshotDiff ExpectGrowth(const leakwatch::Snapshot& before, pid_t pid,
                                     const leakwatch::ResourceCounts& expected) {
  leakwatch::Slack slack;
  slack.allowed = expected;
  leakwatch::SettlePolicy policy;
  policy.deadline = std::chrono::seconds(30);
  leakwatch::Result<leakwatch::SettleResult> settled = leakwatch::Settle(
      before, [pid] { return leakwatch::TakeSnapshot(pid); }, slack, policy);
  if (!settled) {
    ADD_FAILURE() << "snapshot of " << pid << ": " << settled.error().message();
    return {};
  }
  const leakwatch::ResourceCounts& delta = settled->diff.delta;
  for (FdKind kind : leakwatch::AllFdKinds()) {
    EXPECT_EQ(delta.fds[kind], expected.fds[kind])
        << "pid " << pid << ", fd kind " << leakwatch::FdKindName(kind) << "\n"
        << Describe(settled->diff);
  }
  EXPECT_EQ(delta.threads, expected.threads) << "pid " << pid << "\n" << Describe(settled->diff);
  EXPECT_EQ(delta.children, expected.children) << "pid " << pid << "\n" << Describe(settled->diff);
  return settled->diff;
}

void ExpectCloseOnExec(const leakwatch::Snapshot& snapshot) {
  for (const leakwatch::FdInfo& fd : snapshot.fds) {
    if (fd.fd < 3) continue;
    std::istringstream fdinfo(ProcFile(snapshot.pid, "fdinfo/" + std::to_string(fd.fd)));
    std::string flags = "0";
    for (std::string line; std::getline(fdinfo, line);) {
      if (line.rfind("flags:", 0) == 0) flags = line.substr(6);
    }
    EXPECT_TRUE(std::stoul(flags, nullptr, 8) & O_CLOEXEC)
        << "pid " << snapshot.pid << " fd " << fd.fd << " " << fd.target;
  }
}

std::string StatField(pid_t pid, int index) {
  std::string stat = ProcFile(pid, "stat");
  std::size_t paren = stat.rfind(')');  // comm may hold spaces and parentheses
  if (paren == std::string::npos) return "";
  std::istringstream rest(stat.substr(paren + 2));
  std::string field;
  for (int i = 3; i <= index; ++i) rest >> field;  // field 3 (state) is the first after comm
  return field;
}

std::string StatusField(pid_t pid, const std::string& name) {
  std::istringstream file(ProcFile(pid, "status"));
  for (std::string line; std::getline(file, line);) {
    if (line.rfind(name + ":", 0) == 0)
      return line.substr(line.find_first_not_of("\t ", name.size() + 1));
  }
  return "";
}

std::string Comm(pid_t pid) {
  std::string comm = ProcFile(pid, "comm");
  if (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm;
}

std::string CommandLine(pid_t pid) {
  std::string cmdline = ProcFile(pid, "cmdline");
  while (!cmdline.empty() && cmdline.back() == '\0') cmdline.pop_back();
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  return cmdline;
}

std::vector<pid_t> ChildPids(pid_t pid) {
  std::vector<pid_t> children;
  std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(tasks.c_str());
  if (dir == nullptr) return children;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream file(tasks + "/" + entry->d_name + "/children");
    for (pid_t child = 0; file >> child;) children.push_back(child);
  }
  closedir(dir);
  std::sort(children.begin(), children.end());
  return children;
}

bool UnprivilegedCanListFds(pid_t pid) {
  std::vector<std::string> ls = {"/bin/ls", "/proc/" + std::to_string(pid) + "/fd"};
  leakwatch::testing::CommandResult result = geteuid() == 0
                                                 ? leakwatch::testing::RunCommandAsNobody(ls)
                                                 : leakwatch::testing::RunCommand(ls);
  return result.exit_code == 0;
}

}  // namespace demo_server_test
