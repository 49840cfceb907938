// snapshot_bench — how long TakeSnapshot takes at 100 and 10,000 FDs, next to the procfs floor.
//
//   build/bin/snapshot_bench --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
//
// Each benchmark snapshots an lw-holder child that holds N FDs (/dev/null, pipes, unix sockets
// and eventfds in equal parts):
//   BM_Floor/N           the bare getdents64 + readlinkat loop (bench/procfs_floor.c): the least
//                        work any procfs snapshot does, and the yardstick.
//   BM_Snapshot/N        TakeSnapshot with default options (FDs, threads, children, memory).
//   BM_SnapshotFdsOnly/N TakeSnapshot of FDs only, to compare the FD pass 1:1 with the floor.
//   BM_PairedRatio/N     a floor pass and a default snapshot back to back in each iteration; its
//                        `ratio` counter is the most noise-proof form of the comparison.
// Times are real time per snapshot, in ms. All run in one process against the same holders, so
// the ratios printed at the end (median over repetitions) come from one run on one machine state.
// The target (docs/benchmarks.md) is a snapshot within 1.5x of the floor at 10,000 FDs;
// BM_PairedRatio/10000 measures it most steadily.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leakwatch/result.h"
#include "leakwatch/snapshot.h"
#include "leakwatch/unique_fd.h"
#include "procfs_floor.h"

extern char** environ;

namespace {

constexpr long kFdCounts[] = {100, 10000};

// An lw-holder child holding a number of FDs. The destructor kills and reaps it; lw-holder also
// dies with this process (PR_SET_PDEATHSIG) and on EOF on its stdin, so no exit path of the
// benchmark leaves it behind.
class Holder {
 public:
  static leakwatch::Result<std::unique_ptr<Holder>> Start(const std::string& program, long fds);

  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;
  ~Holder() {
    stdin_.reset();
    kill(pid_, SIGKILL);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }

  pid_t pid() const { return pid_; }

 private:
  Holder(pid_t pid, leakwatch::UniqueFd in, leakwatch::UniqueFd out)
      : pid_(pid), stdin_(std::move(in)), stdout_(std::move(out)) {}

  // Reads lw-holder's stdout up to its "ready <pid>" line. Planting 10,000 FDs takes well under
  // a second; the guard only keeps a broken helper from hanging the benchmark.
  leakwatch::Status WaitReady();

  pid_t pid_;  // a live child until the destructor has reaped it
  leakwatch::UniqueFd stdin_;
  leakwatch::UniqueFd stdout_;
};

leakwatch::Result<std::unique_ptr<Holder>> Holder::Start(const std::string& program, long fds) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) return leakwatch::ErrnoError(errno, "creating a pipe");
  leakwatch::UniqueFd in_read(in[0]), in_write(in[1]);
  if (pipe2(out, O_CLOEXEC) != 0) return leakwatch::ErrnoError(errno, "creating a pipe");
  leakwatch::UniqueFd out_read(out[0]), out_write(out[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_read.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
  // Only stdin, stdout and our stderr reach the holder, not whatever our parent let us inherit,
  // so that it holds N FDs plus 3 on every machine.
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  std::string count = std::to_string(fds);
  std::string flag = "--fds";
  std::vector<char*> argv = {const_cast<char*>(program.c_str()), flag.data(), count.data(),
                             nullptr};
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return leakwatch::ErrnoError(rc, "starting " + program);

  std::unique_ptr<Holder> holder(new Holder(pid, std::move(in_write), std::move(out_read)));
  if (leakwatch::Status ready = holder->WaitReady(); !ready) {
    return leakwatch::Error(ready.error().code(),
                            program + " --fds " + count + ": " + ready.error().message());
  }
  return holder;
}

leakwatch::Status Holder::WaitReady() {
  std::string text;
  for (;;) {
    for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
         start = end + 1) {
      std::string_view line(text.data() + start, end - start);
      if (line.starts_with("ready ")) return leakwatch::Ok{};
    }
    pollfd p{stdout_.get(), POLLIN, 0};
    int n = poll(&p, 1, 60'000);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return leakwatch::ErrnoError(errno, "waiting for the ready line");
    if (n == 0) return leakwatch::Error(leakwatch::ErrorCode::kIo, "no ready line after 60 s");
    char buffer[4096];
    ssize_t got = read(stdout_.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return leakwatch::ErrnoError(errno, "reading the ready line");
    if (got == 0) return leakwatch::Error(leakwatch::ErrorCode::kIo, "exited before ready");
    text.append(buffer, static_cast<size_t>(got));
  }
}

// Started in main before any benchmark runs, destroyed after the last; keyed by FD count.
std::map<long, std::unique_ptr<Holder>> g_holders;

// The directory of this executable: lw-holder is built next to it, in build/bin.
std::string BinDir() {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return ".";
  std::string exe(path, static_cast<size_t>(n));
  size_t slash = exe.rfind('/');
  return slash == std::string::npos ? "." : exe.substr(0, slash);
}

// The holder for this benchmark's argument, or nullptr after marking the benchmark skipped.
const Holder* HolderFor(benchmark::State& state) {
  auto it = g_holders.find(state.range(0));
  if (it == g_holders.end()) {
    state.SkipWithError("no lw-holder holds this many FDs");
    return nullptr;
  }
  return it->second.get();
}

// `fds_seen` below N means the holder is not what the benchmark assumes (it died, or the tool
// missed FDs): fail rather than report a fast time for a smaller job.
// `count_items` is false when an iteration is more than one snapshot, so that FDs/s stays true.
void ReportFds(benchmark::State& state, long fds_seen, bool count_items = true) {
  if (state.error_occurred()) return;
  if (fds_seen < state.range(0)) {
    std::string message = "saw " + std::to_string(fds_seen) + " FDs, expected at least " +
                          std::to_string(state.range(0));
    state.SkipWithError(message.c_str());
    return;
  }
  state.counters["fds"] = static_cast<double>(fds_seen);
  if (count_items) state.SetItemsProcessed(state.iterations() * fds_seen);
}

void BM_Floor(benchmark::State& state) {
  const Holder* holder = HolderFor(state);
  if (holder == nullptr) return;
  long fds_seen = 0;
  for (auto _ : state) {
    fds_seen = ProcfsFloorPass(holder->pid());
    if (fds_seen < 0) {
      state.SkipWithError(std::strerror(static_cast<int>(-fds_seen)));
      break;
    }
  }
  ReportFds(state, fds_seen);
}

void RunSnapshot(benchmark::State& state, const leakwatch::SnapshotOptions& options) {
  const Holder* holder = HolderFor(state);
  if (holder == nullptr) return;
  long fds_seen = 0;
  for (auto _ : state) {
    // The Snapshot is destroyed inside the loop: freeing it is part of what a snapshot costs.
    leakwatch::Result<leakwatch::Snapshot> snapshot =
        leakwatch::TakeSnapshot(holder->pid(), options);
    if (!snapshot) {
      state.SkipWithError(snapshot.error().message().c_str());
      break;
    }
    fds_seen = static_cast<long>(snapshot->fds.size());
    benchmark::DoNotOptimize(snapshot);
  }
  ReportFds(state, fds_seen);
}

void BM_Snapshot(benchmark::State& state) {
  RunSnapshot(state, leakwatch::SnapshotOptions{});
}

void BM_SnapshotFdsOnly(benchmark::State& state) {
  leakwatch::SnapshotOptions options;
  options.threads = false;
  options.children = false;
  options.memory = false;
  RunSnapshot(state, options);
}

// A floor pass and a default snapshot back to back in every iteration, in alternating order, so
// that both see the same moment of the machine: on this VM the speed of syscalls drifts by a
// third over seconds, which shifts the separate benchmarks above against each other. The time
// shown is that of the pair; the counters give each half and `ratio`, the sum of snapshot times
// over the sum of floor times.
void BM_PairedRatio(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  const Holder* holder = HolderFor(state);
  if (holder == nullptr) return;
  Clock::duration floor_total{}, snapshot_total{};
  long floor_fds = 0, snapshot_fds = 0;
  std::string error;
  auto time_floor = [&] {
    Clock::time_point start = Clock::now();
    floor_fds = ProcfsFloorPass(holder->pid());
    floor_total += Clock::now() - start;
    if (floor_fds < 0) error = std::strerror(static_cast<int>(-floor_fds));
  };
  auto time_snapshot = [&] {
    Clock::time_point start = Clock::now();
    {
      leakwatch::Result<leakwatch::Snapshot> snapshot = leakwatch::TakeSnapshot(holder->pid());
      if (!snapshot) error = snapshot.error().message();
      snapshot_fds = snapshot ? static_cast<long>(snapshot->fds.size()) : 0;
    }  // freed inside the timed span, as in BM_Snapshot
    snapshot_total += Clock::now() - start;
  };
  bool floor_first = true;
  for (auto _ : state) {
    if (floor_first) {
      time_floor();
      time_snapshot();
    } else {
      time_snapshot();
      time_floor();
    }
    floor_first = !floor_first;
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  ReportFds(state, std::min(floor_fds, snapshot_fds), /*count_items=*/false);
  if (state.error_occurred()) return;
  auto per_iteration_ms = [&](Clock::duration total) {
    return std::chrono::duration<double, std::milli>(total).count() /
           static_cast<double>(state.iterations());
  };
  state.counters["floor_ms"] = per_iteration_ms(floor_total);
  state.counters["snapshot_ms"] = per_iteration_ms(snapshot_total);
  state.counters["ratio"] = state.counters["snapshot_ms"] / state.counters["floor_ms"];
}

void Configure(benchmark::internal::Benchmark* benchmark) {
  for (long fds : kFdCounts) benchmark->Arg(fds);
  benchmark->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_Floor)->Apply(Configure);
BENCHMARK(BM_Snapshot)->Apply(Configure);
BENCHMARK(BM_SnapshotFdsOnly)->Apply(Configure);
BENCHMARK(BM_PairedRatio)->Apply(Configure);

// The console reporter, plus a closing table of each snapshot's median time over the floor's at
// the same FD count. Only Google Benchmark knows every repetition's time, so the ratio is worked
// out here rather than left to the reader.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      Times& times = times_[{run.run_name.function_name, run.run_name.args}];
      auto ratio = run.counters.find("ratio");
      double value = ratio != run.counters.end() ? ratio->second.value : run.GetAdjustedRealTime();
      if (run.run_type == Run::RT_Iteration) {
        times.repetitions.push_back(value);
      } else if (run.aggregate_name == "median") {
        times.median_aggregate = value;
      }
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::ostream& out = GetOutputStream();
    bool header = false;
    for (long fds : kFdCounts) {
      std::string arg = std::to_string(fds);
      double floor = Median("BM_Floor", arg);
      if (floor <= 0) continue;
      for (const char* name : {"BM_Snapshot", "BM_SnapshotFdsOnly"}) {
        double time = Median(name, arg);
        if (time <= 0) continue;
        if (!header) {
          out << "\nMedian real time per snapshot over the floor (target: <= 1.5x)\n";
          header = true;
        }
        char line[160];
        std::snprintf(line, sizeof line, "  %-24s %9.3f ms / BM_Floor/%-6s %9.3f ms = %5.2fx\n",
                      (std::string(name) + "/" + arg).c_str(), time, arg.c_str(), floor,
                      time / floor);
        out << line;
      }
      if (double paired = Median("BM_PairedRatio", arg); paired > 0) {
        char line[160];
        std::snprintf(line, sizeof line, "  %-24s snapshot / floor, back to back     = %5.2fx\n",
                      ("BM_PairedRatio/" + arg).c_str(), paired);
        out << line;
      }
    }
    out.flush();
  }

 private:
  struct Times {
    // Real time per snapshot in ms, or for BM_PairedRatio its ratio counter; one per repetition.
    std::vector<double> repetitions;
    double median_aggregate = 0;  // the same, when only aggregates are reported
  };

  // Median over the repetitions; 0 when the benchmark did not run or failed.
  double Median(const std::string& function, const std::string& arg) {
    auto it = times_.find({function, arg});
    if (it == times_.end()) return 0;
    std::vector<double>& values = it->second.repetitions;
    if (values.empty()) return it->second.median_aggregate;
    std::sort(values.begin(), values.end());
    size_t mid = values.size() / 2;
    return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  }

  std::map<std::pair<std::string, std::string>, Times> times_;  // by (function, argument)
};

// Whether the user asked for another format than the console; then the stock reporter is used
// (its output must stay valid JSON or CSV) and the ratios are left to the reader.
bool WantsOtherFormat(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.starts_with("--benchmark_format=") && arg != "--benchmark_format=console") return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  bool other_format = WantsOtherFormat(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  std::string holder_program = BinDir() + "/lw-holder";
  for (long fds : kFdCounts) {
    leakwatch::Result<std::unique_ptr<Holder>> holder = Holder::Start(holder_program, fds);
    if (!holder) {
      std::fprintf(stderr, "snapshot_bench: %s\n", holder.error().message().c_str());
      g_holders.clear();
      return 1;
    }
    g_holders.emplace(fds, std::move(*holder));
  }

  if (other_format) {
    benchmark::RunSpecifiedBenchmarks();
  } else {
    // Like the stock console reporter's --benchmark_color=auto: colour only on a terminal.
    RatioReporter reporter(isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_ColorTabular
                                                 : benchmark::ConsoleReporter::OO_Tabular);
    benchmark::RunSpecifiedBenchmarks(&reporter);
  }
  benchmark::Shutdown();
  g_holders.clear();
  return 0;
}
