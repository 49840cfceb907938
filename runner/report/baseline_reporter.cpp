// baseline_reporter.cpp — leaking cases and kinds to a suppressions file.
#include "baseline_reporter.h"

#include "leakwatch/atomic_file.h"

namespace leakwatch::run {

BaselineReporter::BaselineReporter(std::string path, std::string origin)
    : path_(std::move(path)), origin_(std::move(origin)) {}

void BaselineReporter::Report(const RunEvent& event) {
  const auto* finished = std::get_if<CaseFinished>(&event);
  if (finished == nullptr) return;
  for (const LeakReport& report : finished->leaks) {
    for (const LeakedKind& kind : report.kinds) {
      leaks_.push_back({finished->name, kind.kind, SummarizeLeak(report)});
    }
  }
}

Status BaselineReporter::Finish() {
  return WriteFileAtomically(path_, FormatBaseline(leaks_, origin_));
}

}  // namespace leakwatch::run
