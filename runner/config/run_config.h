// run_config.h — what `leakwatch run` is asked to do: the model behind leakwatch.yaml.
//
// Plain data with the defaults a user gets when a key is left out; config_loader.h fills it from
// YAML and reports mistakes as file:line:col. docs/config.md documents every key.
//
//   leakwatch::run::Result<RunConfig> config = leakwatch::run::LoadConfig("leakwatch.yaml");
//   for (const ModuleConfig& module : config->modules) ...
#pragma once

#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <vector>

#include "leakwatch/probe.h"
#include "leakwatch/settle.h"
#include "leakwatch/slack.h"

namespace leakwatch::run {

using std::chrono::milliseconds;

// Where a value came from, for messages about it ("leakwatch.yaml:12:5").
struct ConfigLocation {
  std::string file;
  int line = 0;                  // 1-based; 0 when unknown
  int column = 0;                // 1-based
  std::string ToString() const;  // "file:line:col", or "file" without a line
};

enum class RespawnPolicy {
  kPerModule,  // a fresh server for every module (default)
  kPerBatch,   // one server per batch of modules; respawned only when it died or is unwell
  kOnFailure,  // one server for the whole run; respawned when it died or is unwell
  kNever,      // one server; once it is dead or unwell every later module is NOT RUN
};

enum class ServerPort {
  kAuto,      // "{port}" gets a free loopback port
  kActivate,  // socket activation: we listen, the server gets fd 3
  kFixed,     // a number given in the config
};

enum class ServerDisplay {
  kNone,  // the server gets leakwatch's own environment
  kXvfb,  // a private Xvfb per worker; DISPLAY (and no session bus) for the server and modules
};

struct ServerConfig {
  std::vector<std::string> command;  // YAML: a list, or a string split on whitespace (quotes kept)
  std::vector<std::string> env;      // YAML: a map; here "NAME=value"
  std::string cwd;                   // relative to the config file's directory; empty: that dir
  ServerPort port = ServerPort::kAuto;
  int fixed_port = 0;                  // with kFixed
  std::optional<ProbeSpec> ready;      // YAML `ready:` short form, e.g. "http://...:{port}/health"
  std::optional<ProbeSpec> preflight;  // YAML `preflight:`; none: the ready probe
  RespawnPolicy respawn = RespawnPolicy::kPerModule;
  int stop_signal = SIGTERM;  // YAML `stop_signal: SIGTERM` (name or number)
  milliseconds grace{3000};   // YAML `grace: 3s`
  // Before a module's first case the server's tree must have been unchanged this long (0: no
  // wait): a server that says it is ready may still be forking and booting workers.
  milliseconds quiet{100};                       // YAML `quiet: 100ms`
  milliseconds startup_timeout{30000};           // YAML `startup_timeout: 30s`
  milliseconds preflight_timeout{1000};          // YAML `preflight_timeout: 1s`
  ServerDisplay display = ServerDisplay::kNone;  // YAML `display: xvfb`
  // Run after every start and respawn, before the pre-flight ("{port}" replaced); empty: none.
  std::vector<std::string> after_ready;
  milliseconds after_ready_timeout{30000};  // YAML `after_ready_timeout: 30s`
  ConfigLocation where;
};

enum class Framework {
  kGtest,   // a GoogleTest binary: per-case checks through the listener (LEAKWATCH_CONTROL_FD)
  kPytest,  // a pytest run with integrations/pytest/leakwatch_pytest.py: per-case checks
  kPlain,   // any command: one check around the whole module; exit status 0 passes
};

struct ModuleConfig {
  std::string name;                  // unique; default: the command's file name
  std::vector<std::string> command;  // list or whitespace-split string; or empty with `glob`
  std::string glob;                  // executables matching this pattern (relative to the config
                                     // dir) each become a module named after the file
  Framework framework = Framework::kGtest;
  std::vector<std::string> env;         // "NAME=value"; "{port}" is replaced by the server's port
  std::string cwd;                      // relative to the config dir; empty: the config dir
  std::optional<milliseconds> timeout;  // the whole module; default RunConfig::module_timeout
  std::vector<std::string> tags;
  std::string batch;  // modules with the same batch share a server (kPerBatch);
                      // default: the module's own name
  ConfigLocation where;
};

enum class OnLeak { kFail, kWarn };
// A case that could not be checked (a snapshot failed): UNCHECKED, a failure (kFail), or its own
// status with the reason noted (kWarn).
enum class OnUnchecked { kFail, kWarn };

struct ChecksConfig {
  bool server = true;  // YAML `targets: [server, test]`
  bool test = true;
  Slack slack;          // YAML `slack: "pidfd=0,thread=1"` or a map kind: n
  SettlePolicy settle;  // YAML `settle: 500ms` (the deadline)
  OnLeak on_leak = OnLeak::kFail;
  OnUnchecked on_unchecked = OnUnchecked::kFail;  // YAML `on_unchecked: fail`
  // YAML `hunt: auto` (warm-up 1, 2 measured runs: the default), `off` (runs 0: no hunt), or
  // `{warmup: 1, runs: 3}`.
  int hunt_warmup = 1;
  int hunt_runs = 2;
  std::string suppressions;  // a suppressions YAML file, relative to the config dir
};

struct ReportsConfig {
  std::string junit;  // paths relative to the config dir (or as given on the command line)
  std::string json;
  std::string html;  // accepted; written by a later version
};

struct Shard {
  int index = 0;  // 0-based
  int total = 1;
};

struct RunConfig {
  std::string path;      // the config file as given
  std::string base_dir;  // its directory: relative paths in the config resolve against it
  ServerConfig server;
  bool has_server = false;            // a config may run modules without any server
  std::vector<ModuleConfig> modules;  // globs already expanded, in file order
  ChecksConfig checks;
  int jobs = 1;                      // parallel workers, each with its own server and port
  milliseconds case_timeout{60000};  // YAML `timeouts: {case: 60s, module: 10m}`
  milliseconds module_timeout{600000};
  int retries = 0;  // failed cases are re-run up to this many times
  ReportsConfig reports;
  std::optional<Shard> shard;  // YAML `shard: 1/3` (1-based in text, like --shard)
};

}  // namespace leakwatch::run
