// real_server_test.cpp — `leakwatch run` against servers leakwatch did not write, from Debian's
// packages (ci/bootstrap installs them): nginx (C: a master and worker processes) and gunicorn
// (Python: a pre-fork master whose workers run tests/realservers/wsgi_app.py), each checked as a
// whole process tree with the cases of lw-run-cases' Workers suite. Clean traffic must raise no
// alarm, also while gunicorn recycles its workers; a leak planted in the application must be
// caught in the worker that served it, in that case only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "run_configs.h"
#include "run_result.h"

namespace leakwatch {
namespace {

using ::leakwatch::testing::CaseNamed;
using ::leakwatch::testing::GtestModule;
using ::leakwatch::testing::PidThatAnswered;
using ::leakwatch::testing::RunLeakwatch;
using ::leakwatch::testing::RunResult;
using ::leakwatch::testing::TempDir;
using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kNginx[] = "/usr/sbin/nginx";
constexpr char kPython[] = "/usr/bin/python3";

bool Installed(const std::string& path) {
  return ::access(path.c_str(), X_OK) == 0;
}

bool GunicornInstalled() {
  return Installed(kPython) &&
         ::leakwatch::testing::RunCommand({kPython, "-c", "import gunicorn"}).exit_code == 0;
}

// nginx with a master and two workers, all paths inside `dir`. The config is written by a shell
// that then execs nginx: the port is known only when leakwatch starts the server.
std::string NginxServer(const TempDir& dir) {
  const std::string conf = "daemon off; master_process on; worker_processes 2; pid " +
                           dir.File("nginx.pid") +
                           "; error_log stderr notice;\n"
                           "events { worker_connections 64; }\n"
                           "http { access_log off; client_body_temp_path " +
                           dir.File("body") + "; proxy_temp_path " + dir.File("proxy") +
                           "; fastcgi_temp_path " + dir.File("fastcgi") + "; uwsgi_temp_path " +
                           dir.File("uwsgi") + "; scgi_temp_path " + dir.File("scgi") +
                           ";\n"
                           "  server { listen 127.0.0.1:PORT;\n"
                           "    location = /health { return 200 '{\"status\":\"ok\"}'; }\n"
                           "    location / { return 200 'ok'; } } }\n";
  ::leakwatch::testing::WriteFile(dir.File("nginx.conf.in"), conf);
  return "server:\n"
         "  command: [/bin/sh, -c, 'sed s/PORT/{port}/ " +
         dir.File("nginx.conf.in") + " > " + dir.File("nginx.conf") + " && exec " + kNginx +
         " -e stderr -p " + dir.path() + " -c " + dir.File("nginx.conf") +
         "']\n"
         "  ready: \"http://127.0.0.1:{port}/health\"\n"
         "  grace: 2s\n";
}

// gunicorn with two sync workers serving wsgi_app; `extra` is added to its command line.
std::string GunicornServer(const std::string& extra = "") {
  return std::string("server:\n  command: ") + kPython +
         " -m gunicorn --bind 127.0.0.1:{port} --workers 2 --chdir " + LEAKWATCH_SOURCE_DIR +
         "/tests/realservers " + extra +
         " wsgi_app:app\n"
         "  ready: \"http://127.0.0.1:{port}/health\"\n"
         "  grace: 5s\n";
}

std::string Modules(const std::string& filter) {
  return "modules:\n" + GtestModule("workers", filter);
}

void ExpectNoLeakAnywhere(const RunResult& run) {
  for (const json& c : run.cases) {
    EXPECT_EQ(c["status"], "PASS") << c.dump();
    EXPECT_TRUE(c["leaks"].empty()) << c.dump();
  }
}

TEST(RealServerTest, CleanTrafficThroughNginxWorkersRaisesNoAlarm) {
  if (!Installed(kNginx)) GTEST_SKIP() << "nginx is not installed (ci/bootstrap installs it)";
  TempDir dir;
  RunResult run = RunLeakwatch(
      dir, NginxServer(dir) + Modules("Workers.ThreeHundredCleanRequests:Workers.CleanAfter*"));
  EXPECT_EQ(run.command.exit_code, 0) << run.command.out << run.command.err;
  ASSERT_EQ(run.cases.size(), 3u) << run.command.out;
  ExpectNoLeakAnywhere(run);
}

TEST(RealServerTest, ALeakInAGunicornWorkerIsBlamedOnThatWorkerAndCaseOnly) {
  if (!GunicornInstalled()) GTEST_SKIP() << "python3-gunicorn is not installed (ci/bootstrap)";
  TempDir dir;
  // No hunt: the reruns may be served by the other worker, and this test follows one request.
  RunResult run =
      RunLeakwatch(dir, GunicornServer() + Modules("Workers.*") + "checks:\n  hunt: off\n");
  EXPECT_EQ(run.command.exit_code, 1) << run.command.out << run.command.err;
  ASSERT_EQ(run.cases.size(), 5u) << run.command.out;
  EXPECT_EQ(run.status["workers Workers.ThreeHundredCleanRequests"], "PASS") << run.command.out;
  EXPECT_EQ(run.status["workers Workers.LeaksASocketInAWorker"], "LEAK") << run.command.out;
  EXPECT_EQ(run.status["workers Workers.CleanAfterTheLeak"], "PASS") << run.command.out;
  EXPECT_EQ(run.status["workers Workers.RetiresAWorker"], "PASS") << run.command.out;
  EXPECT_EQ(run.status["workers Workers.CleanAfterTheRetirement"], "PASS") << run.command.out;
  const json& leaked = CaseNamed(run, "Workers.LeaksASocketInAWorker");
  ASSERT_EQ(leaked["leaks"].size(), 1u) << leaked.dump();
  EXPECT_EQ(leaked["leaks"][0]["kinds"], json::parse(R"([{"kind":"tcp","count":1}])"));
  const pid_t worker = PidThatAnswered(run, "socket");
  EXPECT_NE(worker, 0);
  EXPECT_EQ(leaked["leaks"][0]["pid"], worker) << "the worker that served the request";
  EXPECT_THAT(leaked["leaks"][0]["command"].get<std::string>(), HasSubstr("gunicorn"));
  for (const json& event : run.report["events"]) {
    if (event["type"] == "module-started") {
      EXPECT_NE(event["server_pid"], worker);
    }
  }
}

TEST(RealServerTest, GunicornRecyclingItsWorkersMidCaseIsNotALeak) {
  if (!GunicornInstalled()) GTEST_SKIP() << "python3-gunicorn is not installed (ci/bootstrap)";
  // --max-requests 25: each worker is replaced after 25 requests, a dozen times in 300 requests.
  TempDir dir;
  RunResult run = RunLeakwatch(
      dir, GunicornServer("--max-requests 25") + Modules("Workers.ThreeHundredCleanRequests"));
  EXPECT_EQ(run.command.exit_code, 0) << run.command.out << run.command.err;
  ASSERT_EQ(run.cases.size(), 1u) << run.command.out;
  ExpectNoLeakAnywhere(run);
}

}  // namespace
}  // namespace leakwatch
