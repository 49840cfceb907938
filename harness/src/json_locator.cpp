#include "json_locator.h"

#include <cctype>
#include <cstring>
#include <string>

namespace leakwatch::internal {
namespace {

// A scanner over already-valid JSON: it only needs to skip values correctly.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::size_t Locate(const std::vector<std::string>& path) {
    SkipSpace();
    std::size_t found = pos_;
    for (const std::string& step : path) {
      if (!Enter(step)) return found;
      found = pos_;
    }
    return found;
  }

 private:
  // Moves to the member or element `step` of the value at pos_; false if there is none.
  bool Enter(const std::string& step) {
    SkipSpace();
    if (At('{')) {
      ++pos_;
      for (;;) {
        SkipSpace();
        if (At('}') || !At('"')) return false;
        std::string key = ReadString();
        SkipSpace();
        ++pos_;  // ':'
        SkipSpace();
        if (key == step) return true;
        SkipValue();
        SkipSpace();
        if (At(',')) ++pos_;
      }
    }
    if (At('[')) {
      ++pos_;
      std::size_t want = 0;
      for (char c : step) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
        want = want * 10 + static_cast<std::size_t>(c - '0');
      }
      for (std::size_t i = 0;; ++i) {
        SkipSpace();
        if (At(']')) return false;
        if (i == want) return true;
        SkipValue();
        SkipSpace();
        if (At(',')) ++pos_;
      }
    }
    return false;
  }

  void SkipValue() {
    SkipSpace();
    if (At('"')) {
      ReadString();
    } else if (At('{') || At('[')) {
      int depth = 0;
      do {
        if (At('"')) {
          ReadString();
          continue;
        }
        if (At('{') || At('[')) ++depth;
        if (At('}') || At(']')) --depth;
        ++pos_;
      } while (depth > 0 && pos_ < text_.size());
    } else {
      while (pos_ < text_.size() && !std::strchr(",}] \t\r\n", text_[pos_])) ++pos_;
    }
  }

  std::string ReadString() {
    std::string out;
    ++pos_;  // opening quote
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\') ++pos_;  // escapes never matter for our keys
      if (pos_ < text_.size()) out += text_[pos_++];
    }
    ++pos_;  // closing quote
    return out;
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool At(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

TextPosition PositionOfOffset(std::string_view text, std::size_t offset) {
  TextPosition p;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

std::size_t OffsetOfPath(std::string_view text, const std::vector<std::string>& path) {
  return Scanner(text).Locate(path);
}

}  // namespace leakwatch::internal
