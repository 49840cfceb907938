#include "leakwatch/leak_check_listener.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>

#include "case_rerun.h"
#include "leak_failure.h"
#include "leakwatch/atomic_file.h"
#include "leakwatch/control_client.h"
#include "leakwatch/memcheck.h"
#include "leakwatch/repeat_rule.h"
#include "leakwatch/self_snapshotter.h"
#include "leakwatch/settle.h"
#include "leakwatch/suppressions.h"
#include "protocol_listener.h"

namespace leakwatch {
namespace {

using internal::FormatLeakFailure;
using internal::FormatMemoryLeak;
using internal::FormatUncheckedFailure;

// Growth beyond slack, as a delta of its own, so the repeat rule can ask "> 0 in every run".
ResourceCounts BeyondSlack(const ResourceCounts& delta, const Slack& slack) {
  return Subtract(delta, slack.allowed);
}

class LeakCheckListener : public ::testing::EmptyTestEventListener {
 public:
  LeakCheckListener(LeakCheckOptions options, Suppressions suppressions)
      : options_(std::move(options)), suppressions_(std::move(suppressions)) {}

  void OnTestIterationStart(const ::testing::UnitTest&, int iteration) override {
    iteration_ = iteration;
    clean_after_.reset();
  }
  // Code of the user's runs between these events and the next case (suite and environment
  // set-up and tear-down): the last case's "after" no longer describes the process.
  void OnEnvironmentsSetUpStart(const ::testing::UnitTest&) override { clean_after_.reset(); }
  void OnEnvironmentsTearDownStart(const ::testing::UnitTest&) override { clean_after_.reset(); }
  void OnTestSuiteStart(const ::testing::TestSuite&) override { clean_after_.reset(); }
  void OnTestSuiteEnd(const ::testing::TestSuite&) override { clean_after_.reset(); }

  void OnTestStart(const ::testing::TestInfo&) override {
    before_.reset();
    if (clean_after_) {
      // Between two cases of a suite only GoogleTest runs: the previous case's settled "after"
      // is this case's "before", which halves the cost of a check.
      before_ = std::move(*clean_after_);
      clean_after_.reset();
    } else {
      Result<Snapshot> snap = snapshotter_.Take();
      if (!snap) {
        unchecked_ = snap.error().message();
        return;
      }
      before_ = std::move(*snap);
    }
    if (RunningOnValgrind()) definitely_lost_before_ = DefinitelyLostBytes();
  }

  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (!unchecked_.empty()) {
      ReportUnchecked(info, "its \"before\" snapshot failed: " + unchecked_);
      unchecked_.clear();
      return;
    }
    if (!before_) return;
    const std::string name = std::string(info.test_suite_name()) + "." + info.name();
    ++cases_checked_;
    const Snapshot before = std::move(*before_);
    before_.reset();
    // The growth of a warm-up iteration of a repeat hunt is not judged: no need to wait for it
    // to settle.
    SettlePolicy settle = options_.settle;
    if (GTEST_FLAG_GET(repeat) > 1 && iteration_ < options_.warmup) settle.deadline = {};
    Result<SettleResult> settled = Settle(
        before, [this] { return snapshotter_.Take(); }, options_.slack, settle,
        [&](SnapshotDiff& diff) { suppressions_.Filter(name, diff); });
    if (!settled) {
      --cases_checked_;
      ReportUnchecked(info, "its \"after\" snapshot failed: " + settled.error().message());
      return;
    }
    // Suppressions are counted once per case, on the unfiltered diff the verdict rests on.
    bool unchanged = settled->diff.Empty();
    if (!suppressions_.empty()) {
      SnapshotDiff counted = DiffSnapshots(before, settled->after);
      unchanged = counted.Empty();
      suppressions_.Apply(name, counted);
    }

    const int repeat = GTEST_FLAG_GET(repeat);
    if (repeat > 1) {
      Hunt(info, name, *settled, repeat);
    } else if (!settled->growth.empty()) {
      const std::string failure = FormatLeakFailure(settled->diff, settled->growth);
      if (HuntsByItself()) {
        HuntInAChild(info, name, failure, settled->growth);
      } else {
        Report(info, failure, settled->growth);
      }
    }
    if (RunningOnValgrind()) CheckValgrind(info);
    // Only an "after" that matches the "before" exactly may stand in for the next "before":
    // after a leak, a settle that ran out or a suppressed resource, the next case takes its own.
    if (unchanged) clean_after_ = std::move(settled->after);
  }

  void OnTestProgramEnd(const ::testing::UnitTest&) override {
    WriteBaseline();
    std::vector<std::pair<std::string, std::int64_t>> used = suppressions_.Used();
    if (!used.empty()) {
      std::printf("leakwatch: Suppressions used:\n  %8s  %s\n", "count", "name");
      for (const auto& [suppression, count] : used) {
        std::printf("  %8lld  %s\n", static_cast<long long>(count), suppression.c_str());
      }
    }
    std::string extra;
    if (cases_hunted_clean_ != 0) {
      extra += ", " + std::to_string(cases_hunted_clean_) + " grew once only (hunted: not leaks)";
    }
    if (cases_unchecked_ != 0) {
      extra += ", " + std::to_string(cases_unchecked_) + " could not be checked";
    }
    std::printf("leakwatch: %lld cases checked, %lld leaked%s%s\n",
                static_cast<long long>(cases_checked_), static_cast<long long>(cases_leaked_),
                extra.c_str(), options_.mode == LeakCheckMode::kWarn ? " (warn only)" : "");
    std::fflush(stdout);
  }

 private:
  void Hunt(const ::testing::TestInfo& info, const std::string& name, const SettleResult& settled,
            int repeat) {
    std::vector<ResourceCounts>& runs = hunt_[name];
    runs.push_back(BeyondSlack(settled.diff.delta, options_.slack));
    if (iteration_ != repeat - 1) return;
    std::vector<Growth> growth = GrewInEveryRun(runs, options_.warmup);
    if (growth.empty()) {
      internal::SendHuntVerdict(false, "");
      return;
    }
    for (Growth& g : growth) {
      g.slack = g.key == kThreadKey  ? options_.slack.allowed.threads
                : g.key == kChildKey ? options_.slack.allowed.children
                                     : options_.slack.allowed.fds[*ParseFdKind(g.key)];
    }
    const int measured = static_cast<int>(runs.size()) - options_.warmup;
    const std::string failure = FormatLeakFailure(
        settled.diff, growth,
        " over " + std::to_string(measured) + " measured runs, growing in every one (warm-up " +
            std::to_string(options_.warmup) + ")");
    internal::SendHuntVerdict(true, failure);
    Report(info, failure, growth);
  }

  // A case that grew is hunted in a fresh child, unless this is such a child, the binary runs
  // its own repeats, Valgrind runs it (a child would run without it), or hunts are off.
  bool HuntsByItself() const {
    return options_.hunt && std::getenv(internal::kHuntChildVariable) == nullptr &&
           !RunningOnValgrind();
  }

  // Runs the case again alone, warm-up + measured runs, in a child of this binary: it fails
  // here only if a kind grew in every measured run there.
  void HuntInAChild(const ::testing::TestInfo& info, const std::string& name,
                    const std::string& failure, const std::vector<Growth>& growth) {
    const std::string rule = "a repeat hunt in a fresh process (" +
                             Runs(options_.warmup, "warm-up run") + ", then " +
                             Runs(options_.hunt_runs, "measured run") + ")";
    internal::RerunVerdict verdict = internal::RerunCase(name, options_.warmup, options_.hunt_runs);
    if (!verdict.finished) {
      Report(info,
             failure + "\n" + rule +
                 " could not finish, so the first run's leak stands: " + verdict.message,
             growth);
    } else if (verdict.leaked) {
      // "leakwatch: case leaked 2 pidfd over 2 measured runs, ..." -> "it leaked 2 pidfd ..."
      std::string again = verdict.message;
      const std::string prefix = "leakwatch: case leaked ";
      if (again.rfind(prefix, 0) == 0) again = "it leaked " + again.substr(prefix.size());
      Report(info, failure + "\nconfirmed by " + rule + ": " + again, growth);
    } else {
      ++cases_hunted_clean_;
      std::printf(
          "leakwatch: %s grew on its first run, but %s found nothing that grew in every "
          "measured run: one-time initialisation, not a leak\n",
          name.c_str(), rule.c_str());
    }
  }

  static std::string Runs(int n, const std::string& what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
  }

  // `kinds`: what leaked, for a baseline (--leakwatch_write_suppressions); none for memory.
  void Report(const ::testing::TestInfo& info, const std::string& message,
              const std::vector<Growth>& kinds = {}) {
    ++cases_leaked_;
    const std::string name = std::string(info.test_suite_name()) + "." + info.name();
    for (const Growth& g : kinds) {
      baseline_.push_back({name, g.key, "leaked " + std::to_string(g.delta) + " " + g.key});
    }
    if (options_.mode == LeakCheckMode::kFail) {
      // At the case's own TEST line: that is where a reader looks, not at the listener.
      ADD_FAILURE_AT(info.file(), info.line()) << message;
    } else {
      std::fprintf(stderr, "%s [--leakwatch=warn: not failed]\n", message.c_str());
    }
  }

  // --leakwatch_write_suppressions=FILE: the leaks of this run as a suppressions file that the
  // next run is given (--leakwatch_suppressions), so that only new leaks fail.
  void WriteBaseline() {
    if (options_.write_suppressions_path.empty()) return;
    Status written = WriteFileAtomically(
        options_.write_suppressions_path,
        FormatBaseline(baseline_, "the GoogleTest listener (--leakwatch_write_suppressions)"));
    if (written) {
      std::printf("leakwatch: wrote a baseline of %zu leak%s to %s\n", baseline_.size(),
                  baseline_.size() == 1 ? "" : "s", options_.write_suppressions_path.c_str());
    } else {
      std::fprintf(stderr, "leakwatch: %s\n", written.error().message().c_str());
    }
  }

  // A case that could not be checked is never passed as clean: it fails (or, with
  // --leakwatch_on_unchecked=warn or --leakwatch=warn, is warned about) with the reason.
  void ReportUnchecked(const ::testing::TestInfo& info, const std::string& reason) {
    ++cases_unchecked_;
    const std::string message = FormatUncheckedFailure(reason);
    if (options_.mode == LeakCheckMode::kFail && options_.on_unchecked == LeakCheckMode::kFail) {
      ADD_FAILURE_AT(info.file(), info.line()) << message;
    } else {
      std::fprintf(stderr, "%s [not failed: warn only]\n", message.c_str());
    }
  }

  void CheckValgrind(const ::testing::TestInfo& info) {
    unsigned long after = DefinitelyLostBytes();
    if (after > definitely_lost_before_) {
      Report(info, FormatMemoryLeak(after - definitely_lost_before_));
    }
  }

  LeakCheckOptions options_;
  Suppressions suppressions_;
  SelfSnapshotter snapshotter_;
  std::optional<Snapshot> before_;  // set between OnTestStart and OnTestEnd of a checked case
  std::string unchecked_;           // why this case's "before" could not be taken, or ""
  // The "after" of the last case when nothing changed in it; reset whenever code other than
  // GoogleTest's may run before the next case.
  std::optional<Snapshot> clean_after_;
  unsigned long definitely_lost_before_ = 0;
  std::map<std::string, std::vector<ResourceCounts>> hunt_;  // case -> growth per iteration
  int iteration_ = 0;
  std::int64_t cases_checked_ = 0;
  std::int64_t cases_leaked_ = 0;
  std::int64_t cases_unchecked_ = 0;
  std::int64_t cases_hunted_clean_ = 0;  // grew, but a hunt found it one-time growth
  std::vector<BaselineLeak> baseline_;   // every leak reported, by case and kind
};

}  // namespace

Status InstallLeakChecks(const LeakCheckOptions& options) {
  if (options.mode == LeakCheckMode::kOff) return Ok{};
  if (std::getenv(control::kControlFdVariable) != nullptr) {
    // A death test's child (re-executed with --gtest_internal_run_death_test) inherits the
    // variable but not the channel, which is close-on-exec: it runs one statement, nothing to
    // check and no one to tell.
    if (!GTEST_FLAG_GET(internal_run_death_test).empty()) return Ok{};
    // Under `leakwatch run` the runner checks this process (and the server) from outside around
    // every case; checking ourselves as well would report every leak twice. Slack, settle,
    // suppressions and hunts are the runner's then (its config), so their flags do not apply.
    if (auto client = control::ControlClient::FromEnvironment("gtest")) {
      ::testing::UnitTest::GetInstance()->listeners().Append(
          internal::NewProtocolListener(std::move(client), options.mode));
      return Ok{};
    }
    // A value that names no control channel has been warned about: check in-process instead.
  }
  const int repeat = GTEST_FLAG_GET(repeat);
  if (repeat > 1 && options.warmup >= repeat) {
    return Error(ErrorCode::kInvalidArgument,
                 "--leakwatch_warmup=" + std::to_string(options.warmup) +
                     " leaves no measured run with --gtest_repeat=" + std::to_string(repeat));
  }
  Suppressions suppressions;
  if (!options.suppressions_path.empty()) {
    Result<Suppressions> loaded = Suppressions::Load(options.suppressions_path);
    if (!loaded) return loaded.error();
    suppressions = std::move(*loaded);
  }
  // Appended after the default printer: End events reach listeners in reverse order, so the
  // failure is recorded before the printer reports the case's result.
  ::testing::UnitTest::GetInstance()->listeners().Append(
      new LeakCheckListener(options, std::move(suppressions)));
  return Ok{};
}

}  // namespace leakwatch
