// golden.h — approval (golden) files for the report formats, for run_report_tests.
//
// A test renders a report from a fixed event sequence (sample_run.h) and compares it with
// runner/report/testdata/<name>. After an intended change of a format, regenerate the files and
// review the diff:
//
//   LEAKWATCH_UPDATE_GOLDEN=1 build/bin/run_report_tests
//   git diff runner/report/testdata
#pragma once

#include <string>

namespace leakwatch::run::testing {

// EXPECTs `actual` to equal the golden file `name`; with LEAKWATCH_UPDATE_GOLDEN=1 in the
// environment, writes `actual` there instead.
void ExpectMatchesGolden(const std::string& name, const std::string& actual);

std::string GoldenPath(const std::string& name);

}  // namespace leakwatch::run::testing
