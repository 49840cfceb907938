// protocol_listener.cpp — per-case messages to `leakwatch run`, and its verdicts as failures.
#include "protocol_listener.h"

#include <cstdint>
#include <cstdio>

#include "leak_failure.h"
#include "leakwatch/memcheck.h"

namespace leakwatch::internal {
namespace {

class ProtocolListener : public ::testing::EmptyTestEventListener {
 public:
  ProtocolListener(std::unique_ptr<control::ControlClient> client, LeakCheckMode mode)
      : client_(std::move(client)), mode_(mode) {}

  // The cases this run will run (gtest has applied --gtest_filter and sharding by now), so that
  // the runner can name the ones a crash keeps from running without listing them itself.
  void OnTestProgramStart(const ::testing::UnitTest& unit_test) override {
    for (int s = 0; s < unit_test.total_test_suite_count(); ++s) {
      const ::testing::TestSuite& suite = *unit_test.GetTestSuite(s);
      for (int t = 0; t < suite.total_test_count(); ++t) {
        const ::testing::TestInfo& info = *suite.GetTestInfo(t);
        if (info.should_run()) client_->Plan(ProtocolCaseId(info));
      }
    }
  }

  // Appended after the default printer, so this runs after "[ RUN      ]" is printed and before
  // the fixture is built: the runner's "before" snapshot is taken ahead of the case's own code.
  void OnTestStart(const ::testing::TestInfo& info) override {
    // The answer carries nothing yet (a runner answers case-begin with ok); what matters is that
    // it came, i.e. the snapshot is taken. A silent runner was warned about by the client.
    (void)client_->CaseBegin(ProtocolCaseId(info));
    if (RunningOnValgrind()) definitely_lost_before_ = DefinitelyLostBytes();
  }

  // End events run in reverse order, so this runs before the printer reports the case: a leak
  // failure added here is the case's own, in the console and in the XML.
  void OnTestEnd(const ::testing::TestInfo& info) override {
    const ::testing::TestResult& result = *info.result();
    const control::CaseOutcome outcome = result.Failed()    ? control::CaseOutcome::kFailed
                                         : result.Skipped() ? control::CaseOutcome::kSkipped
                                                            : control::CaseOutcome::kPassed;
    control::Reply reply = client_->CaseEnd(ProtocolCaseId(info), outcome);
    if (reply.answered) ++cases_checked_;
    if (reply.leak) {
      ++cases_leaked_;
      Report(info, "leakwatch: case leaked (checked by leakwatch run): " + reply.summary);
    }
    if (RunningOnValgrind()) {
      unsigned long after = DefinitelyLostBytes();
      if (after > definitely_lost_before_) {
        Report(info, FormatMemoryLeak(after - definitely_lost_before_));
      }
    }
  }

  void OnTestProgramEnd(const ::testing::UnitTest&) override {
    // Said now rather than at exit: the runner learns the module is done before its teardown.
    client_->Bye();
    std::printf("leakwatch: %lld cases checked by leakwatch run, %lld leaked%s\n",
                static_cast<long long>(cases_checked_), static_cast<long long>(cases_leaked_),
                mode_ == LeakCheckMode::kWarn ? " (warn only)" : "");
    std::fflush(stdout);
  }

 private:
  void Report(const ::testing::TestInfo& info, const std::string& message) {
    if (mode_ == LeakCheckMode::kFail) {
      // At the case's own TEST line, as in in-process mode.
      ADD_FAILURE_AT(info.file(), info.line()) << message;
    } else {
      std::fprintf(stderr, "%s [--leakwatch=warn: not failed]\n", message.c_str());
    }
  }

  std::unique_ptr<control::ControlClient> client_;  // never null; may be disconnected
  LeakCheckMode mode_;
  unsigned long definitely_lost_before_ = 0;
  std::int64_t cases_checked_ = 0;  // cases the runner answered case-end for
  std::int64_t cases_leaked_ = 0;
};

}  // namespace

::testing::TestEventListener* NewProtocolListener(std::unique_ptr<control::ControlClient> client,
                                                  LeakCheckMode mode) {
  return new ProtocolListener(std::move(client), mode);
}

std::string ProtocolCaseId(const ::testing::TestInfo& info) {
  return std::string(info.test_suite_name()) + "." + info.name();
}

}  // namespace leakwatch::internal
