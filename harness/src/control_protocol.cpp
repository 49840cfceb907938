// control_protocol.cpp — formatting and parsing the control protocol's text messages.
//
// Parse is strict (single spaces, known words, exact field counts): both ends are ours or written
// against docs/control-protocol.md, and a packet that is almost right is a bug worth naming.
#include "leakwatch/control_protocol.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <vector>

namespace leakwatch::control {
namespace {

constexpr std::size_t kShownPacket = 80;

bool NeedsEscape(unsigned char c) {
  return c <= ' ' || c >= 0x7f || c == '%';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The packet as an error message shows it: cut short, and with control bytes made visible so a
// binary packet cannot garble the terminal.
std::string Shown(std::string_view packet) {
  std::string out;
  for (std::size_t i = 0; i < packet.size() && i < kShownPacket; ++i) {
    unsigned char c = static_cast<unsigned char>(packet[i]);
    if (c < ' ' || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (packet.size() > kShownPacket) out += "...";
  return out;
}

std::vector<std::string_view> SplitSpaces(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    std::size_t space = text.find(' ', start);
    fields.push_back(text.substr(start, space - start));
    if (space == std::string_view::npos) return fields;
    start = space + 1;
  }
}

template <typename Int>
bool ParseInt(std::string_view text, Int* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ValidEscapes(std::string_view id) {
  for (std::size_t i = 0; i < id.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(id[i]);
    if (c <= ' ' || c >= 0x7f) return false;
    if (c != '%') continue;
    if (i + 2 >= id.size() || HexValue(id[i + 1]) < 0 || HexValue(id[i + 2]) < 0) return false;
    i += 2;
  }
  return true;
}

const char* OutcomeWord(CaseOutcome outcome) {
  switch (outcome) {
    case CaseOutcome::kPassed:
      return "passed";
    case CaseOutcome::kFailed:
      return "failed";
    case CaseOutcome::kSkipped:
      return "skipped";
  }
  return "failed";
}

}  // namespace

std::string EscapeId(std::string_view id) {
  std::string out;
  out.reserve(id.size());
  for (char ch : id) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (NeedsEscape(c)) {
      out += fmt::format("%{:02X}", c);
    } else {
      out += ch;
    }
  }
  return out;
}

std::string UnescapeId(std::string_view id) {
  std::string out;
  out.reserve(id.size());
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (id[i] == '%' && i + 2 < id.size() && HexValue(id[i + 1]) >= 0 && HexValue(id[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(id[i + 1]) * 16 + HexValue(id[i + 2]));
      i += 2;
    } else {
      // Not an escape: kept as it is (Parse has already refused such ids on the wire).
      out += id[i];
    }
  }
  return out;
}

std::string Format(const Message& message) {
  switch (message.type) {
    case MessageType::kHello:
      return fmt::format("hello {} {} {}", message.version, message.pid,
                         EscapeId(message.framework));
    case MessageType::kPlan:
      return "plan " + EscapeId(message.case_id);
    case MessageType::kCaseBegin:
      return "case-begin " + EscapeId(message.case_id);
    case MessageType::kCaseEnd:
      return fmt::format("case-end {} {}", EscapeId(message.case_id), OutcomeWord(message.outcome));
    case MessageType::kBye:
      return "bye";
    case MessageType::kOk:
      return "ok";
    case MessageType::kLeak:
      return "leak " + message.summary;
  }
  return "";
}

Result<Message> Parse(std::string_view packet) {
  auto bad = [&](std::string_view why) {
    return Error(ErrorCode::kParseError,
                 fmt::format("malformed control message \"{}\": {}", Shown(packet), why));
  };
  if (packet.empty()) return bad("empty packet");
  const std::size_t space = packet.find(' ');
  const std::string_view verb = packet.substr(0, space);
  const std::string_view rest =
      space == std::string_view::npos ? std::string_view() : packet.substr(space + 1);
  const bool has_rest = space != std::string_view::npos;

  Message message;
  // "leak" carries free text (the summary); every other message is space-separated tokens.
  if (verb == "leak") {
    message.type = MessageType::kLeak;
    message.summary = std::string(rest);
    return message;
  }
  std::vector<std::string_view> fields;
  if (has_rest) fields = SplitSpaces(rest);
  for (std::string_view field : fields) {
    if (field.empty()) return bad("fields are separated by exactly one space");
  }
  auto want_fields = [&](std::size_t n, std::string_view shape) -> std::optional<Error> {
    if (fields.size() != n) return bad(fmt::format("expected \"{}\"", shape));
    return std::nullopt;
  };
  auto token = [&](std::string_view field, std::string_view what) -> std::optional<Error> {
    if (!ValidEscapes(field)) {
      return bad(fmt::format("{} \"{}\" has a byte that is not %-escaped, or a bad escape", what,
                             Shown(field)));
    }
    return std::nullopt;
  };

  if (verb == "hello") {
    if (auto e = want_fields(3, "hello <version> <pid> <framework>")) return *e;
    message.type = MessageType::kHello;
    if (!ParseInt(fields[0], &message.version) || message.version < 1) {
      return bad("the version is not a positive number");
    }
    if (!ParseInt(fields[1], &message.pid) || message.pid <= 0) {
      return bad("the pid is not a positive number");
    }
    if (auto e = token(fields[2], "the framework")) return *e;
    message.framework = UnescapeId(fields[2]);
    return message;
  }
  if (verb == "plan" || verb == "case-begin") {
    if (auto e = want_fields(1, fmt::format("{} <id>", verb))) return *e;
    if (auto e = token(fields[0], "the case id")) return *e;
    message.type = verb == "plan" ? MessageType::kPlan : MessageType::kCaseBegin;
    message.case_id = UnescapeId(fields[0]);
    return message;
  }
  if (verb == "case-end") {
    if (auto e = want_fields(2, "case-end <id> <passed|failed|skipped>")) return *e;
    if (auto e = token(fields[0], "the case id")) return *e;
    message.type = MessageType::kCaseEnd;
    message.case_id = UnescapeId(fields[0]);
    if (fields[1] == "passed") {
      message.outcome = CaseOutcome::kPassed;
    } else if (fields[1] == "failed") {
      message.outcome = CaseOutcome::kFailed;
    } else if (fields[1] == "skipped") {
      message.outcome = CaseOutcome::kSkipped;
    } else {
      return bad(
          fmt::format("unknown outcome \"{}\" (passed, failed or skipped)", Shown(fields[1])));
    }
    return message;
  }
  if (verb == "bye" || verb == "ok") {
    if (auto e = want_fields(0, verb)) return *e;
    message.type = verb == "bye" ? MessageType::kBye : MessageType::kOk;
    return message;
  }
  return bad(fmt::format(
      "unknown message \"{}\" (hello, plan, case-begin, case-end, bye, ok, leak)", Shown(verb)));
}

}  // namespace leakwatch::control
