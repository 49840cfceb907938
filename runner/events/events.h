// events.h — what a run reports, as a closed set of typed events.
//
// The engine emits events in order; reporters (console, JUnit, JSON) consume them and never call
// back into the engine. Both depend on this library and not on each other. Adding an event type
// must not compile until every reporter handles it: reporters visit RunEvent with an overload set
// that has no catch-all. Leaks are described by the harness (leakwatch/leak_report.h), so that a
// leak reads the same in every report and in the GoogleTest listener; run_tally.h counts results.
//
//   engine.Run([&](const RunEvent& event) { for (auto& r : reporters) r->Report(event); });
#pragma once

#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "leakwatch/leak_report.h"

namespace leakwatch::run {

using Clock = std::chrono::system_clock;

// How one case (or a plain module, which is one case) ended.
enum class CaseStatus {
  kPass,
  kFail,     // the test failed (its own assertions)
  kLeak,     // the test passed but left resources behind (with on_leak: fail; else kPass + leaks)
  kFlaky,    // failed, then passed on a retry
  kTimeout,  // no case-end within the case timeout, or the module timed out during it
  kCrash,    // the test process or the server died during the case
  kNotRun,   // never started: pre-flight failed, the module crashed earlier, interrupted
  kSkipped,  // the framework skipped it
  // It ran and passed, but whether it leaked is unknown: a snapshot of the server or of the test
  // process failed (with on_unchecked: fail; else kPass with CaseFinished::unchecked set).
  kUnchecked,
};

inline constexpr CaseStatus kAllCaseStatuses[] = {
    CaseStatus::kPass,   CaseStatus::kFail,    CaseStatus::kLeak,
    CaseStatus::kFlaky,  CaseStatus::kTimeout, CaseStatus::kCrash,
    CaseStatus::kNotRun, CaseStatus::kSkipped, CaseStatus::kUnchecked,
};
inline constexpr std::size_t kCaseStatusCount = std::size(kAllCaseStatuses);

// "PASS", "FAIL", "LEAK", "FLAKY", "TIMEOUT", "CRASH", "NOT RUN", "SKIP", "UNCHECKED".
const char* CaseStatusName(CaseStatus status);
// The status named `name`, or nullopt.
std::optional<CaseStatus> CaseStatusFromName(std::string_view name);
// Counts as failed in the summary and the exit code.
bool IsFailure(CaseStatus status);

struct CaseFinished;
struct ModuleNotRun;

// The one count of a run's results: what RunFinished carries, what every summary shows, what
// `merge` adds up. Cases count by status; a module that never started is one failure.
struct RunTally {
  std::array<int, kCaseStatusCount> by_status{};
  int modules_not_run = 0;
  int leaked = 0;     // cases with leaks, whatever on_leak says
  int unchecked = 0;  // cases that could not be checked, whatever on_unchecked says

  int Of(CaseStatus status) const { return by_status[static_cast<std::size_t>(status)]; }
  int cases() const;   // every case reported
  int passed() const;  // PASS and FLAKY (which passed in the end)
  int failed() const;  // every failure status, and the modules not run
  int flaky() const { return Of(CaseStatus::kFlaky); }
  int skipped() const { return Of(CaseStatus::kSkipped); }

  void Add(const CaseFinished& finished);
  void Add(const ModuleNotRun& not_run);
  void Add(const RunTally& other);  // another shard's
};

struct RunStarted {
  Clock::time_point at;
  std::string config_path;
  int modules = 0;  // modules in this shard
  int jobs = 1;
  std::optional<std::pair<int, int>> shard;  // (index 0-based, total)
};

struct ServerStarted {
  Clock::time_point at;
  int worker = 0;
  std::string name;  // the server command's file name ("demo-server"), for reports
  pid_t pid = 0;
  int port = 0;
  int generation = 1;  // 1 for the first start on this worker
  std::string reason;  // why a respawn happened ("" for the first start): "per-module",
                       // "crashed in m/c: killed by SIGABRT", "degraded: ..."
  std::string containment;
  std::chrono::microseconds ready_after{0};
};

struct ServerStopped {
  Clock::time_point at;
  int worker = 0;
  pid_t pid = 0;
  std::string report;  // TeardownReport::Describe()
  bool clean = true;   // no survivor
};

struct ModuleStarted {
  Clock::time_point at;
  int worker = 0;
  std::string module;
  pid_t pid = 0;              // the module's process
  pid_t server_pid = 0;       // 0 without a server
  bool fresh_server = false;  // started on a server spawned (or respawned) for it
  std::string server_note;    // why that server is new, when it replaced another one
};

// A module that never started: the pre-flight check failed (after a respawn, if allowed), the
// command cannot run, or the run was interrupted.
struct ModuleNotRun {
  Clock::time_point at;
  std::string module;
  std::string reason;
};

struct CaseFinished {
  Clock::time_point at;
  int worker = 0;
  std::string module;
  std::string name;  // "Suite.Case" for gtest, the node id for pytest, module for plain
  CaseStatus status = CaseStatus::kPass;
  std::chrono::microseconds duration{0};
  int attempt = 1;                // > 1 when retried
  std::vector<LeakReport> leaks;  // empty unless something leaked (also with on_leak: warn)
  std::string message;            // failure text, crash cause + log tail, timeout note
  // Why the case could not be checked for leaks ("server: cannot read /proc/4242/fd: ..."), or
  // "". Set with status kUnchecked, and also with on_unchecked: warn, where the status is the
  // test's own.
  std::string unchecked;
};

struct ModuleFinished {
  Clock::time_point at;
  int worker = 0;
  std::string module;
  std::chrono::microseconds duration{0};
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  bool timed_out = false;
  std::string output_tail;  // the last lines of the module's stdout+stderr
};

struct RunFinished {
  Clock::time_point at;
  std::chrono::microseconds duration{0};
  RunTally tally;                    // what the exit code follows
  bool interrupted = false;          // Ctrl-C or SIGTERM: what is reported is what ran
  std::string infrastructure_error;  // the run could not go on (e.g. the server never started)
};

using RunEvent = std::variant<RunStarted, ServerStarted, ServerStopped, ModuleStarted, ModuleNotRun,
                              CaseFinished, ModuleFinished, RunFinished>;

}  // namespace leakwatch::run
