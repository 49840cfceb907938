// config_modules.cpp — the `modules` section of leakwatch.yaml: bare commands, maps with
// `command`, and maps with `glob`, which stand for one module per matching executable file.
#include <fmt/format.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <utility>

#include "config_reader.h"
#include "config_sections.h"

namespace leakwatch::run::config_internal {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 9> kModuleKeys = {
    "name", "command", "glob", "framework", "env", "cwd", "timeout", "tags", "batch"};

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

std::vector<ModuleConfig> Expand(const ConfigSource& source, const ModuleConfig& pattern,
                                 const Entry& glob, std::string_view section) {
  const bool absolute = fs::path(pattern.glob).is_absolute();
  const std::string full =
      absolute ? pattern.glob : EscapeGlob(source.base_dir()) + "/" + pattern.glob;
  const std::vector<std::string> files = ExecutablesMatching(full);
  if (files.empty()) {
    Fail(glob.value.Mark(),
         fmt::format("`{}.glob` `{}` matches no executable file{}", section, pattern.glob,
                     absolute ? "" : fmt::format(" (in {})", source.base_dir())));
  }
  std::vector<ModuleConfig> modules;
  for (const std::string& file : files) {
    ModuleConfig module = pattern;
    module.name = fs::path(file).filename().string();
    module.command = {Normal(file)};
    module.where = source.Location(glob.value.Mark());
    modules.push_back(std::move(module));
  }
  return modules;
}

// One entry of `modules`: a command, or a map. A map with `glob` stands for one module
// per matching file.
std::vector<ModuleConfig> Module(const ConfigSource& source, const YAML::Node& item, int index) {
  const std::string section = fmt::format("modules[{}]", index);
  ModuleConfig module;
  module.where = source.Location(item.Mark());
  if (item.IsNull()) {
    Fail(source.WhereNullEntry(item.Mark()),
         fmt::format("`{}` is empty; write a command, or a map with `command` or `glob`", section));
  }
  // A bare command (a string or a list of words) is a gtest module named after its program.
  if (item.IsScalar() || item.IsSequence()) {
    module.command = source.Command(item, section);
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
      module.where = source.Location(entry.value.Mark());
    } else if (entry.key == "command") {
      command = &entry;
      module.command = source.Command(entry, label);
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
      module.cwd = source.Directory(entry, label);
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
  return Expand(source, module, *glob, section);
}

}  // namespace

std::vector<ModuleConfig> ReadModules(const ConfigSource& source, const Entry& section) {
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
    for (ModuleConfig& module : Module(source, item, index++)) {
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

}  // namespace leakwatch::run::config_internal
