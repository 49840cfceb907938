// config_reader.h — reading leakwatch.yaml's nodes, every mistake at its file:line:col
// (internal to runner/config; not part of config_loader.h's API).
//
// Each reader checks the shape of one value and, when it is wrong, throws a ConfigFailure that
// marks where the value stands; ParseConfig (config_loader.cpp) is the only place that catches
// it and turns it into an Error, so nothing is thrown out of runner/config. The sections
// (config_sections.h) are built from these readers.
//
//   for (const Entry& entry : Entries(section, "server", kServerKeys)) {
//     if (entry.key == "grace") server.grace = Duration(entry, "server.grace", true);
//   }
#pragma once

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "leakwatch/result.h"
#include "run_config.h"

namespace leakwatch::run::config_internal {

// The keys a map accepts, in the order docs/config.md lists them (which is also the order of
// "did you mean" ties).
using Keys = std::span<const std::string_view>;

// The upper bound of every count in the config (jobs, retries, slack, hunt runs).
inline constexpr long long kMaxInt = 1'000'000'000;

// Thrown while parsing only; ParseConfig turns it into an Error, so nothing leaves runner/config.
struct ConfigFailure {
  YAML::Mark mark;
  std::string message;
  ErrorCode code = ErrorCode::kInvalidArgument;
};

[[noreturn]] void Fail(const YAML::Mark& mark, std::string message,
                       ErrorCode code = ErrorCode::kInvalidArgument);

// A key of a map, its value, and where the key stands.
struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
  YAML::Mark mark() const { return key_node.Mark(); }
};

// ---- words for messages ----

std::string Alternatives(const std::vector<std::string>& names);  // "`a`, `b` or `c`"
std::string Join(Keys names);                                     // "a, b, c"
// "; did you mean `x`?" for the nearest of `candidates`, or "".
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);
// What a value is, for "got ..." in messages: the text of a scalar, otherwise its shape.
std::string Got(const YAML::Node& node);

// Decimal digits with an optional '-', or nullopt.
std::optional<long long> ParseInteger(std::string_view text);
// "/a/b/../c/" -> "/a/c": the form every resolved path in a RunConfig has.
std::string Normal(const std::filesystem::path& path);

// ---- value readers: each checks the shape of one value and fails where it stands ----

// The entries of a map in file order, every key one of `keys` and given once. `section` names
// the map in messages ("server", "modules[2]"); empty at the top level. A key with no value at
// all (`checks:`) reads as an empty map.
std::vector<Entry> Entries(const Entry& owner, std::string_view section, Keys keys);
std::vector<Entry> Entries(const YAML::Node& map, std::string_view section, Keys keys);

// The value of `entry`, which must be present.
const YAML::Node& Value(const Entry& entry, std::string_view label);
// A scalar's text; `expected` completes "`label` must be ..." when the value is a list or map.
std::string Scalar(const Entry& entry, std::string_view label, std::string_view expected);
int Integer(const Entry& entry, std::string_view label, long long min, long long max,
            std::string_view expected);
bool Bool(const Entry& entry, std::string_view label);
// A duration such as "500ms", rounded up to whole milliseconds.
milliseconds Duration(const Entry& entry, std::string_view label, bool allow_zero);
// A string, or a list of strings; a single string stands for a list of one.
std::vector<std::string> Strings(const Entry& entry, std::string_view label);
// A map of environment variables, as "NAME=value" in file order.
std::vector<std::string> Env(const Entry& entry, std::string_view label);

// One of `names`, mapped to the value at the same index.
template <typename T>
T Enum(const YAML::Node& node, const YAML::Mark& key_mark, std::string_view label,
       const std::vector<std::string>& names, const std::vector<T>& values) {
  if (node.IsNull()) Fail(key_mark, fmt::format("`{}` has no value", label));
  if (node.IsScalar()) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (node.Scalar() == names[i]) return values[i];
    }
  }
  const std::string hint = node.IsScalar() ? DidYouMean(node.Scalar(), names) : "";
  Fail(node.Mark(),
       fmt::format("`{}` must be {}, got {}{}", label, Alternatives(names), Got(node), hint));
}

template <typename T>
T Enum(const Entry& entry, std::string_view label, const std::vector<std::string>& names,
       const std::vector<T>& values) {
  return Enum(entry.value, entry.mark(), label, names, values);
}

// ---- the file being read ----

// Line 1, column 1.
YAML::Mark StartMark();
// The mark of a location a ConfigSource made.
YAML::Mark ToMark(const ConfigLocation& where);

// The config file: its text, its path (for messages and locations) and its directory, against
// which every relative path in it is resolved here, once, so that nothing later depends on the
// runner's own cwd.
class ConfigSource {
 public:
  ConfigSource(std::string_view text, const std::string& path);

  const std::string& text() const { return text_; }
  const std::string& path() const { return path_; }
  const std::string& base_dir() const { return base_dir_; }

  // A path resolved against the config's directory.
  std::string Resolve(const std::string& path) const;
  // A non-empty path value, resolved.
  std::string Path(const Entry& entry, std::string_view label) const;
  // A working directory, resolved; it must exist now.
  std::string Directory(const Entry& entry, std::string_view label) const;
  // A command as a list of words or one string split on whitespace; a program named by a
  // relative path is resolved, a bare name left for PATH.
  std::vector<std::string> Command(const Entry& entry, std::string_view label) const;
  std::vector<std::string> Command(const YAML::Node& value, std::string_view label) const;

  ConfigLocation Location(const YAML::Mark& mark) const;
  // Where an empty list entry ("-" and nothing after it) really stands.
  YAML::Mark WhereNullEntry(const YAML::Mark& mark) const;
  // "file:line:col: message".
  Error ToError(const ConfigFailure& failure) const;

 private:
  std::string text_;
  std::string path_;
  std::string base_dir_;  // absolute, normalised
};

}  // namespace leakwatch::run::config_internal
