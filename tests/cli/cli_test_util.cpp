#include "cli_test_util.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace leakwatch::testing {

namespace {

std::vector<std::string> HolderArgv(const std::vector<std::string>& flags) {
  std::vector<std::string> argv = {BinPath("lw-holder")};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return argv;
}

}  // namespace

Holder::Holder(const std::vector<std::string>& flags)
    : ChildProcess(ChildProcess::Start(HolderArgv(flags))) {}

Holder::~Holder() {
  CloseStdin();
  Wait();
}

CommandResult RunLeakwatch(const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> argv = {BinPath("leakwatch")};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, input);
}

CommandResult RunLeakwatchAsNobody(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {BinPath("leakwatch")};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::RunCommandAsNobody(argv);
}

std::map<std::string, std::vector<int>> ReadHolderFds(ChildProcess& holder) {
  std::map<std::string, std::vector<int>> fds;
  for (;;) {
    std::string line = holder.ReadLine();
    if (line.rfind("ready", 0) == 0) return fds;
    std::istringstream in(line);
    std::string word, kind;
    int fd = -1;
    if (!(in >> word >> fd >> kind) || word != "fd") {
      ADD_FAILURE() << "unexpected line from lw-holder: \"" << line << "\"";
      return fds;
    }
    fds[kind].push_back(fd);
  }
}

int FdFromAnswer(const std::string& answer) {
  int fd = -1;
  if (std::sscanf(answer.c_str(), "ok %d", &fd) != 1) {
    ADD_FAILURE() << "lw-holder answered \"" << answer << "\"";
    return -1;
  }
  return fd;
}

pid_t VanishedPid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return pid;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace leakwatch::testing
