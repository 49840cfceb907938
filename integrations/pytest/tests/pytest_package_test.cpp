// The pytest plugin as a Python package (integrations/pytest/pyproject.toml), as a Python project
// uses it: installed offline into a fresh venv, then a plain pytest suite (package_cases.py) run
// by the real `leakwatch run` against demo-server with the venv's python, with no `-p` and no
// PYTHONPATH. The plugin must come from its `pytest11` entry point and check the cases one by
// one; with the package installed, `-p leakwatch_pytest` (with or without PYTHONPATH into the
// source tree: leakwatch's own tests and examples) must still work.
//
// Nothing is written outside the test's temporary directory: HOME, TMPDIR and the XDG
// directories point into it, pip keeps no cache and reads no configuration, Python writes no
// bytecode and has no user site. Nothing is fetched: pip gets --no-index, and pytest, setuptools
// and wheel come from the system's site-packages (Debian's python3-pytest, python3-setuptools,
// python3-wheel), which the venv sees.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "child_process.h"
#include "run_configs.h"
#include "run_result.h"

extern char** environ;

namespace leakwatch {
namespace {

using ::leakwatch::testing::CommandResult;
using ::leakwatch::testing::Config;
using ::leakwatch::testing::ReadFile;
using ::leakwatch::testing::RunCommand;
using ::leakwatch::testing::RunLeakwatch;
using ::leakwatch::testing::RunResult;
using ::leakwatch::testing::TempDir;
using ::leakwatch::testing::WriteFile;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

constexpr char kPython[] = LEAKWATCH_PYTEST_VENV_PYTHON;  // "" when none was found
constexpr char kPackageDir[] = LEAKWATCH_PYTEST_DIR;
constexpr char kVersion[] = LEAKWATCH_VERSION;

// Creating a venv (ensurepip) and building a wheel take a while on a loaded machine.
constexpr std::chrono::seconds kInstallGuard{300};

// The variables this test sets or clears, restored when it ends.
class ScopedEnvironment {
 public:
  ScopedEnvironment() = default;
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;
  ~ScopedEnvironment() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) {
        setenv(it->first.c_str(), it->second->c_str(), 1);
      } else {
        unsetenv(it->first.c_str());
      }
    }
  }
  void Set(const std::string& name, const std::string& value) {
    Save(name);
    setenv(name.c_str(), value.c_str(), 1);
  }
  void Unset(const std::string& name) {
    Save(name);
    unsetenv(name.c_str());
  }

 private:
  void Save(const std::string& name) {
    const char* value = getenv(name.c_str());
    saved_.emplace_back(name, value ? std::optional<std::string>(value) : std::nullopt);
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// Names of the variables that steer Python, pip or pytest from outside (PYTHONPATH,
// PIP_FIND_LINKS, PYTEST_ADDOPTS, PYTEST_DISABLE_PLUGIN_AUTOLOAD, VIRTUAL_ENV, ...).
std::vector<std::string> OutsideSettings() {
  std::vector<std::string> names;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const std::string name = text.substr(0, text.find('='));
    for (const char* prefix : {"PYTHON", "PIP_", "PYTEST_", "VIRTUAL_ENV"}) {
      if (name.rfind(prefix, 0) == 0) names.push_back(name);
    }
  }
  return names;
}

std::string Show(const CommandResult& result) {
  return "exit " + std::to_string(result.exit_code) + "\n--- stdout\n" + result.out +
         "--- stderr\n" + result.err;
}

// The output tails of the module-finished events of `module`, one after the other.
std::string OutputOf(const RunResult& run, const std::string& module) {
  std::string tails;
  for (const json& event : run.report["events"]) {
    if (event["type"] == "module-finished" && event["module"] == module) {
      tails += event["output_tail"].get<std::string>() + "\n";
    }
  }
  return tails;
}

// The case `name` of `module`.
json CaseOf(const RunResult& run, const std::string& module, const std::string& name) {
  for (const json& c : run.cases) {
    if (c["module"] == module && c["name"] == name) return c;
  }
  ADD_FAILURE() << "no case " << name << " in module " << module;
  return json::object();
}

class PytestPackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(kPython).empty()) {
      GTEST_SKIP() << "no python3 with pytest, venv, ensurepip, setuptools >= 61 and wheel was "
                      "found at configure time (ci/bootstrap installs python3-pytest, "
                      "python3-venv, python3-setuptools and python3-wheel)";
    }
    for (const std::string& name : OutsideSettings()) env_.Unset(name);
    for (const char* name : {"home", "tmp", "cache", "config"}) {
      std::filesystem::create_directory(dir_.File(name));
    }
    env_.Set("HOME", dir_.File("home"));
    env_.Set("TMPDIR", dir_.File("tmp"));
    env_.Set("XDG_CACHE_HOME", dir_.File("cache"));
    env_.Set("XDG_CONFIG_HOME", dir_.File("config"));
    env_.Set("PYTHONNOUSERSITE", "1");
    env_.Set("PYTHONDONTWRITEBYTECODE", "1");
    env_.Set("PIP_CONFIG_FILE", "/dev/null");
    env_.Set("PIP_NO_CACHE_DIR", "1");
    env_.Set("PIP_DISABLE_PIP_VERSION_CHECK", "1");
    env_.Set("PIP_NO_INPUT", "1");
  }

  std::string VenvPython() const { return dir_.File("venv/bin/python"); }

  // A copy of the package (its top-level files: pyproject.toml, the module), so that the build's
  // build/ and *.egg-info land in the temporary directory, not in the source tree.
  std::string CopyOfThePackage() const {
    const std::filesystem::path copy = dir_.File("leakwatch-pytest");
    std::filesystem::create_directory(copy);
    for (const auto& entry : std::filesystem::directory_iterator(kPackageDir)) {
      if (entry.is_regular_file()) {
        std::filesystem::copy_file(entry.path(), copy / entry.path().filename());
      }
    }
    return copy.string();
  }

  // A project with a plain pytest suite: a pytest.ini (the rootdir) and test_package.py.
  std::string Project() const {
    const std::string project = dir_.File("project");
    std::filesystem::create_directory(project);
    WriteFile(project + "/pytest.ini", "[pytest]\n");
    WriteFile(project + "/test_package.py",
              ReadFile(std::string(kPackageDir) + "/tests/package_cases.py"));
    return project;
  }

  TempDir dir_;  // first: the variables below point into it
  ScopedEnvironment env_;
};

const std::vector<std::string> kCases = {
    "test_package.py::test_clean", "test_package.py::test_leaks_an_eventfd",
    "test_package.py::test_leaks_in_the_server", "test_package.py::test_clean_after_the_leaks"};

TEST_F(PytestPackageTest, InstalledOfflineItChecksAPlainSuiteCaseByCaseWithoutPOrPythonpath) {
  CommandResult venv = RunCommand(
      {kPython, "-m", "venv", "--system-site-packages", dir_.File("venv")}, "", kInstallGuard);
  ASSERT_EQ(venv.exit_code, 0) << Show(venv);

  // Without the package the venv has no plugin (nor does the system): what follows is its doing.
  CommandResult before = RunCommand({VenvPython(), "-c", "import leakwatch_pytest"});
  ASSERT_NE(before.exit_code, 0) << "leakwatch_pytest is importable before the install\n"
                                 << Show(before);
  EXPECT_THAT(before.err, HasSubstr("No module named 'leakwatch_pytest'")) << Show(before);

  CommandResult install = RunCommand({VenvPython(), "-m", "pip", "install", "--no-build-isolation",
                                      "--no-index", "--no-cache-dir", CopyOfThePackage()},
                                     "", kInstallGuard);
  ASSERT_EQ(install.exit_code, 0) << Show(install);
  EXPECT_THAT(install.out,
              HasSubstr("Successfully installed leakwatch-pytest-" + std::string(kVersion)))
      << Show(install);

  // What got installed, where, and under which entry point.
  CommandResult probe = RunCommand(
      {VenvPython(), "-c",
       "import importlib.metadata as md, json, leakwatch_pytest\n"
       "dist = md.distribution('leakwatch-pytest')\n"
       "print(json.dumps({'module': leakwatch_pytest.__file__, 'version': dist.version,\n"
       "  'entry_points': [[e.group, e.name, e.value] for e in dist.entry_points],\n"
       "  'files': sorted(str(f) for f in dist.files if not str(f).startswith(\n"
       "      ('leakwatch_pytest-', '__pycache__/')))}))\n"});
  ASSERT_EQ(probe.exit_code, 0) << Show(probe);
  const json installed = json::parse(probe.out, nullptr, false);
  ASSERT_TRUE(installed.is_object()) << probe.out;
  EXPECT_THAT(installed["module"].get<std::string>(),
              ::testing::StartsWith(dir_.File("venv/lib/")));
  EXPECT_EQ(installed["version"], kVersion)
      << "the package's version (integrations/pytest/pyproject.toml) is leakwatch's";
  EXPECT_EQ(installed["entry_points"], json::parse(R"([["pytest11", "leakwatch_pytest",
                                                        "leakwatch_pytest"]])"))
      << "named as the module, or -p leakwatch_pytest fails with \"Plugin already registered\"";
  EXPECT_EQ(installed["files"], json::parse(R"(["leakwatch_pytest.py"])"))
      << "one module; the plugin's own tests stay out";

  // The same suite three ways: as a Python project runs it (installed, nothing named), with
  // -p leakwatch_pytest as well, and with -p plus PYTHONPATH into the source tree.
  const std::string project = Project();
  const std::string pytest = VenvPython() + " -m pytest -q";
  auto module = [&](const std::string& name, const std::string& args, const std::string& env) {
    return "  - name: " + name + "\n    framework: pytest\n    command: " + pytest + args +
           "\n    cwd: " + project + "\n" + env;
  };
  RunResult run = RunLeakwatch(
      dir_, Config(module("installed", "", "") + module("with-p", " -p leakwatch_pytest", "") +
                   module("with-p-and-pythonpath", " -p leakwatch_pytest",
                          "    env:\n      PYTHONPATH: " + std::string(kPackageDir) + "\n")));
  ASSERT_TRUE(run.report.is_object()) << run.command.out << run.command.err;
  EXPECT_EQ(run.command.exit_code, 1) << run.command.out << run.command.err;

  for (const std::string name : {"installed", "with-p", "with-p-and-pythonpath"}) {
    SCOPED_TRACE("module " + name);
    const std::string tail = OutputOf(run, name);
    EXPECT_THAT(tail, Not(HasSubstr("already registered"))) << tail;
    // The plugin's own tally: it talked to the runner about every case.
    EXPECT_THAT(tail, HasSubstr("leakwatch: 4 cases checked by leakwatch run")) << tail;

    // One verdict per case, each leak in its own case only.
    std::vector<std::string> names;
    for (const json& c : run.cases) {
      if (c["module"] == name) names.push_back(c["name"]);
    }
    EXPECT_EQ(names, kCases) << run.command.out;
    const json clean = CaseOf(run, name, "test_package.py::test_clean");
    EXPECT_EQ(clean["status"], "PASS") << clean.dump();
    EXPECT_TRUE(clean["leaks"].empty()) << clean.dump();
    const json in_test = CaseOf(run, name, "test_package.py::test_leaks_an_eventfd");
    EXPECT_EQ(in_test["status"], "LEAK") << in_test.dump();
    ASSERT_EQ(in_test["leaks"].size(), 1u) << in_test.dump();
    EXPECT_EQ(in_test["leaks"][0]["target"], "test");
    EXPECT_EQ(in_test["leaks"][0]["kinds"], json::parse(R"([{"kind":"eventfd","count":1}])"));
    const json in_server = CaseOf(run, name, "test_package.py::test_leaks_in_the_server");
    EXPECT_EQ(in_server["status"], "LEAK") << in_server.dump();
    ASSERT_EQ(in_server["leaks"].size(), 1u) << in_server.dump();
    EXPECT_EQ(in_server["leaks"][0]["target"], "server");
    EXPECT_EQ(in_server["leaks"][0]["kinds"], json::parse(R"([{"kind":"eventfd","count":1}])"));
    const json after = CaseOf(run, name, "test_package.py::test_clean_after_the_leaks");
    EXPECT_EQ(after["status"], "PASS") << after.dump();
    EXPECT_TRUE(after["leaks"].empty()) << after.dump();
  }
  EXPECT_THAT(run.command.out, ::testing::EndsWith("6 passed, 6 failed\n")) << run.command.out;
}

}  // namespace
}  // namespace leakwatch
