// lw-bench-check-floor — the floor of `leakwatch run`'s per-case checks, for bench/compare-ctest.
//
//   lw-bench-check-floor DEMO_SERVER [--cases N] [--threads T]
//
// Each of T threads starts its own demo-server (--port 0) and a test-like process (a child of
// this program that holds stdin/stdout/stderr and a socket pair, like a gtest module with its
// control FD, and waits), then does N times what the runner does for one case when nothing
// leaked: at case-begin TakeSnapshot(server) + TakeSnapshot(test process), at case-end the same
// again (no settle retries, no diff). It prints one line: the wall time of all threads over N,
// i.e. the floor per case per worker in µs, as `floor_us_per_case <value>`.
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "leakwatch/snapshot.h"

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "lw-bench-check-floor: %s\n", what.c_str());
  std::exit(1);
}

// Starts demo-server on a free port and waits for its "listening on" line.
pid_t StartServer(const char* path) {
  int out[2];
  if (pipe(out) != 0) Die("pipe");
  pid_t pid = fork();
  if (pid < 0) Die("fork");
  if (pid == 0) {
    dup2(out[1], 2);
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execl(path, path, "--port", "0", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string seen;
  char buf[256];
  while (seen.find("listening on") == std::string::npos) {
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) Die(std::string("demo-server did not start: ") + seen);
    seen.append(buf, static_cast<size_t>(n));
  }
  // The pipe stays open (the server may log); the read end is simply never read again.
  return pid;
}

pid_t StartTestLike() {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) Die("socketpair");
  pid_t pid = fork();
  if (pid < 0) Die("fork");
  if (pid == 0) {
    close(pair[0]);
    pause();
    _exit(0);
  }
  close(pair[1]);
  return pid;
}

void Check(pid_t pid) {
  auto snap = leakwatch::TakeSnapshot(pid);
  if (!snap.ok()) Die("snapshot of " + std::to_string(pid) + " failed");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Die("usage: lw-bench-check-floor DEMO_SERVER [--cases N] [--threads T]");
  const char* server_path = argv[1];
  long cases = 2000;
  int threads = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--cases") == 0)
      cases = std::atol(argv[i + 1]);
    else if (std::strcmp(argv[i], "--threads") == 0)
      threads = std::atoi(argv[i + 1]);
    else
      Die(std::string("unknown option ") + argv[i]);
  }
  std::vector<pid_t> servers, tests;
  for (int t = 0; t < threads; ++t) {
    servers.push_back(StartServer(server_path));
    tests.push_back(StartTestLike());
  }
  for (int t = 0; t < threads; ++t) {  // warm-up
    Check(servers[t]);
    Check(tests[t]);
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (long c = 0; c < cases; ++c) {
        Check(servers[t]);  // case-begin
        Check(tests[t]);
        Check(servers[t]);  // case-end
        Check(tests[t]);
      }
    });
  }
  for (auto& w : workers) w.join();
  double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  for (int t = 0; t < threads; ++t) {
    kill(servers[t], SIGTERM);
    kill(tests[t], SIGTERM);
    waitpid(servers[t], nullptr, 0);
    waitpid(tests[t], nullptr, 0);
  }
  std::printf("floor_us_per_case %.3f\n", us / static_cast<double>(cases));
  return 0;
}
