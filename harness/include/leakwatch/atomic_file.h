// atomic_file.h — write a file (a report, a suppressions baseline) so that no reader sees half.
//
// The content goes to `<path>.tmp` in the same directory, is fsync'ed, and is renamed over
// `<path>`: a CI job that collects reports after a killed run finds the previous complete file or
// the new complete one, never a torn one. Missing parent directories are created. On any failure
// the .tmp file is removed and the error names `path`.
//
//   Status written = WriteFileAtomically("out/junit.xml", xml);
//   if (!written) std::cerr << "failed to " << written.error().message() << "\n";
#pragma once

#include <string>
#include <string_view>

#include "leakwatch/result.h"

namespace leakwatch {

// Error messages read "writing <path>: <reason>".
Status WriteFileAtomically(const std::string& path, std::string_view content);

}  // namespace leakwatch
