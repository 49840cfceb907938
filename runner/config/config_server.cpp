// config_server.cpp — the `server` section of leakwatch.yaml: the program to start, its port,
// readiness and pre-flight probes, respawn policy, stop signal and timeouts.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "config_reader.h"
#include "config_sections.h"
#include "leakwatch/probe.h"

namespace leakwatch::run::config_internal {
namespace {

constexpr std::array<std::string_view, 15> kServerKeys = {"command",
                                                          "env",
                                                          "cwd",
                                                          "port",
                                                          "ready",
                                                          "preflight",
                                                          "respawn",
                                                          "stop_signal",
                                                          "grace",
                                                          "quiet",
                                                          "startup_timeout",
                                                          "preflight_timeout",
                                                          "display",
                                                          "after_ready",
                                                          "after_ready_timeout"};
constexpr std::array<std::string_view, 4> kProbeKeys = {"probe", "expect_status", "body_regex",
                                                        "allow_remote"};

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

ProbeSpec ParsedProbe(const YAML::Node& value, std::string_view label) {
  Result<ProbeSpec> spec = ParseProbe(value.Scalar());
  if (!spec) Fail(value.Mark(), fmt::format("`{}`: {}", label, spec.error().message()));
  return *spec;
}

// A probe: its short form, or a map with the short form under `probe` and the http options.
ProbeSpec Probe(const Entry& entry, std::string_view label) {
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
  auto probe =
      std::find_if(entries.begin(), entries.end(), [](const Entry& e) { return e.key == "probe"; });
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

void Port(const Entry& entry, std::string_view label, ServerConfig& server) {
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
int Signal(const Entry& entry, std::string_view label) {
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

// Is `program` an executable file in one of PATH's directories?
bool OnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "";
  while (!dirs.empty()) {
    const std::size_t colon = std::min(dirs.find(':'), dirs.size());
    const std::string file = fmt::format("{}/{}", dirs.substr(0, colon), program);
    if (!dirs.substr(0, colon).empty() && ::access(file.c_str(), X_OK) == 0) return true;
    dirs.remove_prefix(std::min(colon + 1, dirs.size()));
  }
  return false;
}

ServerDisplay Display(const Entry& entry, std::string_view label) {
  const ServerDisplay display =
      Enum(entry, label, {"none", "xvfb"},
           std::vector<ServerDisplay>{ServerDisplay::kNone, ServerDisplay::kXvfb});
  // Found now rather than when the first worker starts it, with the fix in the message.
  if (display == ServerDisplay::kXvfb && !OnPath("Xvfb")) {
    Fail(entry.value.Mark(),
         fmt::format("`{}: xvfb` needs the Xvfb binary, which is not in PATH; install Debian's "
                     "`xvfb` package",
                     label));
  }
  return display;
}

}  // namespace

ServerConfig ReadServer(const ConfigSource& source, const Entry& section) {
  ServerConfig server;
  server.where = source.Location(section.mark());
  bool has_command = false;
  for (const Entry& entry : Entries(section, "server", kServerKeys)) {
    const std::string label = "server." + entry.key;
    if (entry.key == "command") {
      server.command = source.Command(entry, label);
      has_command = true;
    } else if (entry.key == "env") {
      server.env = Env(entry, label);
    } else if (entry.key == "cwd") {
      server.cwd = source.Directory(entry, label);
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
    } else if (entry.key == "quiet") {
      server.quiet = Duration(entry, label, /*allow_zero=*/true);
    } else if (entry.key == "startup_timeout") {
      server.startup_timeout = Duration(entry, label, /*allow_zero=*/false);
    } else if (entry.key == "preflight_timeout") {
      server.preflight_timeout = Duration(entry, label, /*allow_zero=*/false);
    } else if (entry.key == "display") {
      server.display = Display(entry, label);
    } else if (entry.key == "after_ready") {
      server.after_ready = source.Command(entry, label);
    } else if (entry.key == "after_ready_timeout") {
      server.after_ready_timeout = Duration(entry, label, /*allow_zero=*/false);
    }
  }
  if (!has_command) {
    Fail(section.mark(),
         "`server` has no `command` (the program to start, such as "
         "\"build/bin/my-server --port {port}\")");
  }
  return server;
}

}  // namespace leakwatch::run::config_internal
