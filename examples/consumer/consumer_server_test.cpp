// consumer_server_test.cpp — a suite against a live server, started, checked and stopped by
// leakwatch::SuiteServer.
#include <gtest/gtest.h>

#include "leakwatch/suite_server.h"

namespace {

leakwatch::ServerSpec PythonHttpServer() {
  leakwatch::ServerSpec spec;
  spec.argv = {"python3", "-m", "http.server", "{port}", "--bind", "127.0.0.1"};
  spec.ready = leakwatch::ParseProbe("http://127.0.0.1:{port}/").value();
  return spec;
}

class StaticFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server.SetUp(); }
  static void TearDownTestSuite() { server.TearDown(); }
  static inline leakwatch::SuiteServer server{PythonHttpServer()};
};

TEST_F(StaticFiles, ServerIsUpAndHealthy) {
  ASSERT_TRUE(server.running());
  EXPECT_GT(server.port(), 0);
  EXPECT_TRUE(server.server().Preflight().ok());
}

}  // namespace
