// config_loader.h — reading leakwatch.yaml into a RunConfig.
//
// Every mistake is an error whose message starts with "file:line:col: " and says what is wrong;
// an unknown key names the nearest valid one ("did you mean `respawn`?"). Globs are expanded
// here, so the RunConfig lists every module.
//
//   auto config = leakwatch::run::LoadConfig("leakwatch.yaml");
//   if (!config) { std::cerr << config.error().message() << "\n"; return kExitUsage; }
#pragma once

#include <string>
#include <string_view>

#include "leakwatch/result.h"
#include "run_config.h"

namespace leakwatch::run {

// Reads and checks the file. kNotFound when it does not exist, kParseError for YAML syntax,
// kInvalidArgument for a valid YAML document with wrong keys, types or values.
Result<RunConfig> LoadConfig(const std::string& path);

// The same from text; `path` is used in messages and as the base for relative paths.
Result<RunConfig> ParseConfig(std::string_view text, const std::string& path);

// "1/3" -> {index 0, total 3}; errors name the text.
Result<Shard> ParseShard(std::string_view text);

}  // namespace leakwatch::run
