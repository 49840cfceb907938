// after_ready.cpp — the after_ready command, contained and raced like a module.
#include "after_ready.h"

#include <fmt/format.h>
#include <poll.h>

#include <algorithm>
#include <chrono>

#include "case_verdict.h"
#include "leakwatch/command_words.h"
#include "leakwatch/control_protocol.h"
#include "module_session.h"

namespace leakwatch::run {
namespace {

using std::chrono::milliseconds;

constexpr std::size_t kTailLines = 30;

}  // namespace

Status RunAfterReady(const ServerConfig& config, const std::string& cwd, Server& server,
                     const std::vector<std::string>& env, int cancel_fd) {
  SpawnSpec spec;
  for (const std::string& arg : config.after_ready) {
    spec.argv.push_back(ReplacePort(arg, server.port()));
  }
  spec.env = env;
  spec.env.push_back(fmt::format("{}={}", control::kServerPortVariable, server.port()));
  spec.env.push_back(fmt::format("{}={}", control::kServerPidVariable, server.pid()));
  spec.unset_env = RunnerOnlyEnvironment();
  spec.cwd = cwd;
  const std::string what = fmt::format("server.after_ready `{}`", JoinCommandWords(spec.argv));
  auto spawned = SpawnedProcess::Spawn(spec);
  if (!spawned) {
    return Error(spawned.error().code(), "server.after_ready: " + spawned.error().message());
  }
  SpawnedProcess& command = **spawned;

  const auto deadline = std::chrono::steady_clock::now() + config.after_ready_timeout;
  std::string failure;
  for (;;) {
    pollfd fds[] = {{command.pidfd(), POLLIN, 0},
                    {server.process().pidfd(), POLLIN, 0},
                    {cancel_fd, POLLIN, 0}};
    const auto left = std::chrono::ceil<milliseconds>(deadline - std::chrono::steady_clock::now());
    const int ready =
        ::poll(fds, std::size(fds), static_cast<int>(std::max<long>(0, left.count())));
    if (ready < 0 && errno == EINTR) continue;
    if (fds[0].revents != 0) {
      const Liveness exit = command.CheckLiveness();
      if (exit.exit_code == 0) {
        command.Stop();  // reaps it, and anything it left in its group or cgroup
        return Ok{};
      }
      failure = fmt::format("{} {}", what, exit.Describe());
    } else if (fds[1].revents != 0) {
      failure = fmt::format("the server {} while {} ran", server.CheckLiveness().Describe(), what);
    } else if (fds[2].revents != 0) {
      failure = fmt::format("the run was interrupted while {} ran", what);
    } else if (ready == 0 && std::chrono::steady_clock::now() >= deadline) {
      failure = fmt::format("{} did not finish within {} ms (stopped)", what,
                            config.after_ready_timeout.count());
    } else {
      continue;
    }
    break;
  }
  command.Stop({SIGTERM, milliseconds(500)});
  command.log().Drain();
  const std::string tail = command.log().TailLines(kTailLines);
  return Error(ErrorCode::kProcessExited,
               tail.empty() ? failure + " (it printed nothing)" : WithOutputTail(failure, tail));
}

}  // namespace leakwatch::run
