// reporter.cpp — MultiReporter: one event stream to many reporters.
#include "reporter.h"

#include <optional>
#include <utility>
#include <variant>

namespace leakwatch::run {

void MultiReporter::Add(std::unique_ptr<Reporter> reporter) {
  reporters_.push_back(std::move(reporter));
}

void MultiReporter::Report(const RunEvent& event) {
  for (auto& reporter : reporters_) reporter->Report(event);
}

Status MultiReporter::Finish() {
  std::optional<Error> first_error;
  for (std::size_t i = reporters_.size(); i-- > 0;) {
    Status status = reporters_[i]->Finish();
    if (!status.ok() && !first_error) first_error = status.error();
    std::string path = reporters_[i]->output_path();
    if (path.empty() && status.ok()) continue;
    // Only the reporters still to finish can use the news.
    for (std::size_t j = 0; j < i; ++j) reporters_[j]->NoteReportFile(path, status);
  }
  if (first_error) return *first_error;
  return Ok{};
}

void MultiReporter::NoteReportFile(const std::string& path, const Status& written) {
  for (auto& reporter : reporters_) reporter->NoteReportFile(path, written);
}

RunTally TallyOf(const std::vector<RunEvent>& events) {
  RunTally tally;
  for (const RunEvent& event : events) {
    if (const auto* finished = std::get_if<RunFinished>(&event)) return finished->tally;
    if (const auto* c = std::get_if<CaseFinished>(&event)) tally.Add(*c);
    if (const auto* m = std::get_if<ModuleNotRun>(&event)) tally.Add(*m);
  }
  return tally;
}

}  // namespace leakwatch::run
