// log.h — the server's log lines: "demo-server: ..." on stdout (events) or stderr (errors).
//
//   Log("GET {} -> {}", path, status);      // stdout: "demo-server: GET /health -> 200"
//   LogError("bind {}: {}", where, why);    // stderr
//   LogTag() = "worker 4243: ";             // in a worker: "demo-server: worker 4243: GET ..."
//
// Every line is flushed at once: fixtures and benchmarks wait for these lines (and parse the
// timestamps in them), and a crash or SIGKILL must not swallow what was already said.
#pragma once

#include <fmt/core.h>

#include <cstdio>
#include <string>
#include <utility>

namespace demo_server {

// Follows "demo-server: " on every line of this process: empty in the single-process server and
// the master (whose lines tests match as they are), "worker <pid>: " in a worker.
inline std::string& LogTag() {
  static std::string tag;
  return tag;
}

template <typename... Args>
void Log(fmt::format_string<Args...> format, Args&&... args) {
  fmt::print(stdout, "demo-server: {}{}\n", LogTag(),
             fmt::format(format, std::forward<Args>(args)...));
  std::fflush(stdout);
}

template <typename... Args>
void LogError(fmt::format_string<Args...> format, Args&&... args) {
  fmt::print(stderr, "demo-server: {}{}\n", LogTag(),
             fmt::format(format, std::forward<Args>(args)...));
  std::fflush(stderr);
}

}  // namespace demo_server
