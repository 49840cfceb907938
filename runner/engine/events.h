// events.h — what a run reports, as a closed set of typed events.
//
// The engine emits events in order; reporters (console, JUnit, JSON) consume them and never call
// back into the engine. Adding an event type must not compile until every reporter handles it:
// reporters visit RunEvent with an overload set that has no catch-all.
//
//   engine.Run([&](const RunEvent& event) { for (auto& r : reporters) r->Report(event); });
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

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
};

// "PASS", "FAIL", "LEAK", "FLAKY", "TIMEOUT", "CRASH", "NOT RUN", "SKIP".
const char* CaseStatusName(CaseStatus status);
// Counts as failed in the summary and the exit code.
bool IsFailure(CaseStatus status);

// One kind that grew beyond slack in one process.
struct LeakedKind {
  std::string kind;  // "pidfd", "thread", "child", ...
  std::int64_t count = 0;
};

// What leaked in one process during one case.
struct LeakReport {
  std::string target;  // "server" or "test"
  pid_t pid = 0;
  std::vector<LeakedKind> kinds;
  // Human-readable details: one line per added FD / thread / child ("fd 7 pidfd (pid -1,
  // orphaned)", "thread 1234 demo-sync", ...).
  std::vector<std::string> details;
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
  int passed = 0;
  int failed = 0;  // FAIL, LEAK (with on_leak: fail), TIMEOUT, CRASH, NOT RUN
  int flaky = 0;
  int skipped = 0;
  int leaked = 0;                    // cases with leaks, whatever on_leak says
  bool interrupted = false;          // Ctrl-C or SIGTERM: what is reported is what ran
  std::string infrastructure_error;  // the run could not go on (e.g. the server never started)
};

using RunEvent = std::variant<RunStarted, ServerStarted, ServerStopped, ModuleStarted, ModuleNotRun,
                              CaseFinished, ModuleFinished, RunFinished>;

}  // namespace leakwatch::run
