// listener_floor_bench — the floor of a per-case FD check, and what the snapshots cost, in-process.
//
//   build-lbench/bin/listener_floor_bench --benchmark_repetitions=5
//       (add --benchmark_enable_random_interleaving=true to spread load spikes)
//
// Every benchmark first brings the process to exactly N open FDs (0, 1, 2 and /dev/null), N = 10
// or 100; one iteration is one test case's worth of work:
//   BM_FstatFloor/N        one fstat of every open FD, twice (before + after): the least a
//                          before/after check can do, and the yardstick of the issue.
//   BM_SelfSnapshotter/N   leakwatch::SelfSnapshotter::Take() twice: the listener's snapshot cost
//                          without GoogleTest, diffing or settling around it.
// Times are real time per iteration (= per case) in µs. bench/listener/compare-listener runs this
// with --benchmark_format=json and sets the numbers beside the whole-process measurement.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "hold_fds.h"
#include "leakwatch/self_snapshotter.h"

namespace {

// The /dev/null FDs this program opened, so that a benchmark at 10 after one at 100 can close
// the surplus: the process must hold exactly N while it measures.
std::vector<int> g_extra;

// Opens or closes /dev/null FDs until exactly `count` are open; returns the open numbers.
std::vector<int> SetFdCount(int count) {
  while (!g_extra.empty() && static_cast<int>(lwbench::OpenFds().size()) > count) {
    close(g_extra.back());
    g_extra.pop_back();
  }
  const std::vector<int> before = lwbench::OpenFds();
  std::vector<int> now = lwbench::HoldFds(count);
  for (int fd : now) {
    bool had = false;
    for (int old : before) had = had || old == fd;
    if (!had) g_extra.push_back(fd);
  }
  return now;
}

void BM_FstatFloor(benchmark::State& state) {
  const std::vector<int> fds = SetFdCount(static_cast<int>(state.range(0)));
  struct stat st {};
  for (auto _ : state) {
    for (int pass = 0; pass < 2; ++pass) {
      for (int fd : fds) {
        if (fstat(fd, &st) != 0) state.SkipWithError("an FD closed under the benchmark");
        benchmark::DoNotOptimize(st);
      }
    }
  }
  state.counters["fds"] = static_cast<double>(fds.size());
}

// Checks that a snapshot saw the FDs it should: a snapshotter that silently failed would look
// very fast.
void TakePair(benchmark::State& state, leakwatch::SelfSnapshotter& snapshotter,
              std::size_t expected_fds) {
  for (auto _ : state) {
    for (int pass = 0; pass < 2; ++pass) {
      leakwatch::Result<leakwatch::Snapshot> snap = snapshotter.Take();
      if (!snap || snap->fds.size() != expected_fds) {
        state.SkipWithError("snapshot failed or saw the wrong FDs");
        return;
      }
      benchmark::DoNotOptimize(snap);
    }
  }
}

void BM_SelfSnapshotter(benchmark::State& state) {
  const std::vector<int> fds = SetFdCount(static_cast<int>(state.range(0)));
  leakwatch::SelfSnapshotter snapshotter;
  TakePair(state, snapshotter, fds.size());
  state.counters["fds"] = static_cast<double>(fds.size());
}

BENCHMARK(BM_FstatFloor)->Arg(10)->Arg(100)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_SelfSnapshotter)->Arg(10)->Arg(100)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
