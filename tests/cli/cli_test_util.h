// cli_test_util.h — running the `leakwatch` binary from tests.
//
//   Holder holder({"--kinds"});
//   CommandResult r = RunLeakwatch({"snapshot", std::to_string(holder.pid())});
//   EXPECT_EQ(r.exit_code, 0) << r.err;
//   std::map<std::string, std::vector<int>> fds = ReadHolderFds(holder);   // up to "ready"
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "child_process.h"

namespace leakwatch::testing {

// An lw-holder that is told to quit (EOF on stdin) when it goes out of scope, so that it exits
// normally and removes its scratch directory under /tmp. ChildProcess's own destructor SIGKILLs,
// which leaves that directory behind; it still does when a test fails half-way.
class Holder : public ChildProcess {
 public:
  explicit Holder(const std::vector<std::string>& flags = {});
  ~Holder();
  Holder(Holder&&) = delete;
  Holder& operator=(Holder&&) = delete;
};

// Runs build/bin/leakwatch with `args` to completion, with `input` on its stdin.
CommandResult RunLeakwatch(const std::vector<std::string>& args, const std::string& input = "");

// Runs build/bin/leakwatch with `args` as uid/gid 65534 (nobody), no supplementary groups. Only
// meaningful when the test runs as root.
CommandResult RunLeakwatchAsNobody(const std::vector<std::string>& args);

// Reads an lw-holder's start-up lines up to "ready <pid>": planted kind -> its FD numbers.
std::map<std::string, std::vector<int>> ReadHolderFds(ChildProcess& holder);

// The FD number in a holder answer "ok <fd>"; -1 (and a test failure) otherwise.
int FdFromAnswer(const std::string& answer);

// A PID that existed a moment ago: a child that has exited and been reaped.
pid_t VanishedPid();

// Splits `text` into lines, without the newlines; no trailing empty line.
std::vector<std::string> Lines(const std::string& text);

}  // namespace leakwatch::testing
