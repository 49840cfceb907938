// module_runner.cpp — one module: spawn it with a control channel, serve the protocol with
// per-case checks, and account for every planned case however the module ends.
#include "module_runner.h"

#include <fmt/format.h>
#include <poll.h>

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

#include "case_check.h"
#include "control_server.h"
#include "leakwatch/control_client.h"
#include "leakwatch/proc_stat.h"
#include "leakwatch/spawn.h"

namespace leakwatch::run {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kTailLines = 30;

std::string ReplacePort(std::string text, int port) {
  for (std::size_t at; (at = text.find("{port}")) != std::string::npos;) {
    text.replace(at, 6, std::to_string(port));
  }
  return text;
}

std::string Indent(const std::string& text) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) out += "  | " + line + "\n";
  return out;
}

// Has `pid` begun to exit? A server that aborts closes its sockets (so the client's case ends)
// before its pidfd turns readable; PF_EXITING in /proc/PID/stat is set before either.
bool IsExiting(pid_t pid) {
  Result<ProcStat> stat = ReadProcStat(pid);
  return !stat || stat->Exiting();  // unreadable: gone already
}

}  // namespace

bool CanRerunCases(const ModuleConfig& module) {
  return module.framework == Framework::kGtest || module.framework == Framework::kPytest;
}

ModuleConfig RerunOf(const ModuleConfig& module, const std::string& case_id, int repeat) {
  ModuleConfig again = module;
  if (module.framework == Framework::kGtest) {
    // A flag beats GTEST_FILTER in the module's env.
    again.command.push_back("--gtest_filter=" + case_id);
    if (repeat > 1) again.command.push_back("--gtest_repeat=" + std::to_string(repeat));
  } else {
    // Read by integrations/pytest/leakwatch_pytest.py (docs/control-protocol.md).
    again.env.push_back("LEAKWATCH_SELECT=" + case_id);
    again.env.push_back("LEAKWATCH_REPEAT=" + std::to_string(repeat));
  }
  return again;
}

bool Hunts(const RunConfig& config, const ModuleConfig& module) {
  return config.checks.hunt_runs > 0 && CanRerunCases(module);
}

const std::vector<std::string>& RunnerOnlyEnvironment() {
  static const std::vector<std::string> kNames = {
      "GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS",        "GTEST_SHARD_STATUS_FILE",
      "TEST_SHARD_INDEX",  "TEST_TOTAL_SHARDS",         "TEST_SHARD_STATUS_FILE",
      "XML_OUTPUT_FILE",   control::kControlFdVariable, control::kControlAnswersVariable};
  return kNames;
}

ModuleRunner::ModuleRunner(const RunConfig& config, const ModuleConfig& module, Server* server,
                           int worker, EventSink emit, int interrupt_fd,
                           const Suppressions* suppressions)
    : config_(config),
      module_(module),
      server_(server),
      worker_(worker),
      emit_(std::move(emit)),
      interrupt_fd_(interrupt_fd),
      suppressions_(suppressions) {}

ModuleOutcome ModuleRunner::Run() {
  ModuleOutcome outcome;
  const auto module_start = SteadyClock::now();
  const auto module_deadline = module_start + module_.timeout.value_or(config_.module_timeout);
  const int port = server_ ? server_->port() : 0;
  const pid_t server_pid = server_ ? server_->pid() : 0;

  auto not_run = [&](const std::string& reason) {
    emit_(ModuleNotRun{Clock::now(), module_.name, reason});
    outcome.failed = true;
    return outcome;
  };

  SpawnSpec spec;
  for (const std::string& arg : module_.command) spec.argv.push_back(ReplacePort(arg, port));
  for (const std::string& entry : module_.env) spec.env.push_back(ReplacePort(entry, port));
  if (server_) {
    spec.env.push_back("LEAKWATCH_SERVER_PORT=" + std::to_string(port));
    spec.env.push_back("LEAKWATCH_SERVER_PID=" + std::to_string(server_pid));
  }
  spec.unset_env = RunnerOnlyEnvironment();
  spec.cwd = module_.cwd.empty() ? config_.base_dir : module_.cwd;

  // The cases the module means to run, from its `plan` messages: those a crash or a timeout keeps
  // from running are reported as not run.
  std::vector<std::string> expected;

  const bool speaks_protocol = module_.framework != Framework::kPlain;
  std::unique_ptr<ControlServer> channel;
  if (speaks_protocol) {
    auto created = ControlServer::Create();
    if (!created) return not_run(created.error().message());
    channel = std::move(*created);
    spec.keep_fds.push_back(channel->child_fd());
    spec.env.push_back(std::string(control::kControlFdVariable) + "=" +
                       std::to_string(channel->child_fd()));
  }

  const bool check_server = server_ && config_.checks.server;
  const bool check_test = config_.checks.test;
  // With nothing to check per case the module need not wait for answers: it only reports its
  // cases, and no case pays for a round trip to the runner.
  const bool answers = check_server || check_test;
  if (channel && !answers) {
    spec.env.push_back(std::string(control::kControlAnswersVariable) + "=none");
  }
  // A plain module is checked as one case, around the whole process.
  CaseCheck module_server_check("server", server_pid, config_.checks, suppressions_);
  if (!speaks_protocol && check_server) module_server_check.Begin();

  auto spawned = SpawnedProcess::Spawn(spec);
  if (!spawned) return not_run(spawned.error().message());
  std::unique_ptr<SpawnedProcess> process = std::move(*spawned);
  if (channel) channel->CloseChildEnd();
  emit_(ModuleStarted{Clock::now(), worker_, module_.name, process->pid(), server_pid, false, ""});

  CaseCheck server_check("server", server_pid, config_.checks, suppressions_);
  CaseCheck test_check("test", process->pid(), config_.checks, suppressions_);
  std::set<std::string> reported;
  std::optional<std::string> current;  // the case between case-begin and case-end
  SteadyClock::time_point case_start{};
  bool heard_hello = false;
  bool server_dying = false;  // a case-end found the server exiting: it died in that case
  std::string stop_reason;    // why the module was stopped early, for the cases it never ran

  auto emit_case = [&](const std::string& name, CaseStatus status,
                       std::chrono::microseconds duration, std::vector<LeakReport> leaks,
                       std::string message) {
    reported.insert(name);
    if (IsFailure(status)) outcome.failed = true;
    emit_(CaseFinished{Clock::now(), worker_, module_.name, name, status, duration, 1,
                       std::move(leaks), std::move(message)});
  };
  auto since = [](SteadyClock::time_point start) {
    return std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start);
  };

  auto handle = [&](const control::Message& message) {
    if (server_dying) return;  // the module is about to be stopped; nothing after counts
    switch (message.type) {
      case control::MessageType::kHello:
        heard_hello = true;
        break;
      case control::MessageType::kPlan:
        expected.push_back(message.case_id);
        break;
      case control::MessageType::kCaseBegin:
        current = message.case_id;
        outcome.last_case = message.case_id;
        case_start = SteadyClock::now();
        if (check_server) server_check.Begin();
        if (check_test) test_check.Begin();
        if (answers) channel->Answer(false);
        break;
      case control::MessageType::kCaseEnd: {
        if (server_ && IsExiting(server_pid)) {
          // The case brought the server down; wait for its end (bounded: an exit is quick) so
          // that the cause is known, and blame this case.
          pollfd exit{server_->process().pidfd(), POLLIN, 0};
          ::poll(&exit, 1, 10000);
          server_dying = true;
          if (answers) channel->Answer(true, "server died during this case");
          break;
        }
        std::vector<LeakReport> leaks;
        if (check_server) {
          if (auto leak = server_check.End(message.case_id)) leaks.push_back(std::move(*leak));
        }
        if (check_test) {
          if (auto leak = test_check.End(message.case_id)) leaks.push_back(std::move(*leak));
        }
        const std::string summary = SummarizeLeaks(leaks);
        // With on_leak: warn the client is told "ok", so that gtest/pytest do not fail the case
        // (and the module's exit status stays the tests' own); so it is while a hunt is to come.
        if (answers) {
          channel->Answer(
              !leaks.empty() && config_.checks.on_leak == OnLeak::kFail && !Hunts(config_, module_),
              summary);
        }
        CaseStatus status = CaseStatus::kPass;
        if (message.outcome == control::CaseOutcome::kFailed) {
          status = CaseStatus::kFail;
        } else if (message.outcome == control::CaseOutcome::kSkipped) {
          status = CaseStatus::kSkipped;
        } else if (!leaks.empty() && config_.checks.on_leak == OnLeak::kFail) {
          status = CaseStatus::kLeak;
        }
        emit_case(message.case_id, status, since(case_start), std::move(leaks), "");
        current.reset();
        break;
      }
      case control::MessageType::kBye:
      case control::MessageType::kOk:
      case control::MessageType::kLeak:
        break;
    }
  };
  auto drain_channel = [&] {
    while (channel && !channel->eof()) {
      auto message = channel->Receive();
      if (!message) {
        stop_reason = "it broke the control protocol: " + message.error().message();
        return false;
      }
      if (!*message) break;
      handle(**message);
    }
    return true;
  };

  auto on_server_death = [&] {
    Liveness death = server_->CheckLiveness();
    outcome.server_died = true;
    outcome.server_death =
        "died (" + death.Describe() + ")" +
        (current ? " during " + module_.name + "/" + *current : " during module " + module_.name);
    server_->log().Drain();
    stop_reason = "the server " + outcome.server_death;
    if (current) {
      emit_case(
          *current, CaseStatus::kCrash, since(case_start), {},
          fmt::format("server died: {} during {}\nlast lines of the server's output:\n{}",
                      death.Describe(), *current, Indent(server_->log().TailLines(kTailLines))));
      current.reset();
    }
  };

  // The loop: until the module exits, or something makes us stop it.
  bool module_exited = false;
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back({process->pidfd(), POLLIN, 0});
    fds.push_back({interrupt_fd_, POLLIN, 0});
    fds.push_back({server_ ? server_->process().pidfd() : -1, POLLIN, 0});
    fds.push_back({channel && !channel->eof() ? channel->fd() : -1, POLLIN, 0});
    auto deadline = module_deadline;
    if (current) deadline = std::min(deadline, case_start + config_.case_timeout);
    auto left = std::chrono::ceil<milliseconds>(deadline - SteadyClock::now()).count();
    int ready = ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long>(0, left)));
    if (ready < 0 && errno == EINTR) continue;
    if (fds[3].revents != 0 && !drain_channel()) break;
    if (fds[2].revents != 0 || server_dying) {
      // The server died: drain what the module said before, then blame the running case.
      if (!server_dying) drain_channel();
      on_server_death();
      break;
    }
    if (fds[0].revents != 0) {
      module_exited = true;
      drain_channel();
      break;
    }
    if (fds[1].revents != 0) {
      outcome.interrupted = true;
      stop_reason = "the run was interrupted";
      break;
    }
    if (ready == 0 && SteadyClock::now() >= deadline) {
      if (current && deadline < module_deadline) {
        emit_case(*current, CaseStatus::kTimeout, since(case_start), {},
                  fmt::format("no case-end within the case timeout of {} ms; the module was "
                              "stopped",
                              config_.case_timeout.count()));
        stop_reason = "case " + *current + " timed out";
      } else {
        if (current) {
          emit_case(*current, CaseStatus::kTimeout, since(case_start), {},
                    "the module timed out during this case");
        }
        stop_reason = fmt::format("the module timed out after {} ms",
                                  module_.timeout.value_or(config_.module_timeout).count());
      }
      current.reset();
      break;
    }
  }

  // Whatever happened, the module's tree is gone after this.
  const TeardownReport& stopped =
      process->Stop({SIGTERM, module_exited ? milliseconds(3000) : milliseconds(500)});
  Liveness exit = stopped.root_exit;
  std::string tail = process->log().TailLines(kTailLines);

  if (current) {
    // The test process died in the middle of a case.
    emit_case(*current, CaseStatus::kCrash, since(case_start), {},
              fmt::format("the test process {} during this case\nlast lines of its output:\n{}",
                          exit.Describe(), Indent(tail)));
    if (stop_reason.empty())
      stop_reason = "the test process " + exit.Describe() + " in " + *current;
    current.reset();
  }

  if (!speaks_protocol || !heard_hello) {
    // One result for the whole module: plain modules, and gtest/pytest modules that never said
    // hello (not linked with leakwatch's listener / plugin).
    std::vector<LeakReport> leaks;
    if (!speaks_protocol && check_server && module_exited) {
      if (auto leak = module_server_check.End(module_.name)) leaks.push_back(std::move(*leak));
    }
    CaseStatus status = CaseStatus::kPass;
    std::string message;
    if (!module_exited) {
      status = outcome.interrupted   ? CaseStatus::kNotRun
               : outcome.server_died ? CaseStatus::kCrash
                                     : CaseStatus::kTimeout;
      message = stop_reason;
    } else if (exit.exit_code != 0) {
      status = exit.signal != 0 ? CaseStatus::kCrash : CaseStatus::kFail;
      message = fmt::format("the module {}\nlast lines of its output:\n{}", exit.Describe(),
                            Indent(tail));
    } else if (!leaks.empty() && config_.checks.on_leak == OnLeak::kFail) {
      status = CaseStatus::kLeak;
    }
    if (speaks_protocol && !heard_hello) {
      message += (message.empty() ? "" : "\n") +
                 std::string(
                     "no per-case checks: the module never spoke the control protocol "
                     "(link it with leakwatch::gtest_main, or load the pytest plugin)");
    }
    emit_case(module_.name, status, since(module_start), std::move(leaks), message);
  } else {
    for (const std::string& name : expected) {
      if (reported.count(name)) continue;
      std::string why = !stop_reason.empty()  ? stop_reason
                        : exit.exit_code != 0 ? "the module " + exit.Describe()
                                              : "the module ended without running it";
      // A module that exited normally and skipped a case by its own filter is not a failure.
      if (stop_reason.empty() && exit.exit_code == 0) continue;
      emit_case(name, CaseStatus::kNotRun, std::chrono::microseconds(0), {}, why);
    }
    if (module_exited && exit.exit_code != 0 && !outcome.failed) {
      // Failed without any failed case: a crash after the last case, or at exit.
      emit_case(module_.name, exit.signal != 0 ? CaseStatus::kCrash : CaseStatus::kFail,
                since(module_start), {},
                fmt::format("the module {} after its cases\nlast lines of its output:\n{}",
                            exit.Describe(), Indent(tail)));
    }
  }

  ModuleFinished finished{Clock::now(),
                          worker_,
                          module_.name,
                          since(module_start),
                          exit.exit_code,
                          exit.signal,
                          !module_exited && !outcome.interrupted && !outcome.server_died,
                          tail};
  emit_(std::move(finished));
  return outcome;
}

}  // namespace leakwatch::run
