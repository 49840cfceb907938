// worker.cpp — server lifecycle per respawn policy, pre-flight, and the module loop.
#include "worker.h"

#include <fmt/format.h>
#include <poll.h>

#include <algorithm>

#include "after_ready.h"
#include "hunt.h"
#include "rerun.h"
#include "server_policy.h"

namespace leakwatch::run {
namespace {

bool IsReadable(int fd) {
  pollfd check{fd, POLLIN, 0};
  return ::poll(&check, 1, 0) > 0;
}

}  // namespace

ServerSpec ServerSpecFor(const RunConfig& config, const std::vector<std::string>& env) {
  const ServerConfig& server = config.server;
  ServerSpec spec;
  spec.argv = server.command;
  spec.env = env;
  spec.env.insert(spec.env.end(), server.env.begin(), server.env.end());
  spec.cwd = server.cwd.empty() ? config.base_dir : server.cwd;
  switch (server.port) {
    case ServerPort::kAuto:
      spec.port = PortMode::kAuto;
      break;
    case ServerPort::kActivate:
      spec.port = PortMode::kActivate;
      break;
    case ServerPort::kFixed:
      spec.port = PortMode::kFree;
      spec.start_attempts = 1;
      spec.pick_port = [port = server.fixed_port]() -> Result<int> { return port; };
      break;
  }
  spec.ready = server.ready;
  spec.health = server.preflight;
  spec.startup_timeout = server.startup_timeout;
  spec.preflight_timeout = server.preflight_timeout;
  spec.stop = {server.stop_signal, server.grace};
  return spec;
}

Worker::Worker(const RunConfig& config, std::vector<int> modules, int index, const EventSink& emit,
               int cancel_fd, const Suppressions* suppressions)
    : config_(config),
      modules_(std::move(modules)),
      index_(index),
      emit_(emit),
      cancel_fd_(cancel_fd),
      suppressions_(suppressions) {}

Worker::~Worker() {
  StopServer();
  display_.reset();
}

void Worker::StopServer() {
  if (!server_) return;
  const TeardownReport& report = server_->Stop();
  emit_(ServerStopped{Clock::now(), index_, server_->pid(), report.Describe(), report.clean()});
  server_.reset();
}

Status Worker::EnsureDisplay() {
  if (config_.server.display != ServerDisplay::kXvfb) return Ok{};
  if (display_ && display_->CheckLiveness().running) return Ok{};
  display_.reset();
  auto started = VirtualDisplay::Start({.stop = {SIGTERM, config_.server.grace}});
  if (!started) {
    return Error(started.error().code(),
                 "server.display: the X server did not start: " + started.error().message());
  }
  display_ = std::move(*started);
  return Ok{};
}

std::vector<std::string> Worker::DisplayEnvironment() const {
  return display_ ? display_->Environment() : std::vector<std::string>{};
}

Status Worker::StartServer(const std::string& reason) {
  StopServer();
  if (Status display = EnsureDisplay(); !display) return display.error();
  auto started = Server::Start(ServerSpecFor(config_, DisplayEnvironment()));
  if (!started) {
    return Error(started.error().code(), "the server did not start: " + started.error().message());
  }
  server_ = std::move(*started);
  ever_ready_ = true;
  emit_(ServerStarted{Clock::now(), index_, server_->name(), server_->pid(), server_->port(),
                      ++generation_, reason, server_->process().containment_description(),
                      server_->ready_after()});
  if (config_.server.after_ready.empty()) return Ok{};
  Status seeded =
      RunAfterReady(config_.server, config_.base_dir, *server_, DisplayEnvironment(), cancel_fd_);
  if (!seeded) {
    // This instance lacks what the modules expect: the next module gets a fresh one.
    StopServer();
    respawn_reason_ = "server.after_ready failed on the last one";
    return seeded.error();
  }
  return Ok{};
}

Result<Worker::ServerReady> Worker::PrepareServer(const ModuleConfig& module) {
  const RespawnPolicy policy = config_.server.respawn;
  const std::string batch = module.batch.empty() ? module.name : module.batch;
  const FreshServer fresh =
      FreshServerFor(policy, server_ != nullptr, batch, current_batch_, respawn_reason_);
  current_batch_ = batch;
  respawn_reason_.clear();
  ServerReady ready{.fresh = fresh.start, .note = fresh.note};
  if (fresh.start) {
    if (Status started = StartServer(fresh.reason); !started) return started.error();
  }

  HealthReport health = server_->Preflight();
  if (health.ok()) return ready;
  const PreflightAction next = AfterFailedPreflight(policy, health, last_ran_);
  if (!next.respawn) return Error(ErrorCode::kProcessExited, next.message);
  ready = {.fresh = true, .note = next.message};
  if (Status started = StartServer(next.message); !started) {
    return Error(started.error().code(),
                 health.message + "; respawning: " + started.error().message());
  }
  HealthReport again = server_->Preflight();
  if (again.ok()) return ready;
  respawn_reason_ = "the last pre-flight failed";
  return Error(
      ErrorCode::kProcessExited,
      fmt::format("pre-flight failed twice (before and after a respawn): {}", again.message));
}

std::vector<CaseFinished> Worker::RunCaseAgain(const ModuleConfig& module,
                                               const std::string& case_id, int repeat, int warmup,
                                               ModuleOutcome& outcome) {
  std::vector<CaseFinished> results;
  const ModuleConfig narrowed = RerunOf(module, case_id, repeat);  // outlives the runner
  ModuleSession again(
      config_, narrowed, server_.get(), index_,
      [&](RunEvent event) {
        // Only the case's own results count; the run is not a module of its own.
        auto* finished = std::get_if<CaseFinished>(&event);
        if (finished != nullptr && finished->name == case_id) results.push_back(*finished);
      },
      cancel_fd_, suppressions_, std::nullopt, warmup);
  again.AddEnvironment(DisplayEnvironment());
  ModuleOutcome rerun = again.Run();
  if (rerun.server_died) {
    outcome.server_died = true;
    outcome.server_death = rerun.server_death;
  }
  outcome.interrupted |= rerun.interrupted;
  return results;
}

CaseFinished Worker::Retry(const ModuleConfig& module, CaseFinished failed,
                           ModuleOutcome& outcome) {
  CaseFinished final_result = failed;
  for (int attempt = 2; attempt <= config_.retries + 1; ++attempt) {
    if (outcome.server_died || outcome.interrupted || IsReadable(cancel_fd_)) break;
    std::vector<CaseFinished> results = RunCaseAgain(module, failed.name, 1, 0, outcome);
    if (results.empty()) break;
    final_result = std::move(results.back());
    final_result.attempt = attempt;
    if (final_result.status == CaseStatus::kPass) {
      final_result.status = CaseStatus::kFlaky;
      final_result.message =
          fmt::format("failed on attempt 1, passed on attempt {}:\n{}", attempt, failed.message);
      break;
    }
    // A leak or a crash on a retry is a result of its own; only a plain failure is retried.
    if (final_result.status != CaseStatus::kFail) break;
  }
  return final_result;
}

CaseFinished Worker::Hunt(const ModuleConfig& module, CaseFinished leaked, ModuleOutcome& outcome) {
  const ChecksConfig& checks = config_.checks;
  const int repeat = checks.hunt_warmup + checks.hunt_runs;
  const std::string first_summary = SummarizeLeaks(leaked.leaks);
  const std::string rule = fmt::format("a repeat hunt ({} warm-up {}, then {} measured {})",
                                       checks.hunt_warmup, checks.hunt_warmup == 1 ? "run" : "runs",
                                       checks.hunt_runs, checks.hunt_runs == 1 ? "run" : "runs");
  std::vector<CaseFinished> runs =
      RunCaseAgain(module, leaked.name, repeat, checks.hunt_warmup, outcome);
  // Every run must have come back passed (with or without a leak) for the rule to apply.
  auto spoiled = std::find_if(runs.begin(), runs.end(), [](const CaseFinished& run) {
    return run.status != CaseStatus::kPass && run.status != CaseStatus::kLeak;
  });
  if (spoiled != runs.end() || static_cast<int>(runs.size()) != repeat) {
    // The case's first result stands; say why the hunt could not judge it.
    std::string why = spoiled != runs.end()
                          ? fmt::format("run {} of {} ended {}", spoiled - runs.begin() + 1, repeat,
                                        CaseStatusName(spoiled->status))
                          : fmt::format("{} of {} runs came back", runs.size(), repeat);
    leaked.message += (leaked.message.empty() ? "" : "\n") + rule + " could not finish: " + why +
                      "; the first run's leak stands";
    return leaked;
  }
  std::vector<std::vector<LeakReport>> per_run;
  for (const CaseFinished& run : runs) per_run.push_back(run.leaks);
  HuntVerdict verdict = GrewInEveryRun(per_run, checks.hunt_warmup);
  std::string message = leaked.message.empty() ? "" : leaked.message + "\n";
  if (verdict.leaks.empty()) {
    leaked.status = CaseStatus::kPass;
    leaked.leaks.clear();
    leaked.message = message + fmt::format(
                                   "grew on its first run ({}), but {} found nothing that grew "
                                   "in every measured run: one-time initialisation, not a leak",
                                   first_summary, rule);
    return leaked;
  }
  leaked.status = checks.on_leak == OnLeak::kFail ? CaseStatus::kLeak : CaseStatus::kPass;
  leaked.leaks = std::move(verdict.leaks);
  leaked.message = message + fmt::format("confirmed by {}: grew in every measured run ({} in all)",
                                         rule, verdict.total);
  return leaked;
}

std::optional<TreeSnapshot> Worker::QuietServerTree(bool fresh) {
  if (!server_ || !config_.checks.server) return std::nullopt;
  if (fresh) server_tree_.reset();
  if (config_.server.quiet.count() == 0) return std::move(server_tree_);
  QuietPolicy policy;
  policy.window = config_.server.quiet;
  Result<QuietTree> quiet = WaitForQuietTree(
      server_->pid(), [this] { return server_->process().ExtraTreeMembers(); }, policy,
      server_tree_ ? &*server_tree_ : nullptr);
  server_tree_.reset();
  // A server that cannot be read now is the first case's to report (UNCHECKED or CRASH).
  if (!quiet) return std::nullopt;
  return std::move(quiet->tree);
}

ModuleOutcome Worker::RunModule(const ModuleConfig& module, const ServerReady& ready) {
  // Failed cases are retried (config `retries`) and leaked cases hunted (`checks.hunt`), where
  // the module's cases can be run one by one. From the first such case on, the module's results
  // (and its end) are held back, so that reports get one result per case, the final one, in the
  // order the cases ran, within their module.
  const bool retry = config_.retries > 0 && CanRerunCases(module);
  const bool hunt = Hunts(config_, module);
  struct Held {
    CaseFinished result;
    bool rerun = false;  // to be retried or hunted
  };
  std::vector<Held> held;
  std::optional<ModuleFinished> finished;
  std::optional<TreeSnapshot> known = QuietServerTree(ready.fresh);
  ModuleSession session(
      config_, module, server_.get(), index_,
      [&](RunEvent event) {
        if (auto* started = std::get_if<ModuleStarted>(&event)) {
          started->fresh_server = ready.fresh;
          started->server_note = ready.note;
        }
        if (auto* end = std::get_if<ModuleFinished>(&event)) {
          finished = std::move(*end);
          return;
        }
        auto* result = std::get_if<CaseFinished>(&event);
        if (result == nullptr) return emit_(std::move(event));
        const bool rerun =
            result->name != module.name &&
            ((retry && result->status == CaseStatus::kFail) ||
             (hunt && !result->leaks.empty() &&
              (result->status == CaseStatus::kLeak || result->status == CaseStatus::kPass)));
        if (!rerun && held.empty()) return emit_(std::move(event));
        held.push_back({std::move(*result), rerun});
      },
      cancel_fd_, suppressions_, std::move(known));
  session.AddEnvironment(DisplayEnvironment());
  ModuleOutcome outcome = session.Run();
  server_tree_ = std::move(outcome.server_tree);
  for (Held& case_result : held) {
    const bool stopped = outcome.server_died || outcome.interrupted || IsReadable(cancel_fd_);
    CaseFinished& first = case_result.result;
    if (!case_result.rerun || stopped) {
      emit_(std::move(first));
    } else if (first.status == CaseStatus::kFail) {
      emit_(Retry(module, std::move(first), outcome));
    } else {
      emit_(Hunt(module, std::move(first), outcome));
    }
  }
  if (finished) emit_(std::move(*finished));
  return outcome;
}

void Worker::Run() {
  for (std::size_t i = 0; i < modules_.size(); ++i) {
    const ModuleConfig& module = config_.modules[modules_[i]];
    if (IsReadable(cancel_fd_)) {
      emit_(ModuleNotRun{Clock::now(), module.name, "the run was interrupted"});
      continue;
    }
    if (!infrastructure_error_.empty()) {
      emit_(ModuleNotRun{Clock::now(), module.name, infrastructure_error_});
      continue;
    }
    ServerReady ready;
    if (config_.has_server) {
      Result<ServerReady> prepared = PrepareServer(module);
      if (!prepared) {
        const std::string& failure = prepared.error().message();
        if (!ever_ready_) infrastructure_error_ = "the server never became ready: " + failure;
        emit_(ModuleNotRun{Clock::now(), module.name, failure});
        continue;
      }
      ready = std::move(*prepared);
    }
    ModuleOutcome outcome = RunModule(module, ready);
    last_ran_ = module.name + (outcome.last_case.empty() ? "" : "/" + outcome.last_case);
    if (config_.has_server && server_) {
      respawn_reason_ =
          RespawnReasonAfter(outcome.server_death, server_->CheckLiveness(), last_ran_);
    }
  }
  // Modules left after an interrupt.
  StopServer();
  display_.reset();
}

}  // namespace leakwatch::run
