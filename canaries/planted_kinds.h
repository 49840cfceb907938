// planted_kinds.h — the resource kinds the detector canaries plant, shared by the leaky binary
// (which defines one Leaky.<case_name> and kCleanRuns Clean.<case_name>/<i> cases per kind) and
// the detector (which runs them and expects "leakwatch: case leaked 1 <key>").
//
//   for (const PlantedKind& kind : kPlantedKinds)
//     Run("--gtest_filter=Leaky." + std::string(kind.case_name));
//
// The list is every FD kind of fd_kind.h plus "thread" and "child"; detector_canaries checks
// that, so a new kind cannot be added without a planted leak.
#pragma once

#include <array>
#include <ostream>
#include <string_view>

namespace leakwatch::canaries {

struct PlantedKind {
  std::string_view key;        // as leakwatch names it in output and slack specs: "perf_event"
  std::string_view case_name;  // the GoogleTest case name: "PerfEvent"
};

// For GoogleTest's messages about parameterised cases.
inline std::ostream& operator<<(std::ostream& out, const PlantedKind& kind) {
  return out << kind.key;
}

inline constexpr std::array<PlantedKind, 28> kPlantedKinds = {{
    {"file", "File"},
    {"dir", "Dir"},
    {"chr", "Chr"},
    {"blk", "Blk"},
    {"fifo", "Fifo"},
    {"pipe", "Pipe"},
    {"tcp", "Tcp"},
    {"tcp6", "Tcp6"},
    {"udp", "Udp"},
    {"udp6", "Udp6"},
    {"unix", "Unix"},
    {"netlink", "Netlink"},
    {"socket", "Socket"},
    {"eventpoll", "Eventpoll"},
    {"eventfd", "Eventfd"},
    {"timerfd", "Timerfd"},
    {"signalfd", "Signalfd"},
    {"inotify", "Inotify"},
    {"fanotify", "Fanotify"},
    {"pidfd", "Pidfd"},
    {"memfd", "Memfd"},
    {"io_uring", "IoUring"},
    {"bpf", "Bpf"},
    {"perf_event", "PerfEvent"},
    {"userfaultfd", "Userfaultfd"},
    {"anon", "Anon"},
    {"thread", "Thread"},
    {"child", "Child"},
}};

// How many separate clean cases the leaky binary registers per kind (Clean.<case_name>/0 ...
// /999). Each is a case of its own, so the listener gives 1,000 independent per-case verdicts;
// --gtest_repeat would not (a repeat hunt reports only growth in every run, see
// leak_check_listener.h), and a loop inside one case would give one verdict.
inline constexpr int kCleanRuns = 1000;

// The first line of the skip message of a kind that cannot be planted on this machine:
// "leaky_cases: cannot plant <key> here: <reason>".
inline constexpr std::string_view kCannotPlantPrefix = "leaky_cases: cannot plant ";

}  // namespace leakwatch::canaries
