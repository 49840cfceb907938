#include "leakwatch/leak_check_listener.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>

#include "leak_failure.h"
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
    Result<SettleResult> settled = Settle(
        before, [this] { return snapshotter_.Take(); }, options_.slack, options_.settle,
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
      Report(info, FormatLeakFailure(settled->diff, settled->growth));
    }
    if (RunningOnValgrind()) CheckValgrind(info);
    // Only an "after" that matches the "before" exactly may stand in for the next "before":
    // after a leak, a settle that ran out or a suppressed resource, the next case takes its own.
    if (unchanged) clean_after_ = std::move(settled->after);
  }

  void OnTestProgramEnd(const ::testing::UnitTest&) override {
    std::vector<std::pair<std::string, std::int64_t>> used = suppressions_.Used();
    if (!used.empty()) {
      std::printf("leakwatch: Suppressions used:\n  %8s  %s\n", "count", "name");
      for (const auto& [suppression, count] : used) {
        std::printf("  %8lld  %s\n", static_cast<long long>(count), suppression.c_str());
      }
    }
    std::printf("leakwatch: %lld cases checked, %lld leaked%s%s\n",
                static_cast<long long>(cases_checked_), static_cast<long long>(cases_leaked_),
                cases_unchecked_ == 0
                    ? ""
                    : (", " + std::to_string(cases_unchecked_) + " could not be checked").c_str(),
                options_.mode == LeakCheckMode::kWarn ? " (warn only)" : "");
    std::fflush(stdout);
  }

 private:
  void Hunt(const ::testing::TestInfo& info, const std::string& name, const SettleResult& settled,
            int repeat) {
    std::vector<ResourceCounts>& runs = hunt_[name];
    runs.push_back(BeyondSlack(settled.diff.delta, options_.slack));
    if (iteration_ != repeat - 1) return;
    std::vector<Growth> growth = GrewInEveryRun(runs, options_.warmup);
    if (growth.empty()) return;
    for (Growth& g : growth) {
      g.slack = g.key == kThreadKey  ? options_.slack.allowed.threads
                : g.key == kChildKey ? options_.slack.allowed.children
                                     : options_.slack.allowed.fds[*ParseFdKind(g.key)];
    }
    const int measured = static_cast<int>(runs.size()) - options_.warmup;
    Report(info, FormatLeakFailure(settled.diff, growth,
                                   " over " + std::to_string(measured) +
                                       " measured runs, growing in every one (warm-up " +
                                       std::to_string(options_.warmup) + ")"));
  }

  void Report(const ::testing::TestInfo& info, const std::string& message) {
    ++cases_leaked_;
    if (options_.mode == LeakCheckMode::kFail) {
      // At the case's own TEST line: that is where a reader looks, not at the listener.
      ADD_FAILURE_AT(info.file(), info.line()) << message;
    } else {
      std::fprintf(stderr, "%s [--leakwatch=warn: not failed]\n", message.c_str());
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
