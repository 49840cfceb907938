// config_checks.cpp — the `checks` section of leakwatch.yaml: what is checked (server, test),
// the slack per kind, settle, what a leak and an unchecked case do, hunts and the suppressions
// file.
#include <fmt/format.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "config_reader.h"
#include "config_sections.h"
#include "leakwatch/fd_kind.h"
#include "leakwatch/resource_counts.h"
#include "leakwatch/slack.h"
#include "leakwatch/suppressions.h"

namespace leakwatch::run::config_internal {
namespace {

constexpr std::array<std::string_view, 7> kChecksKeys = {
    "targets", "slack", "settle", "on_leak", "on_unchecked", "hunt", "suppressions"};
constexpr std::array<std::string_view, 2> kHuntKeys = {"warmup", "runs"};

void Targets(const Entry& entry, std::string_view label, bool has_server, ChecksConfig& checks) {
  const YAML::Node& value = Value(entry, label);
  std::vector<YAML::Node> items;
  if (value.IsSequence()) {
    for (const YAML::Node& item : value) items.push_back(item);
  } else {
    items.push_back(value);
  }
  checks.server = false;
  checks.test = false;
  for (const YAML::Node& item : items) {
    const bool server =
        Enum(item, entry.mark(), label, {"server", "test"}, std::vector<bool>{true, false});
    if (server && !has_server) {
      Fail(item.Mark(), fmt::format("`{}` lists `server`, but the config has no `server` "
                                    "section",
                                    label));
    }
    (server ? checks.server : checks.test) = true;
  }
}

// "pidfd=0,thread=1", or a map of kind: N.
Slack SlackOf(const Entry& entry, std::string_view label) {
  const YAML::Node& value = Value(entry, label);
  if (value.IsScalar()) {
    Result<Slack> slack = ParseSlack(value.Scalar());
    if (!slack) Fail(value.Mark(), fmt::format("`{}`: {}", label, slack.error().message()));
    return *slack;
  }
  if (!value.IsMap()) {
    Fail(value.Mark(), fmt::format("`{}` must be a spec such as \"fd=0,pidfd=0,thread=1\", or a "
                                   "map of kind: N, got {}",
                                   label, Got(value)));
  }
  std::vector<std::string_view> kinds = {"fd"};
  for (FdKind kind : AllFdKinds()) kinds.push_back(FdKindName(kind));
  kinds.push_back(kThreadKey);
  kinds.push_back(kChildKey);
  std::string spec;
  for (const Entry& field : Entries(value, label, kinds)) {
    const int n =
        Integer(field, fmt::format("{}.{}", label, field.key), 0, kMaxInt, "an integer ≥ 0");
    spec += fmt::format("{}{}={}", spec.empty() ? "" : ",", field.key, n);
  }
  Result<Slack> slack = ParseSlack(spec);
  if (!slack) Fail(value.Mark(), fmt::format("`{}`: {}", label, slack.error().message()));
  return *slack;
}

// The file must exist and parse now: a run that fails on it after an hour of tests, or a typo
// that silently suppresses nothing, would be worse. Its own errors name its own lines.
std::string SuppressionsFile(const ConfigSource& source, const Entry& entry,
                             std::string_view label) {
  const std::string path = source.Path(entry, label);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    Fail(entry.value.Mark(), fmt::format("`{}`: {}: {}", label, path, std::strerror(errno)));
  }
  Result<Suppressions> loaded = Suppressions::Load(path);
  if (!loaded) {
    Fail(entry.value.Mark(), fmt::format("`{}`: {}", label, loaded.error().message()));
  }
  return path;
}

}  // namespace

ChecksConfig ReadChecks(const ConfigSource& source, const Entry& section, bool has_server) {
  ChecksConfig checks;
  checks.server = has_server;
  for (const Entry& entry : Entries(section, "checks", kChecksKeys)) {
    const std::string label = "checks." + entry.key;
    if (entry.key == "targets") {
      Targets(entry, label, has_server, checks);
    } else if (entry.key == "slack") {
      checks.slack = SlackOf(entry, label);
    } else if (entry.key == "settle") {
      checks.settle.deadline = Duration(entry, label, /*allow_zero=*/true);
    } else if (entry.key == "on_leak") {
      checks.on_leak =
          Enum(entry, label, {"fail", "warn"}, std::vector<OnLeak>{OnLeak::kFail, OnLeak::kWarn});
    } else if (entry.key == "on_unchecked") {
      checks.on_unchecked = Enum(entry, label, {"fail", "warn"},
                                 std::vector<OnUnchecked>{OnUnchecked::kFail, OnUnchecked::kWarn});
    } else if (entry.key == "hunt" && entry.value.IsScalar()) {
      const int runs = Enum(entry, label, {"auto", "off"}, std::vector<int>{2, 0});
      checks.hunt_warmup = 1;
      checks.hunt_runs = runs;
    } else if (entry.key == "hunt") {
      for (const Entry& field : Entries(entry, label, kHuntKeys)) {
        const std::string field_label = label + "." + field.key;
        (field.key == "warmup" ? checks.hunt_warmup : checks.hunt_runs) =
            Integer(field, field_label, 0, kMaxInt, "an integer ≥ 0");
      }
    } else if (entry.key == "suppressions") {
      checks.suppressions = SuppressionsFile(source, entry, label);
    }
  }
  return checks;
}

}  // namespace leakwatch::run::config_internal
