// config_loader.cpp — leakwatch.yaml into a RunConfig, every mistake as "file:line:col: message".
//
// The parser walks yaml-cpp's node tree and checks each key and value where it stands, so that an
// error can point at it; a failure is thrown inside this file only (as in suppressions.cpp) and
// turned into an Error at the two entry points. Relative paths are made absolute against the
// config file's directory here, once, so that nothing later depends on the runner's own cwd.
#include "config_loader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <utility>

#include "leakwatch/command_words.h"
#include "leakwatch/duration.h"
#include "leakwatch/fd_kind.h"
#include "leakwatch/resource_counts.h"
#include "leakwatch/spelling.h"
#include "leakwatch/suppressions.h"
#include "leakwatch/unique_fd.h"

namespace leakwatch::run {
namespace {

namespace fs = std::filesystem;

// The keys each map accepts, in the order docs/config.md lists them (which is also the order of
// "did you mean" ties).
using Keys = std::span<const std::string_view>;
constexpr std::array<std::string_view, 8> kTopKeys = {"server",   "modules", "checks",  "jobs",
                                                      "timeouts", "retries", "reports", "shard"};
constexpr std::array<std::string_view, 11> kServerKeys = {
    "command",          "env",     "cwd",         "port",  "ready",
    "preflight",        "respawn", "stop_signal", "grace", "startup_timeout",
    "preflight_timeout"};
constexpr std::array<std::string_view, 9> kModuleKeys = {
    "name", "command", "glob", "framework", "env", "cwd", "timeout", "tags", "batch"};
constexpr std::array<std::string_view, 4> kProbeKeys = {"probe", "expect_status", "body_regex",
                                                        "allow_remote"};
constexpr std::array<std::string_view, 6> kChecksKeys = {"targets", "slack", "settle",
                                                         "on_leak", "hunt",  "suppressions"};
constexpr std::array<std::string_view, 2> kHuntKeys = {"warmup", "runs"};
constexpr std::array<std::string_view, 2> kTimeoutsKeys = {"case", "module"};
constexpr std::array<std::string_view, 3> kReportsKeys = {"junit", "json", "html"};

// Thrown while parsing only; ParseConfig turns it into an Error, so nothing leaves this file.
struct ConfigFailure {
  YAML::Mark mark;
  std::string message;
  ErrorCode code = ErrorCode::kInvalidArgument;
};

[[noreturn]] void Fail(const YAML::Mark& mark, std::string message,
                       ErrorCode code = ErrorCode::kInvalidArgument) {
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

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// "/a/b/../c/" -> "/a/c": the form every resolved path in a RunConfig has.
std::string Normal(const fs::path& path) {
  std::string text = path.lexically_normal().string();
  if (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

// glob(3) would read metacharacters in the config's directory as a pattern.
std::string EscapeGlob(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// globfree is safe on a zeroed glob_t and after any return of glob().
struct GlobMatches {
  glob_t result{};
  ~GlobMatches() { globfree(&result); }
};

// Every executable regular file matching `pattern` (symlinks followed), sorted byte-wise so that
// the module order does not depend on the locale.
std::vector<std::string> ExecutablesMatching(const std::string& pattern) {
  GlobMatches matches;
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &matches.result);
  std::vector<std::string> files;
  if (rc != 0) return files;
  for (std::size_t i = 0; i < matches.result.gl_pathc; ++i) {
    const char* file = matches.result.gl_pathv[i];
    struct stat st {};
    if (::stat(file, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0) {
      files.emplace_back(file);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// "TERM" for SIGTERM; nullopt for numbers without a name (32, 33 and the real-time signals).
std::optional<std::string> SignalAbbrev(int signal) {
  const char* abbrev = ::sigabbrev_np(signal);
  if (abbrev == nullptr) return std::nullopt;
  return std::string(abbrev);
}

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// A key of a map, its value, and where the key stands.
struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
  YAML::Mark mark() const { return key_node.Mark(); }
};

class ConfigParser {
 public:
  ConfigParser(std::string_view text, const std::string& path) : text_(text), path_(path) {
    const fs::path parent = fs::path(path).parent_path();
    std::error_code ec;
    const fs::path cwd = fs::current_path(ec);
    base_dir_ = Normal(parent.is_absolute() ? parent : cwd / parent);
  }

  RunConfig Parse() {
    std::vector<YAML::Node> documents;
    try {
      documents = YAML::LoadAll(text_);
    } catch (const YAML::ParserException& e) {
      Fail(e.mark, "invalid YAML: " + e.msg, ErrorCode::kParseError);
    }
    if (documents.size() > 1) {
      Fail(documents[1].Mark(), "expected one YAML document, found a second one");
    }
    if (documents.empty() || documents[0].IsNull()) {
      Fail(StartMark(), "the config is empty; it needs at least `modules` (see docs/config.md)");
    }
    const YAML::Node& root = documents[0];
    if (!root.IsMap()) {
      Fail(root.Mark(), fmt::format("expected a map of settings ({}) at the top level, got {}",
                                    Join(kTopKeys), Got(root)));
    }
    std::map<std::string, Entry> top;
    for (Entry& entry : Entries(root, "", kTopKeys)) top.emplace(entry.key, std::move(entry));
    auto find = [&top](const std::string& key) -> const Entry* {
      auto it = top.find(key);
      return it == top.end() ? nullptr : &it->second;
    };

    RunConfig config;
    config.path = path_;
    config.base_dir = base_dir_;
    // The server first: `checks.targets` is judged against it.
    if (const Entry* server = find("server")) {
      config.has_server = true;
      config.server = Server(*server);
    }
    const Entry* modules = find("modules");
    if (modules == nullptr) {
      Fail(root.Mark(), "no `modules`: list the test modules to run (see docs/config.md)");
    }
    config.modules = Modules(*modules);
    config.checks.server = config.has_server;
    if (const Entry* checks = find("checks")) config.checks = Checks(*checks, config.has_server);
    if (const Entry* jobs = find("jobs")) {
      config.jobs = Integer(*jobs, "jobs", 1, kMaxInt, "an integer ≥ 1");
    }
    if (const Entry* timeouts = find("timeouts")) {
      for (const Entry& entry : Entries(*timeouts, "timeouts", kTimeoutsKeys)) {
        const std::string label = "timeouts." + entry.key;
        (entry.key == "case" ? config.case_timeout : config.module_timeout) =
            Duration(entry, label, /*allow_zero=*/false);
      }
    }
    if (const Entry* retries = find("retries")) {
      config.retries = Integer(*retries, "retries", 0, kMaxInt, "an integer ≥ 0");
    }
    if (const Entry* reports = find("reports")) {
      for (const Entry& entry : Entries(*reports, "reports", kReportsKeys)) {
        const std::string path = Path(entry, "reports." + entry.key);
        if (entry.key == "junit") config.reports.junit = path;
        if (entry.key == "json") config.reports.json = path;
        if (entry.key == "html") config.reports.html = path;
      }
    }
    if (const Entry* shard = find("shard")) {
      const std::string text = Scalar(*shard, "shard", "I/N, such as 1/3");
      Result<Shard> parsed = ParseShard(text);
      if (!parsed) Fail(shard->value.Mark(), "`shard`: " + parsed.error().message());
      config.shard = *parsed;
    }
    return config;
  }

  Error ToError(const ConfigFailure& failure) const {
    if (failure.mark.is_null()) {
      return Error(failure.code, fmt::format("{}: {}", path_, failure.message));
    }
    return Error(failure.code, fmt::format("{}:{}:{}: {}", path_, failure.mark.line + 1,
                                           failure.mark.column + 1, failure.message));
  }

 private:
  static constexpr long long kMaxInt = 1'000'000'000;

  static YAML::Mark StartMark() {
    YAML::Mark mark;
    mark.pos = 0;
    mark.line = 0;
    mark.column = 0;
    return mark;
  }

  // ---- generic readers: each checks the shape of one value and fails where it stands ----

  // The entries of a map in file order, every key known and given once. `section` names the map
  // in messages ("server", "modules[2]"); empty at the top level. A key with no value at all
  // (`checks:`) reads as an empty map.
  static std::vector<Entry> Entries(const Entry& owner, std::string_view section, Keys keys) {
    if (owner.value.IsNull()) return {};
    if (!owner.value.IsMap()) {
      Fail(owner.value.Mark(),
           fmt::format("`{}` must be a map, got {}", section, Got(owner.value)));
    }
    return Entries(owner.value, section, keys);
  }

  static std::vector<Entry> Entries(const YAML::Node& map, std::string_view section, Keys keys) {
    std::vector<Entry> entries;
    for (const auto& item : map) {
      Entry entry{"", item.first, item.second};
      if (!item.first.IsScalar()) {
        Fail(item.first.Mark(), fmt::format("a key must be a string, got {}", Got(item.first)));
      }
      entry.key = item.first.Scalar();
      if (std::find(keys.begin(), keys.end(), entry.key) == keys.end()) {
        const std::string in = section.empty() ? "" : fmt::format(" in {}", section);
        std::string hint =
            DidYouMean(entry.key, std::vector<std::string>(keys.begin(), keys.end()));
        if (hint.empty()) hint = fmt::format(" (valid keys: {})", Join(keys));
        Fail(entry.mark(), fmt::format("unknown key `{}`{}{}", entry.key, in, hint));
      }
      for (const Entry& seen : entries) {
        if (seen.key == entry.key) {
          Fail(entry.mark(), fmt::format("duplicate key `{}` (first at line {})", entry.key,
                                         seen.mark().line + 1));
        }
      }
      entries.push_back(std::move(entry));
    }
    return entries;
  }

  // The value of `entry`, which must be present. A null value's own mark is that of the token
  // after it, which may be lines away, so "no value" points at the key.
  static const YAML::Node& Value(const Entry& entry, std::string_view label) {
    if (entry.value.IsNull()) Fail(entry.mark(), fmt::format("`{}` has no value", label));
    return entry.value;
  }

  // A scalar's text; `expected` completes "`label` must be ..." when the value is a list or map.
  static std::string Scalar(const Entry& entry, std::string_view label, std::string_view expected) {
    const YAML::Node& value = Value(entry, label);
    if (!value.IsScalar()) {
      Fail(value.Mark(), fmt::format("`{}` must be {}, got {}", label, expected, Got(value)));
    }
    return value.Scalar();
  }

  static int Integer(const Entry& entry, std::string_view label, long long min, long long max,
                     std::string_view expected) {
    const std::string text = Scalar(entry, label, expected);
    const std::optional<long long> value = ParseInteger(text);
    if (!value || *value < min || *value > max) {
      Fail(entry.value.Mark(),
           fmt::format("`{}` must be {}, got {}", label, expected, Got(entry.value)));
    }
    return static_cast<int>(*value);
  }

  static bool Bool(const Entry& entry, std::string_view label) {
    const std::string text = Scalar(entry, label, "true or false");
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    Fail(entry.value.Mark(),
         fmt::format("`{}` must be true or false, got {}", label, Got(entry.value)));
  }

  // Rounded up to whole milliseconds, so that "250us" never turns into "no time at all".
  static milliseconds Duration(const Entry& entry, std::string_view label, bool allow_zero) {
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

  // One of `names`, mapped to the value at the same index.
  template <typename T>
  static T Enum(const YAML::Node& node, const YAML::Mark& key_mark, std::string_view label,
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
  static T Enum(const Entry& entry, std::string_view label, const std::vector<std::string>& names,
                const std::vector<T>& values) {
    return Enum(entry.value, entry.mark(), label, names, values);
  }

  // A string, or a list of strings; a single string stands for a list of one.
  static std::vector<std::string> Strings(const Entry& entry, std::string_view label) {
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

  // A path resolved against the config's directory.
  std::string Resolve(const std::string& path) const {
    if (path.empty()) return path;
    const fs::path p(path);
    return Normal(p.is_absolute() ? p : fs::path(base_dir_) / p);
  }

  std::string Path(const Entry& entry, std::string_view label) const {
    const std::string text = Scalar(entry, label, "a path");
    if (text.empty()) Fail(entry.value.Mark(), fmt::format("`{}` is empty", label));
    return Resolve(text);
  }

  // A working directory: it must exist now, so that a typo shows here and not as a failed spawn.
  std::string Directory(const Entry& entry, std::string_view label) const {
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
  std::vector<std::string> Command(const Entry& entry, std::string_view label) const {
    return Command(Value(entry, label), label);
  }

  std::vector<std::string> Command(const YAML::Node& value, std::string_view label) const {
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

  // A map of environment variables, as "NAME=value" in file order. Values are kept as written:
  // "{port}" is the runner's to fill in, and a path in a value is the program's business.
  static std::vector<std::string> Env(const Entry& entry, std::string_view label) {
    if (entry.value.IsNull()) return {};
    if (!entry.value.IsMap()) {
      Fail(entry.value.Mark(),
           fmt::format("`{}` must be a map of NAME: value, got {}", label, Got(entry.value)));
    }
    std::vector<std::string> env;
    std::map<std::string, int> lines;
    for (const auto& item : entry.value) {
      const YAML::Node& name = item.first;
      if (!name.IsScalar() || name.Scalar().empty() ||
          name.Scalar().find('=') != std::string::npos) {
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

  // A probe: its short form, or a map with the short form under `probe` and the http options.
  ProbeSpec Probe(const Entry& entry, std::string_view label) const {
    const YAML::Node& value = Value(entry, label);
    if (value.IsScalar()) {
      ProbeSpec spec = ParsedProbe(value, label);
      if (Status valid = ValidateProbe(spec); !valid) {
        Fail(value.Mark(), fmt::format("`{}`: {}", label, valid.error().message()));
      }
      return spec;
    }
    if (!value.IsMap()) {
      Fail(value.Mark(),
           fmt::format("`{}` must be a probe such as \"http://127.0.0.1:{{port}}/health\", or a "
                       "map with `probe`, got {}",
                       label, Got(value)));
    }
    std::vector<Entry> entries = Entries(value, label, kProbeKeys);
    auto probe = std::find_if(entries.begin(), entries.end(),
                              [](const Entry& e) { return e.key == "probe"; });
    if (probe == entries.end()) {
      Fail(entry.mark(), fmt::format("`{}` has no `probe` (the short form, such as "
                                     "\"http://127.0.0.1:{{port}}/health\")",
                                     label));
    }
    const std::string probe_label = fmt::format("{}.probe", label);
    Scalar(*probe, probe_label, "a probe such as \"http://127.0.0.1:{port}/health\"");
    ProbeSpec spec = ParsedProbe(probe->value, probe_label);
    for (const Entry& option : entries) {
      const std::string option_label = fmt::format("{}.{}", label, option.key);
      if (option.key == "probe") continue;
      if (option.key == "allow_remote") {
        spec.allow_remote = Bool(option, option_label);
        continue;
      }
      if (spec.kind != ProbeKind::kHttp) {
        Fail(option.mark(), fmt::format("`{}` applies to http probes only, and this one is {}",
                                        option_label, ProbeKindName(spec.kind)));
      }
      if (option.key == "expect_status") {
        spec.expect_status =
            Integer(option, option_label, 100, 599, "an HTTP status from 100 to 599");
      } else {
        spec.body_regex = Scalar(option, option_label, "a regex");
      }
    }
    if (Status valid = ValidateProbe(spec); !valid) {
      Fail(probe->value.Mark(), fmt::format("`{}`: {}", label, valid.error().message()));
    }
    return spec;
  }

  static ProbeSpec ParsedProbe(const YAML::Node& value, std::string_view label) {
    Result<ProbeSpec> spec = ParseProbe(value.Scalar());
    if (!spec) Fail(value.Mark(), fmt::format("`{}`: {}", label, spec.error().message()));
    return *spec;
  }

  // ---- sections ----

  ServerConfig Server(const Entry& section) const {
    ServerConfig server;
    server.where = Location(section.mark());
    bool has_command = false;
    for (const Entry& entry : Entries(section, "server", kServerKeys)) {
      const std::string label = "server." + entry.key;
      if (entry.key == "command") {
        server.command = Command(entry, label);
        has_command = true;
      } else if (entry.key == "env") {
        server.env = Env(entry, label);
      } else if (entry.key == "cwd") {
        server.cwd = Directory(entry, label);
      } else if (entry.key == "port") {
        Port(entry, label, server);
      } else if (entry.key == "ready") {
        server.ready = Probe(entry, label);
      } else if (entry.key == "preflight") {
        server.preflight = Probe(entry, label);
      } else if (entry.key == "respawn") {
        server.respawn =
            Enum(entry, label, {"per-module", "per-batch", "on-failure", "never"},
                 std::vector<RespawnPolicy>{RespawnPolicy::kPerModule, RespawnPolicy::kPerBatch,
                                            RespawnPolicy::kOnFailure, RespawnPolicy::kNever});
      } else if (entry.key == "stop_signal") {
        server.stop_signal = Signal(entry, label);
      } else if (entry.key == "grace") {
        server.grace = Duration(entry, label, /*allow_zero=*/true);
      } else if (entry.key == "startup_timeout") {
        server.startup_timeout = Duration(entry, label, /*allow_zero=*/false);
      } else if (entry.key == "preflight_timeout") {
        server.preflight_timeout = Duration(entry, label, /*allow_zero=*/false);
      }
    }
    if (!has_command) {
      Fail(section.mark(),
           "`server` has no `command` (the program to start, such as "
           "\"build/bin/my-server --port {port}\")");
    }
    return server;
  }

  static void Port(const Entry& entry, std::string_view label, ServerConfig& server) {
    constexpr std::string_view kExpected = "`auto`, `activate` or a port number from 1 to 65535";
    const std::string text = Scalar(entry, label, kExpected);
    if (text == "auto") {
      server.port = ServerPort::kAuto;
    } else if (text == "activate") {
      server.port = ServerPort::kActivate;
    } else {
      server.port = ServerPort::kFixed;
      server.fixed_port = Integer(entry, label, 1, 65535, kExpected);
    }
  }

  // "SIGTERM", "TERM", "sigterm" or 15.
  static int Signal(const Entry& entry, std::string_view label) {
    const std::string expected =
        fmt::format("a signal name such as SIGTERM or TERM, or a number from 1 to {}", NSIG - 1);
    const std::string text = Scalar(entry, label, expected);
    if (std::optional<long long> number = ParseInteger(text)) {
      if (*number >= 1 && *number < NSIG) return static_cast<int>(*number);
    } else {
      std::string name = Upper(text);
      if (name.rfind("SIG", 0) == 0) name.erase(0, 3);
      std::vector<std::string> names;
      for (int signal = 1; signal < NSIG; ++signal) {
        std::optional<std::string> abbrev = SignalAbbrev(signal);
        if (!abbrev) continue;
        if (*abbrev == name) return signal;
        names.push_back("SIG" + *abbrev);
      }
      Fail(entry.value.Mark(), fmt::format("`{}` must be {}, got {}{}", label, expected,
                                           Got(entry.value), DidYouMean(text, names)));
    }
    Fail(entry.value.Mark(),
         fmt::format("`{}` must be {}, got {}", label, expected, Got(entry.value)));
  }

  std::vector<ModuleConfig> Modules(const Entry& section) const {
    const YAML::Node& list = section.value;
    if (list.IsNull() || (list.IsSequence() && list.size() == 0)) {
      Fail(section.mark(), "`modules` is empty; list at least one module");
    }
    if (!list.IsSequence()) {
      Fail(list.Mark(), fmt::format("`modules` must be a list, got {}", Got(list)));
    }
    std::vector<ModuleConfig> modules;
    std::map<std::string, ConfigLocation> names;  // where each name was given, for duplicates
    int index = 0;
    for (const YAML::Node& item : list) {
      for (ModuleConfig& module : Module(item, index++)) {
        auto [first, added] = names.emplace(module.name, module.where);
        if (!added) {
          Fail(ToMark(module.where),
               fmt::format("module name `{}` is already used at {}; names must be unique",
                           module.name, first->second.ToString()));
        }
        modules.push_back(std::move(module));
      }
    }
    return modules;
  }

  // One entry of `modules`: a command, or a map. A map with `glob` stands for one module
  // per matching file.
  std::vector<ModuleConfig> Module(const YAML::Node& item, int index) const {
    const std::string section = fmt::format("modules[{}]", index);
    ModuleConfig module;
    module.where = Location(item.Mark());
    if (item.IsNull()) {
      Fail(WhereNullEntry(item.Mark()),
           fmt::format("`{}` is empty; write a command, or a map with `command` or `glob`",
                       section));
    }
    // A bare command (a string or a list of words) is a gtest module named after its program.
    if (item.IsScalar() || item.IsSequence()) {
      module.command = Command(item, section);
      module.name = fs::path(module.command.front()).filename().string();
      return {std::move(module)};
    }
    if (!item.IsMap()) {
      Fail(item.Mark(), fmt::format("`{}` must be a command, or a map with `command` or `glob`, "
                                    "got {}",
                                    section, Got(item)));
    }
    const Entry* name = nullptr;
    const Entry* command = nullptr;
    const Entry* glob = nullptr;
    const std::vector<Entry> entries = Entries(item, section, kModuleKeys);
    for (const Entry& entry : entries) {
      const std::string label = fmt::format("{}.{}", section, entry.key);
      if (entry.key == "name") {
        name = &entry;
        module.name = Scalar(entry, label, "a string");
        if (module.name.empty()) Fail(entry.value.Mark(), fmt::format("`{}` is empty", label));
        module.where = Location(entry.value.Mark());
      } else if (entry.key == "command") {
        command = &entry;
        module.command = Command(entry, label);
      } else if (entry.key == "glob") {
        glob = &entry;
        module.glob = Scalar(entry, label, "a pattern such as \"build/bin/*_test\"");
        if (module.glob.empty()) Fail(entry.value.Mark(), fmt::format("`{}` is empty", label));
      } else if (entry.key == "framework") {
        module.framework =
            Enum(entry, label, {"gtest", "pytest", "plain"},
                 std::vector<Framework>{Framework::kGtest, Framework::kPytest, Framework::kPlain});
      } else if (entry.key == "env") {
        module.env = Env(entry, label);
      } else if (entry.key == "cwd") {
        module.cwd = Directory(entry, label);
      } else if (entry.key == "timeout") {
        module.timeout = Duration(entry, label, /*allow_zero=*/false);
      } else if (entry.key == "tags") {
        module.tags = Strings(entry, label);
      } else if (entry.key == "batch") {
        module.batch = Scalar(entry, label, "a string");
      }
    }
    if (command != nullptr && glob != nullptr) {
      Fail(glob->mark(), fmt::format("`{}` has both `command` and `glob`; give one", section));
    }
    if (glob != nullptr && name != nullptr) {
      Fail(name->mark(), fmt::format("`{}.name` does not go with `glob`: each matching file is a "
                                     "module named after the file",
                                     section));
    }
    if (command == nullptr && glob == nullptr) {
      Fail(item.Mark(), fmt::format("`{}` has neither `command` nor `glob`", section));
    }
    if (command != nullptr) {
      if (name == nullptr) module.name = fs::path(module.command.front()).filename().string();
      return {std::move(module)};
    }
    return Expand(module, *glob, section);
  }

  std::vector<ModuleConfig> Expand(const ModuleConfig& pattern, const Entry& glob,
                                   std::string_view section) const {
    const bool absolute = fs::path(pattern.glob).is_absolute();
    const std::string full = absolute ? pattern.glob : EscapeGlob(base_dir_) + "/" + pattern.glob;
    const std::vector<std::string> files = ExecutablesMatching(full);
    if (files.empty()) {
      Fail(glob.value.Mark(),
           fmt::format("`{}.glob` `{}` matches no executable file{}", section, pattern.glob,
                       absolute ? "" : fmt::format(" (in {})", base_dir_)));
    }
    std::vector<ModuleConfig> modules;
    for (const std::string& file : files) {
      ModuleConfig module = pattern;
      module.name = fs::path(file).filename().string();
      module.command = {Normal(file)};
      module.where = Location(glob.value.Mark());
      modules.push_back(std::move(module));
    }
    return modules;
  }

  ChecksConfig Checks(const Entry& section, bool has_server) const {
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
      } else if (entry.key == "hunt") {
        for (const Entry& field : Entries(entry, label, kHuntKeys)) {
          const std::string field_label = label + "." + field.key;
          (field.key == "warmup" ? checks.hunt_warmup : checks.hunt_runs) =
              Integer(field, field_label, 0, kMaxInt, "an integer ≥ 0");
        }
      } else if (entry.key == "suppressions") {
        checks.suppressions = SuppressionsFile(entry, label);
      }
    }
    return checks;
  }

  static void Targets(const Entry& entry, std::string_view label, bool has_server,
                      ChecksConfig& checks) {
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
  static Slack SlackOf(const Entry& entry, std::string_view label) {
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
  std::string SuppressionsFile(const Entry& entry, std::string_view label) const {
    const std::string path = Path(entry, label);
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

  // ---- locations ----

  ConfigLocation Location(const YAML::Mark& mark) const {
    ConfigLocation where;
    where.file = path_;
    if (!mark.is_null()) {
      where.line = mark.line + 1;
      where.column = mark.column + 1;
    }
    return where;
  }

  static YAML::Mark ToMark(const ConfigLocation& where) {
    YAML::Mark mark;
    mark.line = where.line - 1;
    mark.column = where.column - 1;
    return mark;
  }

  // yaml-cpp gives an empty list entry ("-" and nothing after it) the mark of the next token,
  // which may be the next entry or the end of the file. Walk back from that offset over blanks
  // and comments to the "-" (as suppressions.cpp does), so the error points at the entry itself.
  YAML::Mark WhereNullEntry(const YAML::Mark& mark) const {
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

  std::string text_;
  std::string path_;
  std::string base_dir_;  // absolute, normalised
};

}  // namespace

Result<RunConfig> LoadConfig(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ErrnoError(errno, path);
  std::string text;
  char buffer[8192];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, path);
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return ParseConfig(text, path);
}

Result<RunConfig> ParseConfig(std::string_view text, const std::string& path) {
  ConfigParser parser(text, path);
  try {
    return parser.Parse();
  } catch (const ConfigFailure& failure) {
    return parser.ToError(failure);
  } catch (const YAML::Exception& e) {
    // Every node is type-checked before use, so this should not happen; it must not escape.
    return parser.ToError(ConfigFailure{e.mark, e.msg, ErrorCode::kParseError});
  }
}

Result<Shard> ParseShard(std::string_view text) {
  auto invalid = [text] {
    return Error(
        ErrorCode::kInvalidArgument,
        fmt::format("invalid shard \"{}\": expected I/N with 1 ≤ I ≤ N, such as 1/3", text));
  };
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return invalid();
  std::optional<long long> index = ParseInteger(text.substr(0, slash));
  std::optional<long long> total = ParseInteger(text.substr(slash + 1));
  if (!index || !total || *index < 1 || *total < 1 || *index > *total || *total > 1'000'000) {
    return invalid();
  }
  return Shard{static_cast<int>(*index - 1), static_cast<int>(*total)};
}

}  // namespace leakwatch::run
