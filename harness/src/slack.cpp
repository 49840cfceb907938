#include "leakwatch/slack.h"

#include <fmt/format.h>

#include <charconv>
#include <map>

namespace leakwatch {
namespace {

std::string ValidKeys() {
  std::string keys = "fd";
  for (FdKind kind : AllFdKinds()) keys += fmt::format(", {}", FdKindName(kind));
  return keys + ", thread, child";
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

Slack Slack::Uniform(std::int64_t n) {
  Slack s;
  s.allowed.fds.by_kind.fill(n);
  s.allowed.threads = n;
  s.allowed.children = n;
  return s;
}

Result<Slack> ParseSlack(std::string_view spec) {
  Slack slack;
  // "fd" is the default for every FD kind not named on its own, wherever it stands in the list.
  std::map<FdKind, std::int64_t> named;
  std::int64_t fd_default = 0;
  spec = Trim(spec);
  if (spec.empty()) return slack;
  while (true) {
    std::size_t comma = spec.find(',');
    std::string_view entry = Trim(spec.substr(0, comma));
    auto invalid = [&](const std::string& why) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("invalid slack \"{}\": {}", entry, why));
    };
    if (entry.empty()) return invalid("empty entry (write e.g. fd=0,pidfd=1,thread=2)");
    std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos) return invalid("expected key=N");
    std::string_view key = Trim(entry.substr(0, eq));
    std::string_view value_text = Trim(entry.substr(eq + 1));
    std::int64_t value = -1;
    auto [ptr, ec] =
        std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
    if (ec != std::errc() || ptr != value_text.data() + value_text.size() || value < 0) {
      return invalid("the value must be a non-negative integer");
    }
    if (key == "fd") {
      fd_default = value;
    } else if (key == kThreadKey) {
      slack.allowed.threads = value;
    } else if (key == kChildKey) {
      slack.allowed.children = value;
    } else if (auto kind = ParseFdKind(key)) {
      named[*kind] = value;
    } else {
      return invalid(fmt::format("unknown key \"{}\"; valid keys: {}", key, ValidKeys()));
    }
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
  slack.allowed.fds.by_kind.fill(fd_default);
  for (auto [kind, value] : named) slack.allowed.fds[kind] = value;
  return slack;
}

std::string FormatSlack(const Slack& slack) {
  // The most common FD value becomes "fd=N"; kinds that differ are listed after it.
  std::map<std::int64_t, int> frequency;
  for (std::int64_t v : slack.allowed.fds.by_kind) ++frequency[v];
  std::int64_t fd_default = 0;
  int best = -1;
  for (auto [value, count] : frequency) {
    if (count > best) best = count, fd_default = value;
  }
  std::string out = fmt::format("fd={}", fd_default);
  for (FdKind kind : AllFdKinds()) {
    if (slack.allowed.fds[kind] != fd_default) {
      out += fmt::format(",{}={}", FdKindName(kind), slack.allowed.fds[kind]);
    }
  }
  return out + fmt::format(",thread={},child={}", slack.allowed.threads, slack.allowed.children);
}

std::vector<Growth> GrowthBeyondSlack(const ResourceCounts& delta, const Slack& slack) {
  std::vector<Growth> out;
  for (FdKind kind : AllFdKinds()) {
    if (delta.fds[kind] > slack.allowed.fds[kind]) {
      out.push_back({std::string(FdKindName(kind)), delta.fds[kind], slack.allowed.fds[kind]});
    }
  }
  if (delta.threads > slack.allowed.threads) {
    out.push_back({std::string(kThreadKey), delta.threads, slack.allowed.threads});
  }
  if (delta.children > slack.allowed.children) {
    out.push_back({std::string(kChildKey), delta.children, slack.allowed.children});
  }
  return out;
}

std::string SummarizeGrowth(const std::vector<Growth>& growth) {
  std::string out;
  for (const Growth& g : growth) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}", g.delta, g.key);
  }
  return out;
}

}  // namespace leakwatch
