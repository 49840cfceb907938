// events.cpp — names of case statuses.
#include "events.h"

namespace leakwatch::run {

const char* CaseStatusName(CaseStatus status) {
  switch (status) {
    case CaseStatus::kPass:
      return "PASS";
    case CaseStatus::kFail:
      return "FAIL";
    case CaseStatus::kLeak:
      return "LEAK";
    case CaseStatus::kFlaky:
      return "FLAKY";
    case CaseStatus::kTimeout:
      return "TIMEOUT";
    case CaseStatus::kCrash:
      return "CRASH";
    case CaseStatus::kNotRun:
      return "NOT RUN";
    case CaseStatus::kSkipped:
      return "SKIP";
  }
  return "?";
}

bool IsFailure(CaseStatus status) {
  switch (status) {
    case CaseStatus::kPass:
    case CaseStatus::kFlaky:
    case CaseStatus::kSkipped:
      return false;
    case CaseStatus::kFail:
    case CaseStatus::kLeak:
    case CaseStatus::kTimeout:
    case CaseStatus::kCrash:
    case CaseStatus::kNotRun:
      return true;
  }
  return true;
}

}  // namespace leakwatch::run
