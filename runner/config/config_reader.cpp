// config_reader.cpp — the value readers of leakwatch.yaml and the file they read from.
//
// The parser walks yaml-cpp's node tree and checks each key and value where it stands, so that an
// error can point at it; a failure is thrown inside runner/config only (as in suppressions.cpp)
// and turned into an Error at the two entry points in config_loader.cpp.
#include "config_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <utility>

#include "leakwatch/command_words.h"
#include "leakwatch/duration.h"
#include "leakwatch/spelling.h"

namespace leakwatch::run::config_internal {
namespace {

namespace fs = std::filesystem;

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

[[noreturn]] void Fail(const YAML::Mark& mark, std::string message, ErrorCode code) {
  throw ConfigFailure{mark, std::move(message), code};
}

// "`a`, `b` or `c`".
std::string Alternatives(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += fmt::format("`{}`", names[i]);
  }
  return out;
}

std::string Join(Keys names) {
  std::string out;
  for (std::string_view name : names) out += fmt::format("{}{}", out.empty() ? "" : ", ", name);
  return out;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  if (std::optional<std::string> near = NearestName(word, candidates)) {
    return fmt::format("; did you mean `{}`?", *near);
  }
  return "";
}

// What a value is, for "got ..." in messages: the text of a scalar, otherwise its shape.
std::string Got(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return fmt::format("\"{}\"", node.Scalar());
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "nothing";
  }
}

// Decimal digits with an optional '-': YAML's other integer spellings (0x10, 1_000) are not
// worth the surprise in a config this small.
std::optional<long long> ParseInteger(std::string_view text) {
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "/a/b/../c/" -> "/a/c": the form every resolved path in a RunConfig has.
std::string Normal(const fs::path& path) {
  std::string text = path.lexically_normal().string();
  if (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

// The entries of a map in file order, every key known and given once. `section` names the map
// in messages ("server", "modules[2]"); empty at the top level. A key with no value at all
// (`checks:`) reads as an empty map.
std::vector<Entry> Entries(const Entry& owner, std::string_view section, Keys keys) {
  if (owner.value.IsNull()) return {};
  if (!owner.value.IsMap()) {
    Fail(owner.value.Mark(), fmt::format("`{}` must be a map, got {}", section, Got(owner.value)));
  }
  return Entries(owner.value, section, keys);
}

std::vector<Entry> Entries(const YAML::Node& map, std::string_view section, Keys keys) {
  std::vector<Entry> entries;
  for (const auto& item : map) {
    Entry entry{"", item.first, item.second};
    if (!item.first.IsScalar()) {
      Fail(item.first.Mark(), fmt::format("a key must be a string, got {}", Got(item.first)));
    }
    entry.key = item.first.Scalar();
    if (std::find(keys.begin(), keys.end(), entry.key) == keys.end()) {
      const std::string in = section.empty() ? "" : fmt::format(" in {}", section);
      std::string hint = DidYouMean(entry.key, std::vector<std::string>(keys.begin(), keys.end()));
      if (hint.empty()) hint = fmt::format(" (valid keys: {})", Join(keys));
      Fail(entry.mark(), fmt::format("unknown key `{}`{}{}", entry.key, in, hint));
    }
    for (const Entry& seen : entries) {
      if (seen.key == entry.key) {
        Fail(entry.mark(),
             fmt::format("duplicate key `{}` (first at line {})", entry.key, seen.mark().line + 1));
      }
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

// The value of `entry`, which must be present. A null value's own mark is that of the token
// after it, which may be lines away, so "no value" points at the key.
const YAML::Node& Value(const Entry& entry, std::string_view label) {
  if (entry.value.IsNull()) Fail(entry.mark(), fmt::format("`{}` has no value", label));
  return entry.value;
}

// A scalar's text; `expected` completes "`label` must be ..." when the value is a list or map.
std::string Scalar(const Entry& entry, std::string_view label, std::string_view expected) {
  const YAML::Node& value = Value(entry, label);
  if (!value.IsScalar()) {
    Fail(value.Mark(), fmt::format("`{}` must be {}, got {}", label, expected, Got(value)));
  }
  return value.Scalar();
}

int Integer(const Entry& entry, std::string_view label, long long min, long long max,
            std::string_view expected) {
  const std::string text = Scalar(entry, label, expected);
  const std::optional<long long> value = ParseInteger(text);
  if (!value || *value < min || *value > max) {
    Fail(entry.value.Mark(),
         fmt::format("`{}` must be {}, got {}", label, expected, Got(entry.value)));
  }
  return static_cast<int>(*value);
}

bool Bool(const Entry& entry, std::string_view label) {
  const std::string text = Scalar(entry, label, "true or false");
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  Fail(entry.value.Mark(),
       fmt::format("`{}` must be true or false, got {}", label, Got(entry.value)));
}

// Rounded up to whole milliseconds, so that "250us" never turns into "no time at all".
milliseconds Duration(const Entry& entry, std::string_view label, bool allow_zero) {
  const std::string text = Scalar(entry, label, "a duration such as 500ms or 3s");
  Result<std::chrono::nanoseconds> parsed = ParseDuration(text);
  if (!parsed) Fail(entry.value.Mark(), fmt::format("`{}`: {}", label, parsed.error().message()));
  const milliseconds value = std::chrono::ceil<milliseconds>(*parsed);
  if (!allow_zero && value.count() == 0) {
    Fail(entry.value.Mark(),
         fmt::format("`{}` must be longer than 0, got {}", label, Got(entry.value)));
  }
  return value;
}

// A string, or a list of strings; a single string stands for a list of one.
std::vector<std::string> Strings(const Entry& entry, std::string_view label) {
  const YAML::Node& value = Value(entry, label);
  if (value.IsScalar()) return {value.Scalar()};
  if (!value.IsSequence()) {
    Fail(value.Mark(), fmt::format("`{}` must be a list of strings, got {}", label, Got(value)));
  }
  std::vector<std::string> out;
  for (const YAML::Node& item : value) {
    if (!item.IsScalar()) {
      Fail(item.IsNull() ? value.Mark() : item.Mark(),
           fmt::format("`{}` must be a list of strings; an item is {}", label, Got(item)));
    }
    out.push_back(item.Scalar());
  }
  return out;
}

// A map of environment variables, as "NAME=value" in file order. Values are kept as written:
// "{port}" is the runner's to fill in, and a path in a value is the program's business.
std::vector<std::string> Env(const Entry& entry, std::string_view label) {
  if (entry.value.IsNull()) return {};
  if (!entry.value.IsMap()) {
    Fail(entry.value.Mark(),
         fmt::format("`{}` must be a map of NAME: value, got {}", label, Got(entry.value)));
  }
  std::vector<std::string> env;
  std::map<std::string, int> lines;
  for (const auto& item : entry.value) {
    const YAML::Node& name = item.first;
    if (!name.IsScalar() || name.Scalar().empty() || name.Scalar().find('=') != std::string::npos) {
      Fail(name.Mark(), fmt::format("`{}`: {} is not a variable name", label, Got(name)));
    }
    auto [seen, added] = lines.emplace(name.Scalar(), name.Mark().line + 1);
    if (!added) {
      Fail(name.Mark(), fmt::format("`{}`: duplicate variable `{}` (first at line {})", label,
                                    name.Scalar(), seen->second));
    }
    const YAML::Node& value = item.second;
    if (!value.IsNull() && !value.IsScalar()) {
      Fail(value.Mark(),
           fmt::format("`{}.{}` must be a string, got {}", label, name.Scalar(), Got(value)));
    }
    env.push_back(name.Scalar() + "=" + (value.IsNull() ? "" : value.Scalar()));
  }
  return env;
}

YAML::Mark ToMark(const ConfigLocation& where) {
  YAML::Mark mark;
  mark.line = where.line - 1;
  mark.column = where.column - 1;
  return mark;
}

YAML::Mark StartMark() {
  YAML::Mark mark;
  mark.pos = 0;
  mark.line = 0;
  mark.column = 0;
  return mark;
}

ConfigSource::ConfigSource(std::string_view text, const std::string& path)
    : text_(text), path_(path) {
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  base_dir_ = Normal(parent.is_absolute() ? parent : cwd / parent);
}

// A path resolved against the config's directory.
std::string ConfigSource::Resolve(const std::string& path) const {
  if (path.empty()) return path;
  const fs::path p(path);
  return Normal(p.is_absolute() ? p : fs::path(base_dir_) / p);
}

std::string ConfigSource::Path(const Entry& entry, std::string_view label) const {
  const std::string text = Scalar(entry, label, "a path");
  if (text.empty()) Fail(entry.value.Mark(), fmt::format("`{}` is empty", label));
  return Resolve(text);
}

// A working directory: it must exist now, so that a typo shows here and not as a failed spawn.
std::string ConfigSource::Directory(const Entry& entry, std::string_view label) const {
  const std::string dir = Path(entry, label);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    Fail(entry.value.Mark(), fmt::format("`{}`: {}: {}", label, dir, std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    Fail(entry.value.Mark(), fmt::format("`{}`: {} is not a directory", label, dir));
  }
  return dir;
}

// A command as a list of words or one string split on whitespace. A program named by a
// relative path ("../build/bin/x", "./run") is resolved against the config's directory; a bare
// name ("python3") is left for PATH.
std::vector<std::string> ConfigSource::Command(const Entry& entry, std::string_view label) const {
  return Command(Value(entry, label), label);
}

std::vector<std::string> ConfigSource::Command(const YAML::Node& value,
                                               std::string_view label) const {
  std::vector<std::string> argv;
  if (value.IsScalar()) {
    Result<std::vector<std::string>> words = SplitCommandWords(value.Scalar());
    if (!words) Fail(value.Mark(), fmt::format("`{}`: {}", label, words.error().message()));
    argv = std::move(*words);
  } else if (value.IsSequence()) {
    for (const YAML::Node& item : value) {
      if (!item.IsScalar()) {
        Fail(item.IsNull() ? value.Mark() : item.Mark(),
             fmt::format("`{}` must be a list of strings; an item is {}", label, Got(item)));
      }
      argv.push_back(item.Scalar());
    }
  } else {
    Fail(value.Mark(), fmt::format("`{}` must be a command (a string or a list of strings), "
                                   "got {}",
                                   label, Got(value)));
  }
  if (argv.empty() || argv.front().empty()) {
    Fail(value.Mark(), fmt::format("`{}` is empty", label));
  }
  if (argv.front().find('/') != std::string::npos) argv.front() = Resolve(argv.front());
  return argv;
}

ConfigLocation ConfigSource::Location(const YAML::Mark& mark) const {
  ConfigLocation where;
  where.file = path_;
  if (!mark.is_null()) {
    where.line = mark.line + 1;
    where.column = mark.column + 1;
  }
  return where;
}

// yaml-cpp gives an empty list entry ("-" and nothing after it) the mark of the next token,
// which may be the next entry or the end of the file. Walk back from that offset over blanks
// and comments to the "-" (as suppressions.cpp does), so the error points at the entry itself.
YAML::Mark ConfigSource::WhereNullEntry(const YAML::Mark& mark) const {
  if (mark.pos < 0) return mark;
  const std::string_view text = text_;
  std::size_t end = std::min(text.size(), static_cast<std::size_t>(mark.pos));
  while (true) {
    const std::size_t newline = end == 0 ? std::string_view::npos : text.rfind('\n', end - 1);
    const std::size_t start = newline == std::string_view::npos ? 0 : newline + 1;
    std::string_view line = text.substr(start, end - start);
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
        line = line.substr(0, i);
        break;
      }
    }
    while (!line.empty() && IsBlank(line.back())) line.remove_suffix(1);
    if (!line.empty()) {
      if (line.back() != '-') return mark;
      YAML::Mark dash;
      dash.pos = static_cast<int>(start + line.size() - 1);
      dash.line = static_cast<int>(std::count(text.begin(), text.begin() + dash.pos, '\n'));
      dash.column = static_cast<int>(line.size() - 1);
      return dash;
    }
    if (start == 0) return mark;
    end = start - 1;
  }
}

Error ConfigSource::ToError(const ConfigFailure& failure) const {
  if (failure.mark.is_null()) {
    return Error(failure.code, fmt::format("{}: {}", path_, failure.message));
  }
  return Error(failure.code, fmt::format("{}:{}:{}: {}", path_, failure.mark.line + 1,
                                         failure.mark.column + 1, failure.message));
}

}  // namespace leakwatch::run::config_internal
