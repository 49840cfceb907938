// report_text.h — text helpers the reporters share: times, lines, XML escaping.
//
// Kept apart from the reporters so that the console, JUnit and JSON reports word the same facts
// the same way, and so that escaping can be tested on its own. Leaks are worded by the harness
// (leakwatch/leak_report.h: SummarizeLeaks, SummarizeKinds), as everywhere else.
//
//   FormatSeconds(std::chrono::microseconds(12345))   // "0.012"
//   EscapeXmlAttribute("a<b\n")                       // "a&lt;b&#10;"
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events.h"

namespace leakwatch::run {

// "0.012": seconds with millisecond precision, as nextest and JUnit show durations.
std::string FormatSeconds(std::chrono::microseconds duration);

// "2025-03-01T12:00:00": UTC, without a zone suffix (the JUnit schema's timestamp form).
std::string FormatUtcTimestamp(Clock::time_point at);

std::int64_t UnixMillis(Clock::time_point at);

// The lines of `text`, without their newlines; a trailing newline adds no empty line.
std::vector<std::string> SplitLines(std::string_view text);

// At most `max_lines` lines of `text`: when longer, the first few, a line saying how many were
// left out, and the last ones — a crash message starts with its cause and ends with the log tail,
// and both ends matter.
std::vector<std::string> CutLines(std::string_view text, std::size_t max_lines);

// `text` with every invalid UTF-8 sequence replaced by U+FFFD: test output is arbitrary bytes,
// while XML and JSON readers reject a report that is not UTF-8.
std::string SanitizeUtf8(std::string_view text);

// Escapes for XML 1.0 element text and attribute values. Both produce well-formed UTF-8 XML from
// any bytes: characters XML 1.0 cannot carry at all (C0 controls other than tab, newline and
// carriage return; U+FFFE, U+FFFF) become the visible text "\xNN" or U+FFFD. Attributes keep
// tab, newline and carriage return as character references, which attribute-value normalisation
// would otherwise turn into spaces.
std::string EscapeXmlText(std::string_view text);
std::string EscapeXmlAttribute(std::string_view text);

}  // namespace leakwatch::run
