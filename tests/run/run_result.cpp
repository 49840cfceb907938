#include "run_result.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace leakwatch::testing {

using json = nlohmann::json;

RunResult RunLeakwatch(TempDir& dir, const std::string& config,
                       const std::vector<std::string>& extra, bool as_nobody) {
  WriteFile(dir.File("leakwatch.yaml"), config);
  std::vector<std::string> argv = {BinPath("leakwatch"),       "run",           "-c",
                                   dir.File("leakwatch.yaml"), "--no-progress", "--json",
                                   dir.File("report.json")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  RunResult result;
  result.command = as_nobody ? RunCommandAsNobody(argv) : RunCommand(argv);
  ReadRunReport(dir.File("report.json"), result);
  return result;
}

void ReadRunReport(const std::string& path, RunResult& result) {
  std::ifstream in(path);
  if (!in) return;
  result.report = json::parse(in, nullptr, false);
  for (const json& event : result.report["events"]) {
    if (event["type"] == "case-finished") {
      result.cases.push_back(event);
      result.status[event["module"].get<std::string>() + " " + event["name"].get<std::string>()] =
          event["status"];
    }
  }
}

std::vector<std::string> ProcessesStartedBy(pid_t pid) {
  std::vector<std::string> found;
  const std::string marker = "LEAKWATCH_TREE=" + std::to_string(pid) + "-";
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream environ(entry.path() / "environ");
    const std::string env((std::istreambuf_iterator<char>(environ)), {});
    if (env.find(marker) == std::string::npos) continue;
    std::ifstream comm(entry.path() / "comm");
    std::string command;
    std::getline(comm, command);
    found.push_back(name + " (" + command + ")");
  }
  return found;
}

const json& CaseNamed(const RunResult& run, const std::string& name) {
  for (const json& c : run.cases) {
    if (c["name"] == name) return c;
  }
  static const json kNone = json::object();
  ADD_FAILURE() << "no case " << name;
  return kNone;
}

pid_t PidThatAnswered(const RunResult& run, const std::string& kind) {
  const std::string marker = "leaked " + kind + " in pid ";
  for (const json& event : run.report["events"]) {
    if (event["type"] != "module-finished") continue;
    const std::string tail = event["output_tail"];
    std::size_t at = tail.find(marker);
    if (at != std::string::npos) return std::stoi(tail.substr(at + marker.size()));
  }
  return 0;
}

}  // namespace leakwatch::testing
