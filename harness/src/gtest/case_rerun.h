// case_rerun.h — one case of this test binary run again, alone, in a fresh child process: the
// automatic hunt of the GoogleTest listener (private to the GoogleTest integration).
//
// ctest runs every case in a process of its own, so the case that first touches a lazily
// started thread or a cache is the one that grows. The listener re-runs such a case in a child
// (`--gtest_filter=<case> --gtest_repeat=<warmup + runs>`), whose own listener applies the repeat
// rule and writes its verdict to a pipe named in LEAKWATCH_HUNT_CHILD:
//
//   RerunVerdict verdict = RerunCase("Suite.Case", /*warmup=*/1, /*runs=*/2);
//   if (!verdict.finished) ...   // the first run's leak stands; verdict.message says why
//   else if (verdict.leaked) ... // grew in every measured run: verdict.message is the failure
//
// The child is this binary (/proc/self/exe) with the arguments it was started with, less the
// flags that would make it write ctest's XML, shard, shuffle or hunt again; it dies with us.
#pragma once

#include <string>

namespace leakwatch::internal {

// Set in the child: the number of the pipe it writes its verdict to ("leak <message>" or
// "clean"). A listener that sees it never hunts itself.
inline constexpr char kHuntChildVariable[] = "LEAKWATCH_HUNT_CHILD";

struct RerunVerdict {
  bool finished = false;  // every run happened and the child gave its verdict
  bool leaked = false;    // a kind grew in every measured run
  // The child's failure text when it leaked; why the hunt did not finish otherwise.
  std::string message;
};

RerunVerdict RerunCase(const std::string& case_name, int warmup, int runs);

// Called by the listener of a hunt child at the end of its last run: sends the verdict to the
// parent (a no-op outside a hunt child).
void SendHuntVerdict(bool leaked, const std::string& message);

}  // namespace leakwatch::internal
