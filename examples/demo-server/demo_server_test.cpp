// demo_server_test.cpp — starts the real demo-server binary and checks, from outside, what
// leakwatch's fixtures, benchmarks and demo rely on: the log lines, the routes, that each
// /leak/<kind> leaks exactly one resource of its kind (by snapshots of the running server) and
// /work none, the crash, the hang, signals, the daemonising helper, readiness notification,
// socket activation and the exit statuses.
//
// Every test starts its own server on a port the kernel picks (or a socket the test binds), so
// the cases run in parallel. Nothing waits by sleeping: log lines and answers are the
// synchronisation, and "no answer" is only ever asserted of a server that can never answer.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <string>

#include "child_process.h"
#include "leakwatch/resource_counts.h"
#include "leakwatch/snapshot.h"
#include "leakwatch/snapshot_diff.h"
#include "test_procfs.h"
#include "test_server.h"

namespace demo_server_test {
namespace {

using leakwatch::FdKind;
using leakwatch::ResourceCounts;
using leakwatch::Snapshot;
using leakwatch::testing::BinPath;
using leakwatch::testing::RunCommand;

// The escaped daemon helper is nobody's child we could reap: kill it whatever the test does.
class KillOnExit {
 public:
  explicit KillOnExit(pid_t pid) : pid_(pid) {}
  ~KillOnExit() {
    if (pid_ > 0) kill(pid_, SIGKILL);
  }
  KillOnExit(const KillOnExit&) = delete;
  KillOnExit& operator=(const KillOnExit&) = delete;

 private:
  pid_t pid_;
};

std::int64_t MonotonicNanoseconds() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

TEST(DemoServer, PrintsOneListeningLineAndKeepsItsDescriptorsCloseOnExec) {
  std::int64_t started_ns = MonotonicNanoseconds();
  ServerProcess server = StartListening();
  ASSERT_GT(server.port(), 0);
  EXPECT_GE(server.listening_monotonic_ns(), started_ns);
  EXPECT_LE(server.listening_monotonic_ns(), MonotonicNanoseconds());

  Snapshot snapshot = MustSnapshot(server.pid());
  EXPECT_EQ(snapshot.threads.size(), 1u);
  EXPECT_TRUE(snapshot.children.empty());
  ExpectCloseOnExec(snapshot);
}

TEST(DemoServer, HealthIsOkUntilDegradedAndThenStillA200) {
  ServerProcess server = StartListening();
  HttpResponse health = Get(server.port(), "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"ok"})");
  EXPECT_EQ(health.Header("Content-Type"), "application/json");

  HttpResponse degrade = Get(server.port(), "/degrade");
  EXPECT_EQ(degrade.status, 200);
  EXPECT_EQ(degrade.body, "degraded");

  health = Get(server.port(), "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"degraded","reason":"worker pool shut down"})");
  EXPECT_TRUE(server.Running());
  EXPECT_NE(server.ReadLineStartingWith("demo-server: GET /degrade -> 200"), "");
}

struct LeakCase {
  const char* kind;
  std::optional<FdKind> fd_kind;  // nullopt: a thread or a child
};

void PrintTo(const LeakCase& leak, std::ostream* out) {
  *out << leak.kind;
}

class LeakTest : public ::testing::TestWithParam<LeakCase> {};

TEST_P(LeakTest, LeaksExactlyOneOfItsKind) {
  const LeakCase& leak = GetParam();
  ServerProcess server = StartListening();
  Snapshot before = MustSnapshot(server.pid());

  HttpResponse response = Get(server.port(), std::string("/leak/") + leak.kind);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body,
            std::string("leaked ") + leak.kind + " in pid " + std::to_string(server.pid()));

  ResourceCounts expected;
  if (leak.fd_kind) expected.fds[*leak.fd_kind] = 1;
  if (std::string(leak.kind) == "thread") expected.threads = 1;
  if (std::string(leak.kind) == "child") expected.children = 1;
  leakwatch::SnapshotDiff diff = ExpectGrowth(before, server.pid(), expected);

  if (std::string(leak.kind) == "pidfd" && diff.fds_added.size() == 1) {
    EXPECT_EQ(diff.fds_added[0].pidfd_pid, -1) << "the renderer was reaped: an orphaned pidfd";
  }
  if (std::string(leak.kind) == "fd" && diff.fds_added.size() == 1) {
    EXPECT_EQ(diff.fds_added[0].target, "/proc/" + std::to_string(server.pid()) + "/status");
  }
  if (std::string(leak.kind) == "thread" && diff.threads_added.size() == 1) {
    EXPECT_EQ(diff.threads_added[0].name, "demo-sync");
  }
  if (std::string(leak.kind) == "child" && diff.children_added.size() == 1) {
    EXPECT_EQ(diff.children_added[0].ppid, server.pid());
    EXPECT_NE(diff.children_added[0].state, leakwatch::ProcessState::kZombie);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, LeakTest,
    ::testing::Values(LeakCase{"fd", FdKind::kFile}, LeakCase{"pidfd", FdKind::kPidfd},
                      LeakCase{"eventpoll", FdKind::kEventpoll}, LeakCase{"socket", FdKind::kTcp},
                      LeakCase{"eventfd", FdKind::kEventfd}, LeakCase{"timerfd", FdKind::kTimerfd},
                      LeakCase{"thread", std::nullopt}, LeakCase{"child", std::nullopt}),
    [](const ::testing::TestParamInfo<LeakCase>& info) { return std::string(info.param.kind); });

TEST(DemoServer, WhoamiAnswersItsPid) {
  ServerProcess server = StartListening();
  HttpResponse response = Get(server.port(), "/whoami");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "pid " + std::to_string(server.pid()));
}

TEST(DemoServer, RetireAnswersThenExitsZero) {
  ServerProcess server = StartListening();
  HttpResponse response = Get(server.port(), "/retire");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "retiring pid " + std::to_string(server.pid()));
  EXPECT_EQ(response.Header("Connection"), "close");
  int status = server.Wait();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(server.ReadLineStartingWith("demo-server: GET /retire -> 200"), "");
}

TEST(DemoServer, RetireOnAKeepAliveConnectionClosesItAfterTheAnswer) {
  ServerProcess server = StartListening();
  int fd = Connect(server.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /retire HTTP/1.1\r\n\r\n"));
  std::vector<HttpResponse> responses = ParseResponses(ReadUntilEof(fd));  // EOF: it closed
  close(fd);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[0].Header("Connection"), "close");
  int status = server.Wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(DemoServer, NondumpableHidesItsFdsFromUnprivilegedReaders) {
  StartOptions options;
  options.args = {"--port", "0"};
  options.as_nobody = true;
  ServerProcess server = ServerProcess::Start(options);
  ASSERT_TRUE(server.WaitUntilListening());
  ASSERT_TRUE(UnprivilegedCanListFds(server.pid())) << "a dumpable server's own user reads it";

  HttpResponse response = Get(server.port(), "/nondumpable");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "pid " + std::to_string(server.pid()) + " is not dumpable");
  EXPECT_FALSE(UnprivilegedCanListFds(server.pid()));
  EXPECT_EQ(Get(server.port(), "/health").status, 200) << "and it goes on serving";
}

TEST(DemoServer, UnknownLeakKindIs404ListingTheKinds) {
  ServerProcess server = StartListening();
  HttpResponse response = Get(server.port(), "/leak/memory");
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(response.body.find("fd, pidfd, eventpoll, socket, eventfd, timerfd, thread, child"),
            std::string::npos)
      << response.body;
}

TEST(DemoServer, FiftyWorkRequestsLeaveNothingBehind) {
  ServerProcess server = StartListening();
  Snapshot before = MustSnapshot(server.pid());
  for (int i = 0; i < 50; ++i) {
    HttpResponse response = Get(server.port(), "/work");
    ASSERT_EQ(response.status, 200) << "request " << i;
    ASSERT_EQ(response.body, "ok");
  }
  ExpectGrowth(before, server.pid(), ResourceCounts{});
}

TEST(DemoServer, LeakEveryThreeLeaksOnePidfdPerThreeWorkRequests) {
  ServerProcess server = StartListening({"--leak-every", "3"});
  Snapshot before = MustSnapshot(server.pid());
  for (int i = 1; i <= 7; ++i) {
    ASSERT_EQ(Get(server.port(), "/work").status, 200);
    ResourceCounts expected;
    expected.fds[FdKind::kPidfd] = i / 3;
    SCOPED_TRACE("after " + std::to_string(i) + " /work requests");
    ExpectGrowth(before, server.pid(), expected);
  }
}

TEST(DemoServer, AnswersPipelinedRequestsInOrderAndHonoursConnectionClose) {
  ServerProcess server = StartListening();
  std::string stream = Exchange(server.port(),
                                "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                                "GET /nowhere HTTP/1.1\r\n\r\n"
                                "POST /health HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
                                "GET /work?x=1 HTTP/1.1\r\nConnection: close\r\n\r\n"
                                "GET /health HTTP/1.1\r\n\r\n");  // after close: not answered
  std::vector<HttpResponse> responses = ParseResponses(stream);
  ASSERT_EQ(responses.size(), 4u) << stream;
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[0].Header("Connection"), "keep-alive");
  EXPECT_EQ(responses[1].status, 404);
  EXPECT_EQ(responses[2].status, 405);
  EXPECT_EQ(responses[2].Header("Allow"), "GET");
  EXPECT_EQ(responses[3].status, 200);
  EXPECT_EQ(responses[3].body, "ok");
  EXPECT_EQ(responses[3].Header("Connection"), "close");
  for (const HttpResponse& response : responses) {
    EXPECT_TRUE(response.Header("Content-Length").has_value());
  }
  EXPECT_NE(server.ReadLineStartingWith("demo-server: GET /work?x=1 -> 200"), "");
}

TEST(DemoServer, ReadsARequestThatArrivesInPieces) {
  ServerProcess server = StartListening();
  int fd = Connect(server.port());
  ASSERT_GE(fd, 0);
  const std::string request = "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n";
  // Byte by byte: TCP may or may not coalesce the pieces, and both must work.
  for (char c : request) ASSERT_TRUE(SendAll(fd, std::string(1, c)));
  std::vector<HttpResponse> responses = ParseResponses(ReadUntilEof(fd));
  close(fd);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
}

TEST(DemoServer, HttpOneZeroClosesAfterTheAnswer) {
  ServerProcess server = StartListening();
  std::vector<HttpResponse> responses =
      ParseResponses(Exchange(server.port(), "GET /health HTTP/1.0\r\n\r\n"));
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[0].Header("Connection"), "close");
}

TEST(DemoServer, MalformedAndOversizedRequestsAreRefused) {
  ServerProcess server = StartListening();
  std::vector<HttpResponse> malformed =
      ParseResponses(Exchange(server.port(), "NOT A REQUEST\r\n\r\n"));
  ASSERT_EQ(malformed.size(), 1u);
  EXPECT_EQ(malformed[0].status, 400);
  EXPECT_EQ(malformed[0].Header("Connection"), "close");

  std::vector<HttpResponse> oversized = ParseResponses(Exchange(
      server.port(), "GET /health HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"));
  ASSERT_EQ(oversized.size(), 1u);
  EXPECT_EQ(oversized[0].status, 431);

  std::vector<HttpResponse> version =
      ParseResponses(Exchange(server.port(), "GET /health HTTP/2.0\r\n\r\n"));
  ASSERT_EQ(version.size(), 1u);
  EXPECT_EQ(version[0].status, 505);

  EXPECT_EQ(Get(server.port(), "/health").status, 200);  // and it goes on serving
}

TEST(DemoServer, CrashAbortsWithTheAssertionOnStderr) {
  ServerProcess server = StartListening();
  HttpResponse response = Get(server.port(), "/crash");
  EXPECT_EQ(response.status, 0) << "a crashing server answers nothing";
  int status = server.Wait();
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGABRT);
  server.ReadToEnd();
  EXPECT_NE(
      server.output().find("demo-server: assertion failed: ui_loop.cpp:142: widget != nullptr\n"),
      std::string::npos)
      << server.output();
}

TEST(DemoServer, HangAnswersNothingAndLeavesSigtermPending) {
  ServerProcess server = StartListening();
  int hung = Connect(server.port());
  ASSERT_GE(hung, 0);
  ASSERT_TRUE(SendAll(hung, "GET /hang HTTP/1.1\r\n\r\n"));
  // The loop logs before it hangs: from here on it can never answer.
  ASSERT_NE(server.ReadLineStartingWith("demo-server: GET /hang -> hang"), "");

  int probe = Connect(server.port());  // the kernel still completes connects (backlog)
  ASSERT_GE(probe, 0);
  ASSERT_TRUE(SendAll(probe, "GET /health HTTP/1.1\r\n\r\n"));
  // A negative check: a hung server never answers, so this cannot fail spuriously.
  pollfd fds[] = {{probe, POLLIN, 0}, {hung, POLLIN, 0}};
  EXPECT_EQ(poll(fds, 2, 200), 0) << "the hung server answered";
  close(probe);
  close(hung);

  ASSERT_EQ(kill(server.pid(), SIGTERM), 0);
  // Blocked in every thread and read by nobody, SIGTERM stays in the shared pending set.
  unsigned long long pending = std::stoull(StatusField(server.pid(), "ShdPnd"), nullptr, 16);
  EXPECT_TRUE(pending & (1ull << (SIGTERM - 1))) << std::hex << pending;
  EXPECT_TRUE(server.Running());
  server.Kill();  // only SIGKILL ends it
}

TEST(DemoServer, IgnoreSigtermLogsItAndGoesOnServing) {
  ServerProcess server = StartListening({"--ignore-sigterm"});
  ASSERT_EQ(kill(server.pid(), SIGTERM), 0);
  ASSERT_NE(server.ReadLineStartingWith("demo-server: ignoring SIGTERM"), "");
  HttpResponse response = Get(server.port(), "/health");
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(server.Running());
}

TEST(DemoServer, SigtermStopsItWithStatusZero) {
  ServerProcess server = StartListening();
  ASSERT_EQ(Get(server.port(), "/work").status, 200);
  ExpectSigtermStopsItWithStatusZero(server);
}

TEST(DemoServer, DaemonHelperEscapesIntoItsOwnSession) {
  StartOptions options;
  options.args = {"--port", "0", "--daemon-helper"};
  ServerProcess server = ServerProcess::Start(options);
  std::string line = server.ReadLineStartingWith("demo-server: daemon helper pid=");
  ASSERT_NE(line, "");
  pid_t helper = std::stoi(line.substr(line.find('=') + 1));
  ASSERT_GT(helper, 0);
  KillOnExit kill_helper(helper);  // it escapes by design: nobody else will
  ASSERT_TRUE(server.WaitUntilListening());

  EXPECT_EQ(StatField(helper, 6), std::to_string(helper)) << "session id";
  EXPECT_NE(StatField(helper, 4), std::to_string(server.pid())) << "parent";
  EXPECT_NE(StatField(helper, 3), "Z");
  Snapshot snapshot = MustSnapshot(server.pid());
  EXPECT_TRUE(snapshot.children.empty()) << "the intermediate child is reaped, the helper gone";
  Snapshot helper_snapshot = MustSnapshot(helper);
  for (const leakwatch::FdInfo& fd : helper_snapshot.fds) {
    EXPECT_LT(fd.fd, 3) << fd.target;
    EXPECT_EQ(fd.target, "/dev/null");
  }
}

TEST(DemoServer, NotifySendsReadyToAnAbstractSocket) {
  static std::atomic<int> counter{0};
  std::string name = "leakwatch-demo-notify-" + std::to_string(getpid()) + "-" +
                     std::to_string(MonotonicNanoseconds()) + "-" + std::to_string(++counter);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data(), name.size());  // sun_path[0] = 0: abstract
  socklen_t size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), size), 0) << std::strerror(errno);

  StartOptions options;
  options.args = {"--port", "0", "--notify"};
  options.env = {"NOTIFY_SOCKET=@" + name};
  ServerProcess server = ServerProcess::Start(options);
  ASSERT_TRUE(server.WaitUntilListening());
  pollfd readable{fd, POLLIN, 0};
  ASSERT_EQ(poll(&readable, 1, static_cast<int>(kGuard.count() * 1000)), 1)
      << "no notification within " << kGuard.count() << " s";
  char message[256];
  ssize_t n = recv(fd, message, sizeof message, 0);
  close(fd);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(message, static_cast<std::size_t>(n)),
            "READY=1\nMAINPID=" + std::to_string(server.pid()));
}

TEST(DemoServer, NotifyWithoutNotifySocketIsAUsageError) {
  leakwatch::testing::CommandResult result =
      RunCommand({"/usr/bin/env", "-u", "NOTIFY_SOCKET", BinPath("demo-server"), "--notify"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("NOTIFY_SOCKET is not set"), std::string::npos) << result.err;
}

TEST(DemoServer, ListenFdsServesOnTheSocketItIsGiven) {
  BoundPort port;
  ASSERT_GT(port.port(), 0);
  StartOptions options;
  options.args = {"--listen-fds"};
  options.listen_fd = port.fd();
  ServerProcess server = ServerProcess::Start(options);
  ASSERT_TRUE(server.WaitUntilListening());
  EXPECT_EQ(server.port(), port.port());
  HttpResponse response = Get(port.port(), "/health");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"status":"ok"})");
}

TEST(DemoServer, ListenFdsForAnotherProcessIsAUsageError) {
  leakwatch::testing::CommandResult result = RunCommand(
      {"/usr/bin/env", "LISTEN_PID=1", "LISTEN_FDS=1", BinPath("demo-server"), "--listen-fds"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("LISTEN_PID"), std::string::npos) << result.err;
}

TEST(DemoServer, PortInUseExitsOneWithTheReason) {
  BoundPort taken;
  ASSERT_GT(taken.port(), 0);
  leakwatch::testing::CommandResult result =
      RunCommand({BinPath("demo-server"), "--port", std::to_string(taken.port())});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "demo-server: bind 127.0.0.1:" + std::to_string(taken.port()) +
                            ": Address already in use\n");
}

TEST(DemoServer, BadFlagsExitTwo) {
  for (std::vector<std::string> flags :
       std::vector<std::vector<std::string>>{{"--no-such-flag"},
                                             {"--port", "http"},
                                             {"--port", "70000"},
                                             {"--slow-start", "-5"},
                                             {"--leak-every"},
                                             {"--workers", "-1"},
                                             {"--workers", "two"},
                                             {"--port", "0", "--listen-fds"},
                                             {"extra"}}) {
    flags.insert(flags.begin(), BinPath("demo-server"));
    leakwatch::testing::CommandResult result = RunCommand(flags);
    EXPECT_EQ(result.exit_code, 2) << flags[1] << ": " << result.err;
    EXPECT_FALSE(result.err.empty()) << flags[1];
  }
  leakwatch::testing::CommandResult help = RunCommand({BinPath("demo-server"), "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--leak-every"), std::string::npos) << help.out;
}

TEST(DemoServer, SlowStartListensNoSoonerThanAsked) {
  std::int64_t started_ns = MonotonicNanoseconds();
  ServerProcess server = StartListening({"--slow-start", "300"});
  // A lower bound only: the sleep can take longer on a loaded machine, never less.
  EXPECT_GE(server.listening_monotonic_ns() - started_ns, 300'000'000);
  EXPECT_EQ(Get(server.port(), "/health").status, 200);
}

}  // namespace
}  // namespace demo_server_test
