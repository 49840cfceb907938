// report_text.cpp — shared wording and escaping for the run reporters.
#include "report_text.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>

namespace leakwatch::run {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool IsContinuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// The length of the valid UTF-8 sequence at the start of `text`, or 0 when it is not one.
// Follows the table in RFC 3629 section 4: no overlong forms, no surrogates, nothing past U+10FFFF.
std::size_t ValidSequenceLength(std::string_view text) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (!IsContinuation(byte(i))) return 0;
  }
  return length;
}

std::string EscapeXml(std::string_view raw, bool attribute) {
  std::string text = SanitizeUtf8(raw);
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    switch (c) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      // Always escaped, so that "]]>" never appears in text.
      case '>':
        out += "&gt;";
        continue;
      case '"':
        out += attribute ? "&quot;" : "\"";
        continue;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        continue;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        continue;
      // Parsers turn a literal CR (or CRLF) into LF, even in text.
      case '\r':
        out += "&#13;";
        continue;
      default:
        break;
    }
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20) {
      out += fmt::format("\\x{:02x}", byte);
      continue;
    }
    // U+FFFE and U+FFFF are valid UTF-8 but not XML characters.
    if (byte == 0xEF && i + 2 < text.size() && text[i + 1] == '\xBF' &&
        (text[i + 2] == '\xBE' || text[i + 2] == '\xBF')) {
      out += kReplacement;
      i += 2;
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string FormatSeconds(std::chrono::microseconds duration) {
  return fmt::format("{:.3f}", static_cast<double>(duration.count()) / 1e6);
}

std::string FormatUtcTimestamp(Clock::time_point at) {
  std::time_t seconds = Clock::to_time_t(at);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}", fmt::gmtime(seconds));
}

std::int64_t UnixMillis(Clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    if (end == std::string_view::npos) {
      lines.emplace_back(text);
      break;
    }
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string> CutLines(std::string_view text, std::size_t max_lines) {
  std::vector<std::string> lines = SplitLines(text);
  // Below 3 lines there is no room for head, note and tail; keep the head only.
  if (lines.size() <= max_lines) return lines;
  if (max_lines < 3) {
    lines.resize(max_lines);
    return lines;
  }
  std::size_t head = (max_lines - 1) / 3;
  std::size_t tail = max_lines - 1 - head;
  std::size_t omitted = lines.size() - head - tail;
  std::vector<std::string> cut(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(head));
  cut.push_back(fmt::format("... {} more lines ...", omitted));
  cut.insert(cut.end(), lines.end() - static_cast<std::ptrdiff_t>(tail), lines.end());
  return cut;
}

std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    std::size_t length = ValidSequenceLength(text);
    if (length == 0) {
      out += kReplacement;
      text.remove_prefix(1);
    } else {
      out.append(text.substr(0, length));
      text.remove_prefix(length);
    }
  }
  return out;
}

std::string EscapeXmlText(std::string_view text) {
  return EscapeXml(text, false);
}
std::string EscapeXmlAttribute(std::string_view text) {
  return EscapeXml(text, true);
}

}  // namespace leakwatch::run
