// duration.h — durations as users write them: "500ms", "1s", "2m", "1.5s", "250us".
//
//   Result<std::chrono::nanoseconds> d = ParseDuration("500ms");
//   FormatDuration(std::chrono::milliseconds(1500));   // "1.5s"
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "leakwatch/result.h"

namespace leakwatch {

// Units: ns, us, ms, s, m, h. A bare number is an error (kInvalidArgument): units are not guessed.
Result<std::chrono::nanoseconds> ParseDuration(std::string_view text);
std::string FormatDuration(std::chrono::nanoseconds d);

}  // namespace leakwatch
