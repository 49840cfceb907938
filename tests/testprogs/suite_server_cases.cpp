// suite_server_cases.cpp — GoogleTest suites against demo-server through SuiteServer and
// ServerEnvironment, for the fixtures tests to run and read:
//   Healthy          a suite server that starts and passes pre-flight: its test runs
//   DegradedAtStart  pre-flight answers HTTP 404: the suite fails with the cause, tests skipped
//   SharedCrash      the shared server is crashed by the suite's test
//   SharedAfterCrash RequireHealthy restarts the crashed shared server: its test runs
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "leakwatch/suite_server.h"

namespace {

std::string DemoServer() {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "demo-server").string();
}

leakwatch::ServerSpec DemoSpec(const std::string& health_path) {
  leakwatch::ServerSpec spec;
  spec.argv = {DemoServer(), "--port", "{port}"};
  spec.ready = leakwatch::ProbeSpec{.kind = leakwatch::ProbeKind::kLog, .target = "listening on"};
  spec.health = leakwatch::ProbeSpec{.kind = leakwatch::ProbeKind::kHttp,
                                     .target = "http://127.0.0.1:{port}" + health_path};
  return spec;
}

// Sends GET `path`; true if any answer came back (the guard only stops a hang).
bool Get(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  bool answered = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) > 0) {
      pollfd wait{fd, POLLIN, 0};
      char byte;
      answered = ::poll(&wait, 1, 30000) == 1 && ::read(fd, &byte, 1) == 1;
    }
  }
  ::close(fd);
  return answered;
}

leakwatch::ServerEnvironment* shared = nullptr;

class Healthy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server.SetUp(); }
  static void TearDownTestSuite() { server.TearDown(); }
  static inline leakwatch::SuiteServer server{DemoSpec("/health")};
};

TEST_F(Healthy, Answers) {
  EXPECT_TRUE(Get(server.port(), "/health"));
}

class DegradedAtStart : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server.SetUp(); }
  static void TearDownTestSuite() { server.TearDown(); }
  static inline leakwatch::SuiteServer server{DemoSpec("/no-such-health-endpoint")};
};

TEST_F(DegradedAtStart, NeverRuns) {
  ADD_FAILURE() << "ran against an unhealthy server";
}

class SharedCrash : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared->RequireHealthy(); }
};

TEST_F(SharedCrash, CrashesTheServer) {
  std::printf("shared pid before: %d\n", shared->pid());
  EXPECT_FALSE(Get(shared->port(), "/crash"));
}

class SharedAfterCrash : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared->RequireHealthy(); }
};

TEST_F(SharedAfterCrash, RunsOnAFreshServer) {
  std::printf("shared pid after: %d, restarts: %d\n", shared->pid(), shared->restarts());
  EXPECT_EQ(shared->restarts(), 1);
  EXPECT_TRUE(Get(shared->port(), "/health"));
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  shared = static_cast<leakwatch::ServerEnvironment*>(
      ::testing::AddGlobalTestEnvironment(new leakwatch::ServerEnvironment(DemoSpec("/health"))));
  return RUN_ALL_TESTS();
}
