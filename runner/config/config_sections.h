// config_sections.h — the sections of leakwatch.yaml, each read into its part of a RunConfig
// (internal to runner/config). Every reader fails through config_reader.h's Fail.
//
//   config.server = ReadServer(source, server_entry);
//   config.modules = ReadModules(source, modules_entry);
//   config.checks = ReadChecks(source, checks_entry, config.has_server);
#pragma once

#include <vector>

#include "config_reader.h"
#include "run_config.h"

namespace leakwatch::run::config_internal {

// `server:` (config_server.cpp): command, env, cwd, port, probes, respawn, signal, timeouts.
ServerConfig ReadServer(const ConfigSource& source, const Entry& section);

// `modules:` (config_modules.cpp), with each `glob` expanded to one module per matching file.
std::vector<ModuleConfig> ReadModules(const ConfigSource& source, const Entry& section);

// `checks:` (config_checks.cpp); `targets: server` needs a `server` section.
ChecksConfig ReadChecks(const ConfigSource& source, const Entry& section, bool has_server);

}  // namespace leakwatch::run::config_internal
