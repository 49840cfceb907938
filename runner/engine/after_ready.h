// after_ready.h — `server.after_ready`: a command run against every freshly started server,
// before its pre-flight, to give the new instance the state the modules expect (a loaded
// project, a seeded database).
//
// The command is spawned contained (its own process group or leaf cgroup) and raced against its
// own exit, the server's exit, the timeout and an interrupt; whatever happens, its whole tree is
// stopped before RunAfterReady returns. An error says why, with the end of the command's output,
// and is the reason the module it was run for is NOT RUN.
//
//   Status seeded = RunAfterReady(config.server, config.base_dir, *server, display_env, cancel);
//   if (!seeded) emit_(ModuleNotRun{Clock::now(), module.name, seeded.error().message()});
#pragma once

#include <string>
#include <vector>

#include "leakwatch/result.h"
#include "leakwatch/server.h"
#include "run_config.h"

namespace leakwatch::run {

// Runs `config.after_ready` ("{port}" replaced by the server's port) in `cwd`, with `env` added
// and LEAKWATCH_SERVER_PORT / LEAKWATCH_SERVER_PID set. Ok once it exits 0.
Status RunAfterReady(const ServerConfig& config, const std::string& cwd, Server& server,
                     const std::vector<std::string>& env, int cancel_fd);

}  // namespace leakwatch::run
