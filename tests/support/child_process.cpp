#include "child_process.h"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace leakwatch::testing {
namespace {

using Clock = std::chrono::steady_clock;

void CloseIfOpen(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

std::vector<char*> ArgvPointers(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const std::string& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

constexpr uid_t kNobody = 65534;

// Forks and execs argv with the given fds as stdin/stdout/stderr (-1: /dev/null).
pid_t ForkExec(const std::vector<std::string>& argv, int in, int out, int err,
               bool as_nobody = false) {
  std::vector<char*> args = ArgvPointers(argv);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0) return pid;
  // Groups first: after setresuid they could no longer be dropped.
  if (as_nobody && (setgroups(0, nullptr) != 0 || setresgid(kNobody, kNobody, kNobody) != 0 ||
                    setresuid(kNobody, kNobody, kNobody) != 0)) {
    dprintf(err >= 0 ? err : 2, "dropping privileges: %s\n", strerror(errno));
    _exit(127);
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // after the uid change, which clears it
  if (getppid() != parent) _exit(127);
  int devnull = open("/dev/null", O_RDWR);
  dup2(in >= 0 ? in : devnull, 0);
  dup2(out >= 0 ? out : devnull, 1);
  dup2(err >= 0 ? err : devnull, 2);
  // Only 0-2 cross into the program: the test's own descriptors must not show in its snapshots.
  close_range(3, ~0U, 0);
  execv(args[0], args.data());
  dprintf(2, "exec %s: %s\n", args[0], strerror(errno));
  _exit(127);
}

}  // namespace

std::string BinPath(const std::string& name) {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / name).string();
}

ChildProcess ChildProcess::Start(const std::vector<std::string>& argv) {
  ChildProcess child;
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << strerror(errno);
    return child;
  }
  child.pid_ = ForkExec(argv, in[0], out[1], 2);
  close(in[0]);
  close(out[1]);
  child.stdin_fd_ = in[1];
  child.stdout_fd_ = out[0];
  if (child.pid_ < 0) ADD_FAILURE() << "fork: " << strerror(errno);
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept {
  *this = std::move(other);
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    Kill();
    pid_ = std::exchange(other.pid_, -1);
    stdin_fd_ = std::exchange(other.stdin_fd_, -1);
    stdout_fd_ = std::exchange(other.stdout_fd_, -1);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  Kill();
}

std::string ChildProcess::ReadLine(std::chrono::seconds guard) {
  Clock::time_point deadline = Clock::now() + guard;
  for (;;) {
    size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (stdout_fd_ < 0) return "";
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      ADD_FAILURE() << "child " << pid_ << " gave no line within " << guard.count() << " s";
      return "";
    }
    pollfd p{stdout_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[4096];
    ssize_t n = read(stdout_fd_, chunk, sizeof chunk);
    if (n <= 0) {
      CloseIfOpen(stdout_fd_);
      std::string rest = std::move(buffer_);
      buffer_.clear();
      return rest;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

std::string ChildProcess::ReadLineStartingWith(const std::string& prefix) {
  for (;;) {
    std::string line = ReadLine();
    if (line.rfind(prefix, 0) == 0) return line;
    if (line.empty() && stdout_fd_ < 0) {
      ADD_FAILURE() << "child " << pid_ << " ended its output before a line starting with \""
                    << prefix << "\"";
      return "";
    }
  }
}

std::string ChildProcess::Command(const std::string& line) {
  std::string with_newline = line + "\n";
  if (write(stdin_fd_, with_newline.data(), with_newline.size()) !=
      static_cast<ssize_t>(with_newline.size())) {
    ADD_FAILURE() << "writing to child " << pid_ << ": " << strerror(errno);
    return "";
  }
  return ReadLine();
}

void ChildProcess::CloseStdin() {
  CloseIfOpen(stdin_fd_);
}

int ChildProcess::Wait() {
  int status = 0;
  if (pid_ > 0) {
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  CloseIfOpen(stdin_fd_);
  CloseIfOpen(stdout_fd_);
  return status;
}

void ChildProcess::Kill() {
  if (pid_ > 0) kill(pid_, SIGKILL);
  Wait();
}

namespace {

CommandResult Run(const std::vector<std::string>& argv, const std::string& input,
                  std::chrono::seconds guard, bool as_nobody) {
  CommandResult result;
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << strerror(errno);
    return result;
  }
  pid_t pid = ForkExec(argv, in[0], out[1], err[1], as_nobody);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  // Small inputs fit the pipe buffer; larger ones are not needed by our tests.
  if (!input.empty() && write(in[1], input.data(), input.size()) < 0) {
    ADD_FAILURE() << "writing stdin: " << strerror(errno);
  }
  close(in[1]);

  Clock::time_point deadline = Clock::now() + guard;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_streams = 2;
  bool killed = false;
  while (open_streams > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 && !killed) {
      ADD_FAILURE() << argv[0] << " did not finish within " << guard.count() << " s";
      kill(pid, SIGKILL);
      killed = true;
    }
    if (poll(fds, 2, killed ? -1 : static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char chunk[8192];
      ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
      if (n > 0) {
        sinks[i]->append(chunk, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_streams;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input,
                         std::chrono::seconds guard) {
  return Run(argv, input, guard, false);
}

CommandResult RunCommandAsNobody(const std::vector<std::string>& argv) {
  return Run(argv, "", std::chrono::seconds(120), true);
}

std::string InChildAsNobody(const std::function<std::string()>& body) {
  int report[2];
  if (pipe(report) != 0) return "";
  pid_t child = fork();
  if (child == 0) {
    close(report[0]);
    if (geteuid() == 0 && (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534))) {
      _exit(2);
    }
    std::string out = body();
    (void)!write(report[1], out.data(), out.size());
    _exit(0);
  }
  close(report[1]);
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = read(report[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  close(report[0]);
  waitpid(child, nullptr, 0);
  return out;
}

TempDir::TempDir() {
  const char* base = getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/leakwatch-test.XXXXXX";
  if (!mkdtemp(tmpl.data())) ADD_FAILURE() << "mkdtemp: " << strerror(errno);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary);
  f << content;
  if (!f) ADD_FAILURE() << "writing " << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace leakwatch::testing
