// child_process.h — real subprocesses for leakwatch's own tests.
//
// ChildProcess starts a program with pipes on stdin and stdout and talks to it line by line (the
// lw-holder protocol); its destructor kills and reaps it, so a failing test leaves nothing
// behind. RunCommand runs a program to completion and captures its output.
//
//   ChildProcess holder = ChildProcess::Start({BinPath("lw-holder"), "--kinds"});
//   std::string ready = holder.ReadLineStartingWith("ready");
//   std::string fd = holder.Command("open pidfd");   // "ok 7"
//
// Reads are guarded by a generous timeout so that a broken helper fails the test instead of
// hanging it; the timeout never decides a pass.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace leakwatch::testing {

// build/bin/<name>: test programs and the programs they run land in one directory.
std::string BinPath(const std::string& name);

class ChildProcess {
 public:
  // Aborts the calling test (ADD_FAILURE + returns an empty handle) when the program cannot start.
  static ChildProcess Start(const std::vector<std::string>& argv);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  ChildProcess() = default;  // an empty handle: no process
  pid_t pid() const { return pid_; }
  // One line from the child's stdout without the newline; "" on EOF or after the guard timeout
  // (which also records a test failure).
  std::string ReadLine(std::chrono::seconds guard = std::chrono::seconds(60));
  // Reads lines until one starts with `prefix` and returns it.
  std::string ReadLineStartingWith(const std::string& prefix);
  // Writes `line` + "\n" and returns the child's one-line answer.
  std::string Command(const std::string& line);
  void CloseStdin();
  // Waits for the child to exit; returns the wait status.
  int Wait();
  // SIGKILL and reap; safe to call twice.
  void Kill();

 private:
  pid_t pid_ = -1;     // -1 once reaped
  int stdin_fd_ = -1;  // -1 when closed
  int stdout_fd_ = -1;
  std::string buffer_;  // stdout read but not yet returned
};

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// Runs argv to completion with `input` on stdin. Kills it after `guard` (a test failure).
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = "",
                         std::chrono::seconds guard = std::chrono::seconds(120));

// As RunCommand, as user and group nobody (65534), without supplementary groups: for the
// "permission denied" paths, which root never takes. Needs root.
CommandResult RunCommandAsNobody(const std::vector<std::string>& argv);

// Runs `body` in a forked child that has dropped to user and group nobody (as root; otherwise
// as we are) and returns the text it returned ("" when the child failed): for the "permission
// denied" paths of code that runs in this process.
std::string InChildAsNobody(const std::function<std::string()>& body);

// A fresh directory under $TMPDIR, removed with its contents by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& content);
std::string ReadFile(const std::string& path);

}  // namespace leakwatch::testing
