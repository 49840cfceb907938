// baseline_reporter.h — `leakwatch run --write-suppressions FILE`: the leaks this run found, as a
// suppressions file that the next run uses (`checks.suppressions`), so that a team adopting
// leakwatch on an old suite records its known leaks once and only new ones fail.
//
//   reporters.Add(std::make_unique<BaselineReporter>("baseline.yaml", "leakwatch run -c x.yaml"));
//   ... the run ...
//   reporters.Finish();   // writes baseline.yaml atomically: one entry per leaking case and kind
#pragma once

#include <string>
#include <vector>

#include "leakwatch/suppressions.h"
#include "reporter.h"

namespace leakwatch::run {

class BaselineReporter final : public Reporter {
 public:
  // `origin` is named in the file's header comment.
  BaselineReporter(std::string path, std::string origin);

  // Only final case results with leaks matter (with on_leak: warn too); other events are not a
  // baseline's business.
  void Report(const RunEvent& event) override;
  Status Finish() override;
  std::string output_path() const override { return path_; }

 private:
  std::string path_;
  std::string origin_;
  std::vector<BaselineLeak> leaks_;
};

}  // namespace leakwatch::run
