// case_rerun.cpp — fork and exec this binary for one case, read its verdict and its output.
//
// Built into the test binary with the listener, so it uses no formatting library: std::string
// only.
#include "case_rerun.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

extern char** environ;

namespace leakwatch::internal {
namespace {

// Flags of ours and GoogleTest's that the child must not inherit: it runs one case, a set number
// of times, in order, writes no report of ctest's, and never hunts itself.
constexpr std::string_view kDroppedFlags[] = {
    "gtest_filter",
    "gtest_repeat",
    "gtest_output",
    "gtest_shuffle",
    "gtest_random_seed",
    "gtest_list_tests",
    "gtest_fail_fast",
    "leakwatch_hunt",
    "leakwatch_hunt_runs",
    "leakwatch_warmup",
    "leakwatch_write_suppressions",
};
constexpr std::string_view kDroppedVariables[] = {
    "GTEST_OUTPUT",
    "GTEST_FILTER",
    "GTEST_REPEAT",
    "GTEST_SHUFFLE",
    "GTEST_FAIL_FAST",
    "GTEST_SHARD_INDEX",
    "GTEST_TOTAL_SHARDS",
    "GTEST_SHARD_STATUS_FILE",
    "TEST_SHARD_INDEX",
    "TEST_TOTAL_SHARDS",
    "TEST_SHARD_STATUS_FILE",
    "XML_OUTPUT_FILE",
    "LEAKWATCH_HUNT",
    kHuntChildVariable,
    "LEAKWATCH_WRITE_SUPPRESSIONS",
};
// Enough of the child's output to say why a rerun did not finish.
constexpr std::size_t kTailBytes = 2048;
// A guard, not a verdict: a rerun that hangs this long is killed and the first run stands.
constexpr std::chrono::minutes kGuard{5};

// "--gtest_filter=x", "-gtest_filter=x" and "/gtest_filter=x" all name gtest_filter.
bool IsDroppedFlag(std::string_view arg) {
  std::size_t start = arg.find_first_not_of("-/");
  if (start == 0 || start == std::string_view::npos) return false;
  std::string_view name = arg.substr(start, arg.find('=') - start);
  for (std::string_view flag : kDroppedFlags) {
    if (name == flag) return true;
  }
  return false;
}

bool IsDroppedVariable(std::string_view entry) {
  std::string_view name = entry.substr(0, entry.find('='));
  for (std::string_view variable : kDroppedVariables) {
    if (name == variable) return true;
  }
  return false;
}

// The arguments this process was started with, as the kernel keeps them (InitGoogleTest has
// removed its flags from argv since).
std::vector<std::string> OwnArguments() {
  std::vector<std::string> args;
  int fd = ::open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return args;
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    args.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return args;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return std::string("was killed by ") + (name != nullptr
                                                ? std::string("SIG") + name
                                                : "signal " + std::to_string(WTERMSIG(status)));
  }
  return "ended with status " + std::to_string(status);
}

// Reads both pipes to their end (or the guard); false when the guard ran out.
bool ReadAll(int verdict_fd, int output_fd, std::string& verdict, std::string& output) {
  const auto deadline = std::chrono::steady_clock::now() + kGuard;
  pollfd fds[] = {{verdict_fd, POLLIN, 0}, {output_fd, POLLIN, 0}};
  std::string* into[] = {&verdict, &output};
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    int ready = ::poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return false;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        continue;
      }
      into[i]->append(buffer, static_cast<std::size_t>(n));
      if (i == 1 && output.size() > 2 * kTailBytes) output.erase(0, output.size() - kTailBytes);
    }
  }
  return true;
}

}  // namespace

RerunVerdict RerunCase(const std::string& case_name, int warmup, int runs) {
  RerunVerdict verdict;
  std::vector<std::string> args = OwnArguments();
  if (args.empty()) {
    verdict.message = "cannot read this process's arguments from /proc/self/cmdline";
    return verdict;
  }
  std::vector<std::string> child_args = {args[0]};
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (!IsDroppedFlag(args[i])) child_args.push_back(args[i]);
  }
  child_args.push_back("--gtest_filter=" + case_name);
  child_args.push_back("--gtest_repeat=" + std::to_string(warmup + runs));
  child_args.push_back("--leakwatch_warmup=" + std::to_string(warmup));
  child_args.push_back("--leakwatch_hunt=off");

  int verdict_pipe[2], output_pipe[2];
  if (::pipe2(verdict_pipe, O_CLOEXEC) != 0) {
    verdict.message = std::string("pipe: ") + std::strerror(errno);
    return verdict;
  }
  if (::pipe2(output_pipe, O_CLOEXEC) != 0) {
    verdict.message = std::string("pipe: ") + std::strerror(errno);
    ::close(verdict_pipe[0]);
    ::close(verdict_pipe[1]);
    return verdict;
  }
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!IsDroppedVariable(*entry)) env.emplace_back(*entry);
  }
  env.push_back(std::string(kHuntChildVariable) + "=" + std::to_string(verdict_pipe[1]));
  std::vector<char*> argv = Pointers(child_args);
  std::vector<char*> envp = Pointers(env);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();

  // Only async-signal-safe calls between fork and exec: this process may have other threads.
  const pid_t child = ::fork();
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(output_pipe[1], STDOUT_FILENO);
    ::dup2(output_pipe[1], STDERR_FILENO);
    ::fcntl(verdict_pipe[1], F_SETFD, 0);  // inherited across exec: the child's verdict pipe
    ::execve("/proc/self/exe", argv.data(), envp.data());
    ::_exit(127);
  }
  if (null_fd >= 0) ::close(null_fd);
  ::close(verdict_pipe[1]);
  ::close(output_pipe[1]);
  if (child < 0) {
    verdict.message = std::string("fork: ") + std::strerror(errno);
    ::close(verdict_pipe[0]);
    ::close(output_pipe[0]);
    return verdict;
  }
  std::string said, output;
  const bool ended = ReadAll(verdict_pipe[0], output_pipe[0], said, output);
  ::close(verdict_pipe[0]);
  ::close(output_pipe[0]);
  if (!ended) ::kill(child, SIGKILL);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (said.rfind("leak ", 0) == 0) {
    verdict = {true, true, said.substr(5)};
  } else if (said == "clean") {
    verdict = {true, false, ""};
  } else {
    if (output.size() > kTailBytes) output.erase(0, output.size() - kTailBytes);
    verdict.message = std::string("the rerun ") +
                      (ended ? DescribeStatus(status) : "did not end within 5 minutes") +
                      " before it gave a verdict; its last output:\n" + output;
  }
  return verdict;
}

void SendHuntVerdict(bool leaked, const std::string& message) {
  const char* value = std::getenv(kHuntChildVariable);
  if (value == nullptr) return;
  char* end = nullptr;
  long fd = std::strtol(value, &end, 10);
  if (*end != '\0' || fd < 0) return;
  const std::string text = leaked ? "leak " + message : "clean";
  for (std::size_t written = 0; written < text.size();) {
    ssize_t n = ::write(static_cast<int>(fd), text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  ::close(static_cast<int>(fd));
}

}  // namespace leakwatch::internal
