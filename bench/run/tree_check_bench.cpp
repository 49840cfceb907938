// tree_check_bench — what the per-case check of a server costs, for a server of one process and
// for a pre-fork server of a master and 8 workers, next to the floor of reading those processes.
//
//   build/bin/tree_check_bench build/bin/demo-server [--benchmark_repetitions=7 ...]
//
// BM_CaseCheck/W   one clean case of `leakwatch run`'s server check: TargetCheck::Begin() and
//                  End() (a tree snapshot at each end, the tree diff, the settle judgement; no
//                  leak, so no re-check) against a live `demo-server --workers W` (W = 0: one
//                  process).
// BM_Floor/W       the floor of the same: every process of that tree read twice with the procfs
//                  floor pass (getdents64 of /proc/PID/fd and a readlinkat per entry, nothing
//                  parsed or kept; bench/procfs_floor.h).
// Results and the machine are in docs/benchmarks.md.
#include <benchmark/benchmark.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "case_check.h"
#include "leakwatch/tree_snapshot.h"
#include "procfs_floor.h"

namespace {

std::string g_demo_server;

// A demo-server started with --port 0 and `workers` workers, stopped (with its tree) at exit.
class LiveServer {
 public:
  explicit LiveServer(int workers) {
    int out[2];
    if (pipe(out) != 0) std::abort();
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      close(out[1]);
      std::string count = std::to_string(workers);
      execl(g_demo_server.c_str(), g_demo_server.c_str(), "--port", "0", "--workers", count.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    std::string seen;
    char buffer[512];
    while (seen.find("listening on") == std::string::npos) {
      ssize_t n = read(out[0], buffer, sizeof buffer);
      if (n <= 0) {
        std::fprintf(stderr, "demo-server did not start: %s\n", seen.c_str());
        std::exit(1);
      }
      seen.append(buffer, static_cast<std::size_t>(n));
    }
    log_ = out[0];  // kept open and never read again: the server may log
  }
  ~LiveServer() {
    kill(pid_, SIGTERM);  // the master stops its workers
    waitpid(pid_, nullptr, 0);
    close(log_);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int log_ = -1;
};

LiveServer& ServerWith(int workers) {
  static std::map<int, std::unique_ptr<LiveServer>> servers;
  auto& server = servers[workers];
  if (!server) server = std::make_unique<LiveServer>(workers);
  return *server;
}

void BM_CaseCheck(benchmark::State& state) {
  const int workers = static_cast<int>(state.range(0));
  LiveServer& server = ServerWith(workers);
  leakwatch::run::ChecksConfig checks;
  leakwatch::run::TargetCheck check("server", server.pid(), nullptr, checks);
  for (auto _ : state) {
    check.Begin();
    auto leaks = check.End("Bench.Case");
    if (!leaks || !leaks->empty()) {
      state.SkipWithError(leaks ? "a leak in an idle server" : leaks.error().message().c_str());
      break;
    }
  }
  state.counters["processes"] = 1 + workers;
}

void BM_Floor(benchmark::State& state) {
  const int workers = static_cast<int>(state.range(0));
  LiveServer& server = ServerWith(workers);
  std::vector<pid_t> processes;
  auto tree = leakwatch::TakeTreeSnapshot(server.pid());
  if (!tree) {
    state.SkipWithError(tree.error().message().c_str());
    return;
  }
  for (const leakwatch::TreeMember& member : tree->members) processes.push_back(member.process.pid);
  for (auto _ : state) {
    for (int end = 0; end < 2; ++end) {  // case-begin and case-end
      for (pid_t pid : processes) benchmark::DoNotOptimize(ProcfsFloorPass(pid));
    }
  }
  state.counters["processes"] = static_cast<double>(processes.size());
}

BENCHMARK(BM_CaseCheck)->Arg(0)->Arg(8)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Floor)->Arg(0)->Arg(8)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: tree_check_bench DEMO_SERVER [--benchmark_...]\n");
    return 2;
  }
  g_demo_server = argv[1];
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
