// events.cpp — names of case statuses, and the run tally.
#include "events.h"

#include <numeric>

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
    case CaseStatus::kUnchecked:
      return "UNCHECKED";
  }
  return "?";
}

std::optional<CaseStatus> CaseStatusFromName(std::string_view name) {
  for (CaseStatus status : kAllCaseStatuses) {
    if (name == CaseStatusName(status)) return status;
  }
  return std::nullopt;
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
    case CaseStatus::kUnchecked:
      return true;
  }
  return true;
}

int RunTally::cases() const {
  return std::accumulate(by_status.begin(), by_status.end(), 0);
}

int RunTally::passed() const {
  return Of(CaseStatus::kPass) + Of(CaseStatus::kFlaky);
}

int RunTally::failed() const {
  int failures = modules_not_run;
  for (CaseStatus status : kAllCaseStatuses) {
    if (IsFailure(status)) failures += Of(status);
  }
  return failures;
}

void RunTally::Add(const CaseFinished& finished) {
  ++by_status[static_cast<std::size_t>(finished.status)];
  if (!finished.leaks.empty()) ++leaked;
  if (!finished.unchecked.empty()) ++unchecked;
}

void RunTally::Add(const ModuleNotRun&) {
  ++modules_not_run;
}

void RunTally::Add(const RunTally& other) {
  for (std::size_t i = 0; i < by_status.size(); ++i) by_status[i] += other.by_status[i];
  modules_not_run += other.modules_not_run;
  leaked += other.leaked;
  unchecked += other.unchecked;
}

}  // namespace leakwatch::run
