#include "leakwatch/duration.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

namespace leakwatch {

Result<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("invalid duration \"{}\": {} (write e.g. 500ms, 1s, 2m)", text, why));
  };
  std::size_t unit_at = 0;
  while (unit_at < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[unit_at])) || text[unit_at] == '.')) {
    ++unit_at;
  }
  if (unit_at == 0) return invalid("expected a number");
  std::string number(text.substr(0, unit_at));
  std::string_view unit = text.substr(unit_at);
  char* end = nullptr;
  double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !std::isfinite(value)) {
    return invalid("not a number");
  }
  double scale = 0;
  if (unit == "ns")
    scale = 1;
  else if (unit == "us")
    scale = 1e3;
  else if (unit == "ms")
    scale = 1e6;
  else if (unit == "s")
    scale = 1e9;
  else if (unit == "m")
    scale = 60e9;
  else if (unit == "h")
    scale = 3600e9;
  else if (unit.empty())
    return invalid("missing unit (ns, us, ms, s, m, h)");
  else
    return invalid(fmt::format("unknown unit \"{}\" (ns, us, ms, s, m, h)", unit));
  double ns = value * scale;
  if (ns > 9.2e18) return invalid("too long");
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ns)));
}

std::string FormatDuration(std::chrono::nanoseconds d) {
  std::int64_t ns = d.count();
  auto trim = [](double v, const char* unit) {
    std::string s = fmt::format("{:.3f}", v);
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s + unit;
  };
  if (ns >= 60'000'000'000 && ns % 60'000'000'000 == 0) return trim(ns / 60e9, "m");
  if (ns >= 1'000'000'000) return trim(ns / 1e9, "s");
  if (ns >= 1'000'000) return trim(ns / 1e6, "ms");
  if (ns >= 1'000) return trim(ns / 1e3, "us");
  return fmt::format("{}ns", ns);
}

}  // namespace leakwatch
