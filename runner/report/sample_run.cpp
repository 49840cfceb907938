// sample_run.cpp — the run behind the golden files. Changing it changes every golden file.
#include "sample_run.h"

#include <string>

namespace leakwatch::run::testing {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr std::int64_t kStartUnixSeconds = 1740830400;  // 2025-03-01T12:00:00Z

// A server crash message: the cause, then more log lines than the console shows.
std::string CrashMessage() {
  std::string message =
      "server died: SIGABRT during Crash.Abort\n"
      "demo-server log (last 16 lines):\n";
  for (int i = 1; i <= 15; ++i) {
    message += "  demo-server: handled request " + std::to_string(i) + "\n";
  }
  message += "  demo-server: assertion failed: queue.empty() (worker.cpp:88)";
  return message;
}

}  // namespace

Clock::time_point SampleTime(int ms) {
  return Clock::time_point(std::chrono::seconds(kStartUnixSeconds)) + milliseconds(ms);
}

std::vector<RunEvent> SampleRun() {
  const std::string crash_note = "crashed in demo-crash/Crash.Abort: killed by SIGABRT";
  std::vector<RunEvent> events;
  events.push_back(RunStarted{
      .at = SampleTime(0), .config_path = "examples/leakwatch.yaml", .modules = 6, .jobs = 1});

  // demo-clean: PASS, FAIL, SKIP, FLAKY.
  events.push_back(
      ServerStarted{.at = SampleTime(90),
                    .name = "demo-server",
                    .pid = 1000,
                    .port = 40001,
                    .containment = "cgroup v2 leaf /sys/fs/cgroup/unified/leakwatch.1/server",
                    .ready_after = milliseconds(85)});
  events.push_back(ModuleStarted{.at = SampleTime(100),
                                 .module = "demo-clean",
                                 .pid = 1001,
                                 .server_pid = 1000,
                                 .fresh_server = true});
  events.push_back(CaseFinished{.at = SampleTime(112),
                                .module = "demo-clean",
                                .name = "Basics.Pass",
                                .status = CaseStatus::kPass,
                                .duration = microseconds(12000)});
  events.push_back(CaseFinished{.at = SampleTime(133),
                                .module = "demo-clean",
                                .name = "Basics.Fails",
                                .status = CaseStatus::kFail,
                                .duration = microseconds(20400),
                                .message = "demo_clean_test.cpp:12: Failure\n"
                                           "Expected equality of these values:\n"
                                           "  1 + 1\n"
                                           "    Which is: 2\n"
                                           "  3"});
  events.push_back(CaseFinished{.at = SampleTime(134),
                                .module = "demo-clean",
                                .name = "Basics.Skipped",
                                .status = CaseStatus::kSkipped,
                                .duration = microseconds(300)});
  events.push_back(CaseFinished{.at = SampleTime(190),
                                .module = "demo-clean",
                                .name = "Basics.Retried",
                                .status = CaseStatus::kFlaky,
                                .duration = microseconds(50000),
                                .attempt = 2});
  events.push_back(ModuleFinished{.at = SampleTime(250),
                                  .module = "demo-clean",
                                  .duration = milliseconds(150),
                                  .exit_code = 1,
                                  .output_tail = "[==========] 4 tests from 1 test suite ran.\n"
                                                 "[  PASSED  ] 2 tests.\n"
                                                 "[  FAILED  ] 1 test, listed below:\n"
                                                 "[  FAILED  ] Basics.Fails\n"});
  events.push_back(ServerStopped{
      .at = SampleTime(260), .pid = 1000, .report = "stopped by SIGTERM after 4 ms; nothing left"});

  // demo-leaks: a leak in the server and in the test process, then a clean case.
  events.push_back(
      ServerStarted{.at = SampleTime(350),
                    .name = "demo-server",
                    .pid = 1010,
                    .port = 40001,
                    .generation = 2,
                    .reason = "per-module",
                    .containment = "cgroup v2 leaf /sys/fs/cgroup/unified/leakwatch.1/server",
                    .ready_after = milliseconds(80)});
  events.push_back(ModuleStarted{.at = SampleTime(360),
                                 .module = "demo-leaks",
                                 .pid = 1011,
                                 .server_pid = 1010,
                                 .fresh_server = true});
  events.push_back(CaseFinished{.at = SampleTime(400),
                                .module = "demo-leaks",
                                .name = "Leaks.HelperSpawn",
                                .status = CaseStatus::kLeak,
                                .duration = microseconds(34000),
                                .leaks = {LeakReport{.target = "server",
                                                     .pid = 1010,
                                                     .kinds = {{"pidfd", 1}},
                                                     .details = {"fd 9 pidfd (pid -1, orphaned)"}},
                                          LeakReport{.target = "test",
                                                     .pid = 1011,
                                                     .kinds = {{"thread", 1}},
                                                     .details = {"thread 1015 stuck-worker"}}}});
  events.push_back(CaseFinished{.at = SampleTime(404),
                                .module = "demo-leaks",
                                .name = "Leaks.Clean",
                                .status = CaseStatus::kPass,
                                .duration = microseconds(3000)});
  events.push_back(ModuleFinished{
      .at = SampleTime(420), .module = "demo-leaks", .duration = milliseconds(60), .exit_code = 1});
  events.push_back(ServerStopped{
      .at = SampleTime(430), .pid = 1010, .report = "stopped by SIGTERM after 3 ms; nothing left"});

  // demo-crash: the server dies during the first case; the second never runs.
  events.push_back(
      ServerStarted{.at = SampleTime(520),
                    .name = "demo-server",
                    .pid = 1020,
                    .port = 40001,
                    .generation = 3,
                    .reason = "per-module",
                    .containment = "cgroup v2 leaf /sys/fs/cgroup/unified/leakwatch.1/server",
                    .ready_after = milliseconds(82)});
  events.push_back(ModuleStarted{.at = SampleTime(530),
                                 .module = "demo-crash",
                                 .pid = 1021,
                                 .server_pid = 1020,
                                 .fresh_server = true});
  events.push_back(CaseFinished{.at = SampleTime(630),
                                .module = "demo-crash",
                                .name = "Crash.Abort",
                                .status = CaseStatus::kCrash,
                                .duration = microseconds(100000),
                                .message = CrashMessage()});
  events.push_back(CaseFinished{.at = SampleTime(640),
                                .module = "demo-crash",
                                .name = "Crash.After",
                                .status = CaseStatus::kNotRun,
                                .message = "not run: the server died during Crash.Abort"});
  events.push_back(ModuleFinished{.at = SampleTime(650),
                                  .module = "demo-crash",
                                  .duration = milliseconds(120),
                                  .exit_code = 1});
  events.push_back(ServerStopped{
      .at = SampleTime(655),
      .pid = 1020,
      .report = "killed by SIGABRT; 1 survivor killed: 1023 demo-helper (escaped with setsid)",
      .clean = false});

  // demo-hang: runs on the respawned server and times out.
  events.push_back(
      ServerStarted{.at = SampleTime(740),
                    .name = "demo-server",
                    .pid = 1030,
                    .port = 40001,
                    .generation = 4,
                    .reason = crash_note,
                    .containment = "cgroup v2 leaf /sys/fs/cgroup/unified/leakwatch.1/server",
                    .ready_after = milliseconds(84)});
  events.push_back(ModuleStarted{.at = SampleTime(750),
                                 .module = "demo-hang",
                                 .pid = 1031,
                                 .server_pid = 1030,
                                 .fresh_server = true,
                                 .server_note = crash_note});
  events.push_back(CaseFinished{.at = SampleTime(5760),
                                .module = "demo-hang",
                                .name = "Hang.Forever",
                                .status = CaseStatus::kTimeout,
                                .duration = microseconds(5000000),
                                .message = "no case-end within the case timeout (5s); the "
                                           "module's process tree was killed"});
  events.push_back(ModuleFinished{.at = SampleTime(5770),
                                  .module = "demo-hang",
                                  .duration = milliseconds(5020),
                                  .signal = 9,
                                  .timed_out = true,
                                  .output_tail = "[ RUN      ] Hang.Forever\n"});

  // demo-degraded: the pre-flight check fails, also after a respawn.
  events.push_back(ModuleNotRun{.at = SampleTime(6300),
                                .module = "demo-degraded",
                                .reason = "pre-flight failed after a respawn: GET "
                                          "http://127.0.0.1:40001/health: 503 Service "
                                          "Unavailable (degraded since demo-hang/Hang.Forever)"});

  // demo-pytest: names and messages with characters every format must escape.
  events.push_back(ModuleStarted{
      .at = SampleTime(6310), .module = "demo-pytest", .pid = 1041, .server_pid = 1030});
  events.push_back(CaseFinished{.at = SampleTime(6330),
                                .module = "demo-pytest",
                                .name = "test_markup.py::test_render[<a href=\"x\">&amp;</a>]",
                                .status = CaseStatus::kPass,
                                .duration = microseconds(2000)});
  events.push_back(CaseFinished{.at = SampleTime(6340),
                                .module = "demo-pytest",
                                .name = "test_markup.py::test_gpu",
                                .status = CaseStatus::kSkipped,
                                .duration = microseconds(100),
                                .message = "requires 'gpu' & <display> \x01\x1b[0m \xff"});
  events.push_back(ModuleFinished{.at = SampleTime(6400),
                                  .module = "demo-pytest",
                                  .duration = milliseconds(90),
                                  .exit_code = 0,
                                  .output_tail = "1 passed, 1 skipped in 0.05s ]]> \x02\n"});
  events.push_back(RunFinished{.at = SampleTime(6500),
                               .duration = milliseconds(6500),
                               .passed = 4,
                               .failed = 6,
                               .flaky = 1,
                               .skipped = 2,
                               .leaked = 1});
  return events;
}

}  // namespace leakwatch::run::testing
