// suppressions_baseline.cpp — a suppressions file that accepts the leaks a run found.
#include <ctime>
#include <map>
#include <set>

#include "leakwatch/suppressions.h"

namespace leakwatch {
namespace {

// A YAML double-quoted scalar.
std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string UtcNow() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &utc);
  return text;
}

}  // namespace

std::string ExactRegex(std::string_view text) {
  std::string out = "^";
  for (char c : text) {
    if (std::string_view("\\^$.|?*+()[]{}/").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out + "$";
}

std::string FormatBaseline(const std::vector<BaselineLeak>& leaks, const std::string& origin) {
  std::string text = "# A leakwatch baseline, written by " + origin + " on " + UtcNow() +
                     ":\n# the leaks that run found, accepted so that only new ones fail. Remove "
                     "an entry once its\n# leak is fixed (docs/suppressions.md).\n";
  if (leaks.empty()) return text + "suppressions: []\n";
  text += "suppressions:\n";
  // One entry per case and kind, in the order first seen; what was seen is said once each.
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> seen;
  for (const BaselineLeak& leak : leaks) {
    auto key = std::make_pair(leak.test, leak.kind);
    auto [it, inserted] = seen.try_emplace(key);
    if (inserted) order.push_back(key);
    if (!leak.seen.empty()) it->second.insert(leak.seen);
  }
  for (const auto& key : order) {
    const auto& [test, kind] = key;
    for (const std::string& what : seen[key]) text += "  # " + what + "\n";
    text += "  - name: " + Quoted("baseline: " + test + " " + kind) + "\n";
    text += "    kind: " + kind + "\n";
    text += "    test: " + Quoted(ExactRegex(test)) + "\n";
  }
  return text;
}

}  // namespace leakwatch
