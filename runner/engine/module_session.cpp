// module_session.cpp — a module's process, its control channel and its per-case checks.
#include "module_session.h"

#include <fmt/format.h>
#include <poll.h>

#include <algorithm>

#include "leakwatch/control_client.h"
#include "leakwatch/proc_stat.h"
#include "rerun.h"

namespace leakwatch::run {
namespace {

using std::chrono::milliseconds;

constexpr std::size_t kTailLines = 30;
// A server that has begun to exit is gone within this long; longer means it is stuck exiting.
constexpr int kServerExitWaitMs = 10000;

// Has `pid` begun to exit? A server that aborts closes its sockets (so the client's case ends)
// before its pidfd turns readable; PF_EXITING in /proc/PID/stat is set before either.
bool IsExiting(pid_t pid) {
  Result<ProcStat> stat = ReadProcStat(pid);
  return !stat || stat->Exiting();  // unreadable: gone already
}

// The leaks `check` found since its Begin, or why it could not tell, into `result`.
void EndCheck(TargetCheck& check, const std::string& case_name, CaseCheckResult& result,
              bool settle = true) {
  Result<std::vector<LeakReport>> leaks = check.End(case_name, settle);
  if (!leaks) {
    result.AddUnchecked(leaks.error().message());
    return;
  }
  result.leaks.insert(result.leaks.end(), std::make_move_iterator(leaks->begin()),
                      std::make_move_iterator(leaks->end()));
}

}  // namespace

std::string ReplacePort(std::string text, int port) {
  for (std::size_t at; (at = text.find("{port}")) != std::string::npos;) {
    text.replace(at, 6, std::to_string(port));
  }
  return text;
}

const std::vector<std::string>& RunnerOnlyEnvironment() {
  static const std::vector<std::string> kNames = {
      "GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS",        "GTEST_SHARD_STATUS_FILE",
      "TEST_SHARD_INDEX",  "TEST_TOTAL_SHARDS",         "TEST_SHARD_STATUS_FILE",
      "XML_OUTPUT_FILE",   control::kControlFdVariable, control::kControlAnswersVariable};
  return kNames;
}

ModuleSession::ModuleSession(const RunConfig& config, const ModuleConfig& module, Server* server,
                             int worker, EventSink emit, int cancel_fd,
                             const Suppressions* suppressions,
                             std::optional<TreeSnapshot> server_known, int unsettled_cases)
    : config_(config),
      module_(module),
      server_(server),
      worker_(worker),
      emit_(std::move(emit)),
      cancel_fd_(cancel_fd),
      suppressions_(suppressions),
      server_known_(std::move(server_known)),
      unsettled_cases_(unsettled_cases),
      speaks_protocol_(module.framework != Framework::kPlain),
      check_server_(server != nullptr && config.checks.server),
      check_test_(config.checks.test),
      answers_(check_server_ || check_test_) {}

ModuleOutcome ModuleSession::Run() {
  if (!Start()) return outcome_;
  Serve();
  Finish();
  if (server_check_ && !outcome_.server_died) outcome_.server_tree = server_check_->last_after();
  return outcome_;
}

bool ModuleSession::Start() {
  module_start_ = SteadyClock::now();
  module_deadline_ = module_start_ + module_.timeout.value_or(config_.module_timeout);
  const int port = server_ ? server_->port() : 0;
  const pid_t server_pid = server_ ? server_->pid() : 0;
  auto not_run = [&](const std::string& reason) {
    emit_(ModuleNotRun{Clock::now(), module_.name, reason});
    outcome_.failed = true;
    return false;
  };

  SpawnSpec spec;
  for (const std::string& arg : module_.command) spec.argv.push_back(ReplacePort(arg, port));
  spec.env = environment_;  // first: the module's own env may override it
  for (const std::string& entry : module_.env) spec.env.push_back(ReplacePort(entry, port));
  if (server_) {
    spec.env.push_back(fmt::format("{}={}", control::kServerPortVariable, port));
    spec.env.push_back(fmt::format("{}={}", control::kServerPidVariable, server_pid));
  }
  spec.unset_env = RunnerOnlyEnvironment();
  spec.cwd = module_.cwd.empty() ? config_.base_dir : module_.cwd;

  if (speaks_protocol_) {
    auto created = ControlServer::Create();
    if (!created) return not_run(created.error().message());
    channel_ = std::move(*created);
    spec.keep_fds.push_back(channel_->child_fd());
    spec.env.push_back(fmt::format("{}={}", control::kControlFdVariable, channel_->child_fd()));
    // With nothing to check per case the module need not wait for answers: it only reports its
    // cases, and no case pays for a round trip to the runner.
    if (!answers_) spec.env.push_back(std::string(control::kControlAnswersVariable) + "=none");
  }
  if (check_server_) {
    server_check_.emplace(
        "server", server_pid, [server = server_] { return server->process().ExtraTreeMembers(); },
        config_.checks, suppressions_, std::move(server_known_));
    // A plain module is checked as one case, around the whole process.
    if (!speaks_protocol_) server_check_->Begin();
  }

  auto spawned = SpawnedProcess::Spawn(spec);
  if (!spawned) return not_run(spawned.error().message());
  process_ = std::move(*spawned);
  if (channel_) channel_->CloseChildEnd();
  if (check_test_ && speaks_protocol_) {
    test_check_.emplace(
        "test", process_->pid(), [process = process_.get()] { return process->ExtraTreeMembers(); },
        config_.checks, suppressions_);
  }
  emit_(ModuleStarted{Clock::now(), worker_, module_.name, process_->pid(), server_pid, false, ""});
  return true;
}

void ModuleSession::Serve() {
  for (;;) {
    pollfd fds[] = {
        {process_->pidfd(), POLLIN, 0},
        {cancel_fd_, POLLIN, 0},
        {server_ ? server_->process().pidfd() : -1, POLLIN, 0},
        {channel_ && !channel_->eof() ? channel_->fd() : -1, POLLIN, 0},
    };
    const SteadyClock::time_point deadline = Deadline();
    auto left = std::chrono::ceil<milliseconds>(deadline - SteadyClock::now()).count();
    int ready = ::poll(fds, std::size(fds), static_cast<int>(std::max<long>(0, left)));
    if (ready < 0 && errno == EINTR) continue;
    if (fds[3].revents != 0 && !DrainChannel()) return;
    if (fds[2].revents != 0 || server_dying_) {
      // The server died: take in what the module said before, then blame the running case.
      if (!server_dying_) DrainChannel();
      OnServerDeath();
      return;
    }
    if (fds[0].revents != 0) {
      module_exited_ = true;
      DrainChannel();
      return;
    }
    if (fds[1].revents != 0) {
      outcome_.interrupted = true;
      stop_reason_ = "the run was interrupted";
      return;
    }
    if (ready == 0 && SteadyClock::now() >= deadline) {
      OnDeadline(deadline);
      return;
    }
  }
}

bool ModuleSession::DrainChannel() {
  while (channel_ && !channel_->eof()) {
    auto message = channel_->Receive();
    if (!message) {
      stop_reason_ = "it broke the control protocol: " + message.error().message();
      return false;
    }
    if (!*message) break;
    OnMessage(**message);
  }
  return true;
}

void ModuleSession::OnMessage(const control::Message& message) {
  if (server_dying_) return;  // the module is about to be stopped; nothing after counts
  switch (message.type) {
    case control::MessageType::kHello:
      heard_hello_ = true;
      break;
    case control::MessageType::kPlan:
      planned_.push_back(message.case_id);
      break;
    case control::MessageType::kCaseBegin:
      OnCaseBegin(message.case_id);
      break;
    case control::MessageType::kCaseEnd:
      OnCaseEnd(message);
      break;
    case control::MessageType::kBye:
    case control::MessageType::kOk:
    case control::MessageType::kLeak:
      break;
  }
}

void ModuleSession::OnCaseBegin(const std::string& case_id) {
  current_ = case_id;
  outcome_.last_case = case_id;
  case_start_ = SteadyClock::now();
  if (server_check_) server_check_->Begin();
  if (test_check_) test_check_->Begin();
  if (answers_) channel_->Answer(false);
}

void ModuleSession::OnCaseEnd(const control::Message& message) {
  if (ServerExiting()) return OnServerDying();
  CaseCheckResult check;
  const bool settle = unsettled_cases_ <= 0;
  if (!settle) --unsettled_cases_;
  if (server_check_) EndCheck(*server_check_, message.case_id, check, settle);
  if (test_check_) EndCheck(*test_check_, message.case_id, check, settle);
  // A server that died while its tree was read is a crash, not a case that could not be checked.
  if (!check.unchecked.empty() && ServerExiting()) return OnServerDying();
  const CaseVerdict verdict =
      JudgeCase(message.outcome, check, config_.checks, Hunts(config_, module_));
  if (answers_) channel_->Answer(verdict.answer_leak, verdict.answer_summary);
  EmitCase(message.case_id, verdict.status, Since(case_start_), std::move(check.leaks), "",
           std::move(check.unchecked));
  current_.reset();
}

void ModuleSession::OnServerDying() {
  pollfd exit{server_->process().pidfd(), POLLIN, 0};
  ::poll(&exit, 1, kServerExitWaitMs);
  server_dying_ = true;
  if (answers_) channel_->Answer(true, "server died during this case");
}

void ModuleSession::OnServerDeath() {
  Liveness death = server_->CheckLiveness();
  outcome_.server_died = true;
  outcome_.server_death =
      "died (" + death.Describe() + ")" +
      (current_ ? " during " + module_.name + "/" + *current_ : " during module " + module_.name);
  server_->log().Drain();
  stop_reason_ = "the server " + outcome_.server_death;
  if (!current_) return;
  EmitCase(*current_, CaseStatus::kCrash, Since(case_start_), {},
           WithOutputTail(fmt::format("server died: {} during {}", death.Describe(), *current_),
                          server_->log().TailLines(kTailLines), "the server's"));
  current_.reset();
}

void ModuleSession::OnDeadline(SteadyClock::time_point deadline) {
  if (current_ && deadline < module_deadline_) {
    EmitCase(*current_, CaseStatus::kTimeout, Since(case_start_), {},
             fmt::format("no case-end within the case timeout of {} ms; the module was stopped",
                         config_.case_timeout.count()));
    stop_reason_ = "case " + *current_ + " timed out";
  } else {
    if (current_) {
      EmitCase(*current_, CaseStatus::kTimeout, Since(case_start_), {},
               "the module timed out during this case");
    }
    stop_reason_ = fmt::format("the module timed out after {} ms",
                               module_.timeout.value_or(config_.module_timeout).count());
  }
  current_.reset();
}

void ModuleSession::Finish() {
  const TeardownReport& stopped =
      process_->Stop({SIGTERM, module_exited_ ? milliseconds(3000) : milliseconds(500)});
  ModuleEnd end{.exited = module_exited_,
                .interrupted = outcome_.interrupted,
                .server_died = outcome_.server_died,
                .exit = stopped.root_exit,
                .stop_reason = stop_reason_,
                .output_tail = process_->log().TailLines(kTailLines)};

  if (current_) {
    // The test process died in the middle of a case.
    EmitCase(*current_, CaseStatus::kCrash, Since(case_start_), {},
             WithOutputTail("the test process " + end.exit.Describe() + " during this case",
                            end.output_tail));
    if (end.stop_reason.empty()) {
      end.stop_reason = "the test process " + end.exit.Describe() + " in " + *current_;
    }
    current_.reset();
  }

  if (!speaks_protocol_ || !heard_hello_) {
    // One result for the whole module: plain modules, and gtest/pytest modules that never said
    // hello (not linked with leakwatch's listener / plugin).
    CaseCheckResult check;
    if (!speaks_protocol_ && server_check_ && module_exited_) {
      EndCheck(*server_check_, module_.name, check);
    }
    ModuleVerdict verdict =
        JudgeWholeModule(end, check, config_.checks, speaks_protocol_ && !heard_hello_);
    EmitCase(module_.name, verdict.status, Since(module_start_), std::move(check.leaks),
             verdict.message, std::move(check.unchecked));
  } else {
    for (NotRunCase& not_run : PlannedButNotRun(planned_, reported_, end.stop_reason, end.exit)) {
      EmitCase(not_run.name, CaseStatus::kNotRun, std::chrono::microseconds(0), {},
               std::move(not_run.reason));
    }
    if (std::optional<ModuleVerdict> failure = FailureAfterCases(end, outcome_.failed)) {
      EmitCase(module_.name, failure->status, Since(module_start_), {}, failure->message);
    }
  }

  emit_(ModuleFinished{Clock::now(), worker_, module_.name, Since(module_start_),
                       end.exit.exit_code, end.exit.signal,
                       !module_exited_ && !outcome_.interrupted && !outcome_.server_died,
                       end.output_tail});
}

ModuleSession::SteadyClock::time_point ModuleSession::Deadline() const {
  if (!current_) return module_deadline_;
  return std::min(module_deadline_, case_start_ + config_.case_timeout);
}

bool ModuleSession::ServerExiting() const {
  return server_ != nullptr && IsExiting(server_->pid());
}

void ModuleSession::EmitCase(const std::string& name, CaseStatus status,
                             std::chrono::microseconds duration, std::vector<LeakReport> leaks,
                             std::string message, std::string unchecked) {
  reported_.insert(name);
  if (IsFailure(status)) outcome_.failed = true;
  emit_(CaseFinished{Clock::now(), worker_, module_.name, name, status, duration, 1,
                     std::move(leaks), std::move(message), std::move(unchecked)});
}

std::chrono::microseconds ModuleSession::Since(SteadyClock::time_point start) const {
  return std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start);
}

}  // namespace leakwatch::run
