// config_loader.cpp — leakwatch.yaml into a RunConfig, every mistake as "file:line:col: message".
//
// This file reads the top level (and the small settings: jobs, timeouts, retries, reports, shard)
// and is where a ConfigFailure thrown by any reader becomes an Error. The node readers are in
// config_reader.cpp; the server, modules and checks sections in config_server.cpp,
// config_modules.cpp and config_checks.cpp.
#include "config_loader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cerrno>
#include <map>
#include <optional>
#include <utility>

#include "config_reader.h"
#include "config_sections.h"
#include "leakwatch/unique_fd.h"

namespace leakwatch::run {
namespace {

using config_internal::ConfigFailure;
using config_internal::ConfigSource;
using config_internal::Duration;
using config_internal::Entries;
using config_internal::Entry;
using config_internal::Fail;
using config_internal::Got;
using config_internal::Integer;
using config_internal::Join;
using config_internal::kMaxInt;
using config_internal::ParseInteger;
using config_internal::ReadChecks;
using config_internal::ReadModules;
using config_internal::ReadServer;
using config_internal::Scalar;
using config_internal::StartMark;

constexpr std::array<std::string_view, 8> kTopKeys = {"server",   "modules", "checks",  "jobs",
                                                      "timeouts", "retries", "reports", "shard"};
constexpr std::array<std::string_view, 2> kTimeoutsKeys = {"case", "module"};
constexpr std::array<std::string_view, 3> kReportsKeys = {"junit", "json", "html"};

RunConfig Parse(const ConfigSource& source) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(source.text());
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
  config.path = source.path();
  config.base_dir = source.base_dir();
  // The server first: `checks.targets` is judged against it.
  if (const Entry* server = find("server")) {
    config.has_server = true;
    config.server = ReadServer(source, *server);
  }
  const Entry* modules = find("modules");
  if (modules == nullptr) {
    Fail(root.Mark(), "no `modules`: list the test modules to run (see docs/config.md)");
  }
  config.modules = ReadModules(source, *modules);
  config.checks.server = config.has_server;
  if (const Entry* checks = find("checks"))
    config.checks = ReadChecks(source, *checks, config.has_server);
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
      const std::string path = source.Path(entry, "reports." + entry.key);
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
  const ConfigSource source(text, path);
  try {
    return Parse(source);
  } catch (const ConfigFailure& failure) {
    return source.ToError(failure);
  } catch (const YAML::Exception& e) {
    // Every node is type-checked before use, so this should not happen; it must not escape.
    return source.ToError(ConfigFailure{e.mark, e.msg, ErrorCode::kParseError});
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
