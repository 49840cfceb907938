#include "run_result.h"

#include <gtest/gtest.h>

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
  std::ifstream in(dir.File("report.json"));
  if (in) {
    result.report = json::parse(in, nullptr, false);
    for (const json& event : result.report["events"]) {
      if (event["type"] == "case-finished") {
        result.cases.push_back(event);
        result.status[event["module"].get<std::string>() + " " + event["name"].get<std::string>()] =
            event["status"];
      }
    }
  }
  return result;
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
