// ControlClient against the other end of a socketpair played by the test: the messages it sends,
// the answers it understands, and that a slow, vanished or confused runner never hangs or kills
// the test process — one warning, then every later call returns at once.
#include "leakwatch/control_client.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>
#include <string>
#include <thread>

namespace leakwatch::control {
namespace {

using std::chrono::milliseconds;

// Sets (or unsets) an environment variable for one test and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

struct Pair {
  UniqueFd client;  // the test process's end
  UniqueFd runner;  // played by the test
};

Pair SeqpacketPair() {
  int fds[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// The next packet on `fd`; "<eof>" at EOF, "<none>" when nothing came within the guard.
std::string NextPacket(int fd, milliseconds guard = milliseconds(10'000)) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(guard.count())) <= 0) return "<none>";
  char buffer[kMaxPacket];
  ssize_t n = recv(fd, buffer, sizeof buffer, 0);
  if (n <= 0) return "<eof>";
  return std::string(buffer, static_cast<std::size_t>(n));
}

void SendPacket(int fd, const std::string& packet) {
  ASSERT_EQ(send(fd, packet.data(), packet.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(packet.size()));
}

// No packet waiting right now (the client sent nothing more).
bool Quiet(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) == 0;
}

TEST(ControlClientTest, NoVariableNoClient) {
  ScopedEnv unset(kControlFdVariable, std::nullopt);
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(ControlClient::FromEnvironment("gtest"), nullptr);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST(ControlClientTest, UnusableValuesWarnOnceAndGiveNoClient) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  UniqueFd read_end(p[0]), write_end(p[1]);
  int s[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s), 0);
  UniqueFd stream(s[0]), stream_peer(s[1]);
  // High: a low free number would be taken by the file CaptureStderr opens.
  int closed = 1000;
  while (fcntl(closed, F_GETFD) != -1) ++closed;

  const std::pair<std::string, std::string> cases[] = {
      {"", "not a file descriptor number"},
      {"seven", "not a file descriptor number"},
      {"7x", "not a file descriptor number"},
      {"-1", "not a file descriptor number"},
      {std::to_string(closed), "fd " + std::to_string(closed) + " is not open"},
      {std::to_string(read_end.get()), "is not a socket"},
      {std::to_string(stream.get()), "is not a SOCK_SEQPACKET socket"},
  };
  for (const auto& [value, reason] : cases) {
    ScopedEnv set(kControlFdVariable, value);
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(ControlClient::FromEnvironment("gtest"), nullptr) << value;
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(err.rfind("leakwatch: ignoring LEAKWATCH_CONTROL_FD=" + value + ": ", 0), 0u) << err;
    EXPECT_NE(err.find(reason), std::string::npos) << value << ": " << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
}

TEST(ControlClientTest, FromEnvironmentSaysHelloAndHidesTheChannelFromExec) {
  Pair pair = SeqpacketPair();
  int fd = pair.client.get();
  ASSERT_EQ(fcntl(fd, F_SETFD, 0), 0);  // as inherited from the runner
  const std::string value = std::to_string(fd);
  ScopedEnv set(kControlFdVariable, value);
  ScopedEnv timeout(kControlTimeoutVariable, std::nullopt);
  std::unique_ptr<ControlClient> client = ControlClient::FromEnvironment("gtest");
  ASSERT_NE(client, nullptr);
  pair.client.release();  // the client owns it now
  EXPECT_TRUE(client->connected());
  EXPECT_EQ(client->timeout(), kDefaultControlTimeout);
  EXPECT_EQ(NextPacket(pair.runner.get()), "hello 1 " + std::to_string(getpid()) + " gtest");
  EXPECT_TRUE(Quiet(pair.runner.get())) << "hello expects no answer and is sent once";
  EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  ASSERT_NE(std::getenv(kControlFdVariable), nullptr) << "the variable is left as it is";
  EXPECT_EQ(std::string(std::getenv(kControlFdVariable)), value);
}

TEST(ControlClientTest, TimeoutComesFromTheEnvironment) {
  Pair pair = SeqpacketPair();
  ScopedEnv set(kControlFdVariable, std::to_string(pair.client.get()));
  {
    ScopedEnv timeout(kControlTimeoutVariable, "250ms");
    auto client = ControlClient::FromEnvironment("gtest");
    ASSERT_NE(client, nullptr);
    pair.client.release();
    EXPECT_EQ(client->timeout(), milliseconds(250));
    client->Bye();
  }
  pair = SeqpacketPair();
  ScopedEnv again(kControlFdVariable, std::to_string(pair.client.get()));
  ScopedEnv timeout(kControlTimeoutVariable, "soon");
  ::testing::internal::CaptureStderr();
  auto client = ControlClient::FromEnvironment("gtest");
  std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_NE(client, nullptr);
  pair.client.release();
  EXPECT_EQ(client->timeout(), kDefaultControlTimeout);
  EXPECT_NE(err.find("leakwatch: ignoring LEAKWATCH_CONTROL_TIMEOUT: invalid duration \"soon\""),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("waiting at most 60 s for the runner"), std::string::npos) << err;
}

TEST(ControlClientTest, ExchangesCaseMessagesAndReadsTheAnswers) {
  Pair pair = SeqpacketPair();
  ControlClient client(std::move(pair.client), milliseconds(10'000));
  // Answers queued ahead: the client sends, then finds its answer waiting.
  SendPacket(pair.runner.get(), "ok");
  Reply begin = client.CaseBegin("Suite.Case one");
  EXPECT_EQ(NextPacket(pair.runner.get()), "case-begin Suite.Case%20one");
  EXPECT_TRUE(begin.answered);
  EXPECT_FALSE(begin.leak);

  SendPacket(pair.runner.get(), "leak server: pidfd +1; test: eventfd +2");
  Reply end = client.CaseEnd("Suite.Case one", CaseOutcome::kFailed);
  EXPECT_EQ(NextPacket(pair.runner.get()), "case-end Suite.Case%20one failed");
  EXPECT_TRUE(end.answered);
  EXPECT_TRUE(end.leak);
  EXPECT_EQ(end.summary, "server: pidfd +1; test: eventfd +2");

  SendPacket(pair.runner.get(), "ok");
  EXPECT_TRUE(client.CaseEnd("S.C", CaseOutcome::kSkipped).answered);
  EXPECT_EQ(NextPacket(pair.runner.get()), "case-end S.C skipped");
  EXPECT_TRUE(client.connected());
}

TEST(ControlClientTest, PlanIsSentWithoutWaitingForAnAnswer) {
  Pair pair = SeqpacketPair();
  // A long timeout: were Plan to wait for an answer (none comes), this test would hang for it.
  ControlClient client(std::move(pair.client), milliseconds(600'000));
  client.Plan("Suite.First");
  client.Plan("t.py::test_x[a b]");
  EXPECT_EQ(NextPacket(pair.runner.get()), "plan Suite.First");
  EXPECT_EQ(NextPacket(pair.runner.get()), "plan t.py::test_x[a%20b]");
  EXPECT_TRUE(client.connected());
}

TEST(ControlClientTest, WithoutAnswersCaseMessagesAreSentAndNotWaitedFor) {
  Pair pair = SeqpacketPair();
  // A silent runner and a long timeout: a client that waited would hang here.
  ControlClient client(std::move(pair.client), milliseconds(600'000), /*answers=*/false);
  EXPECT_FALSE(client.CaseBegin("Suite.Case").answered);
  EXPECT_FALSE(client.CaseEnd("Suite.Case", CaseOutcome::kPassed).answered);
  EXPECT_EQ(NextPacket(pair.runner.get()), "case-begin Suite.Case");
  EXPECT_EQ(NextPacket(pair.runner.get()), "case-end Suite.Case passed");
  EXPECT_TRUE(client.connected()) << "not answering is not a failure in this mode";
}

TEST(ControlClientTest, AnswersNoneComesFromTheEnvironment) {
  Pair pair = SeqpacketPair();
  ScopedEnv set(kControlFdVariable, std::to_string(pair.client.get()));
  ScopedEnv answers(kControlAnswersVariable, "none");
  std::unique_ptr<ControlClient> client = ControlClient::FromEnvironment("gtest");
  ASSERT_NE(client, nullptr);
  pair.client.release();  // the client owns it now
  EXPECT_FALSE(client->CaseBegin("A.B").answered);
  EXPECT_EQ(NextPacket(pair.runner.get()), "hello 1 " + std::to_string(getpid()) + " gtest");
  EXPECT_EQ(NextPacket(pair.runner.get()), "case-begin A.B");
  EXPECT_TRUE(client->connected());
}

TEST(ControlClientTest, ByeOnDestructionOrOnRequestThenNothing) {
  Pair pair = SeqpacketPair();
  { ControlClient client(std::move(pair.client), milliseconds(10'000)); }
  EXPECT_EQ(NextPacket(pair.runner.get()), "bye");
  EXPECT_EQ(NextPacket(pair.runner.get()), "<eof>");

  pair = SeqpacketPair();
  ControlClient client(std::move(pair.client), milliseconds(10'000));
  client.Bye();
  EXPECT_FALSE(client.connected());
  EXPECT_FALSE(client.CaseBegin("A.B").answered);
  EXPECT_EQ(NextPacket(pair.runner.get()), "bye");
  EXPECT_EQ(NextPacket(pair.runner.get()), "<eof>");
}

TEST(ControlClientTest, SilentRunnerTimesOutOnceThenEveryCallReturnsAtOnce) {
  Pair pair = SeqpacketPair();
  ControlClient client(std::move(pair.client), milliseconds(100));
  ::testing::internal::CaptureStderr();
  Reply end = client.CaseEnd("Suite.Case", CaseOutcome::kPassed);
  EXPECT_FALSE(end.answered);
  EXPECT_FALSE(client.connected());
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(client.CaseBegin("Suite.Next").answered);
  EXPECT_FALSE(client.CaseEnd("Suite.Next", CaseOutcome::kPassed).answered);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(100)) << "no second wait";
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "leakwatch: the runner did not answer case-end Suite.Case within 100 ms; carrying "
            "on without it\n");
  EXPECT_EQ(NextPacket(pair.runner.get()), "case-end Suite.Case passed");
  EXPECT_EQ(NextPacket(pair.runner.get()), "<eof>") << "the channel is closed, no bye";
}

TEST(ControlClientTest, WholeSecondsAreSaidInSeconds) {
  Pair pair = SeqpacketPair();
  ControlClient client(std::move(pair.client), milliseconds(1000));
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(client.CaseBegin("A.B").answered);
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("within 1 s; carrying on without it"),
            std::string::npos);
}

TEST(ControlClientTest, VanishedRunnerNeitherHangsNorKillsTheProcess) {
  Pair pair = SeqpacketPair();
  ControlClient client(std::move(pair.client), milliseconds(10'000));
  pair.runner.reset();
  ::testing::internal::CaptureStderr();
  // Without MSG_NOSIGNAL this send would raise SIGPIPE and end the test binary here.
  EXPECT_FALSE(client.CaseBegin("A.B").answered);
  EXPECT_FALSE(client.connected());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "leakwatch: cannot send case-begin A.B to the runner: Broken pipe; carrying on "
            "without it\n");
}

TEST(ControlClientTest, RunnerClosingWhileWeWaitEndsTheWaitAtOnce) {
  Pair pair = SeqpacketPair();
  ControlClient client(std::move(pair.client), milliseconds(60'000));
  ASSERT_EQ(shutdown(pair.runner.get(), SHUT_WR), 0);  // it can still read what we send
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(client.CaseEnd("A.B", CaseOutcome::kPassed).answered);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "leakwatch: the runner closed the control channel before answering case-end A.B; "
            "carrying on without it\n");
  EXPECT_EQ(NextPacket(pair.runner.get()), "case-end A.B passed");
}

TEST(ControlClientTest, ConfusedRunnerIsLeftBehind) {
  const std::pair<std::string, std::string> cases[] = {
      {"what?", "the runner answered case-begin A.B with a malformed control message \"what?\""},
      {"case-begin X.Y",
       "the runner answered case-begin A.B with \"case-begin X.Y\", not ok or "
       "leak"},
      {std::string(kMaxPacket + 1, 'x'), "the runner's answer to case-begin A.B is longer than"},
  };
  for (const auto& [answer, warning] : cases) {
    Pair pair = SeqpacketPair();
    ControlClient client(std::move(pair.client), milliseconds(10'000));
    SendPacket(pair.runner.get(), answer);
    ::testing::internal::CaptureStderr();
    EXPECT_FALSE(client.CaseBegin("A.B").answered);
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_FALSE(client.connected());
    EXPECT_NE(err.find("leakwatch: " + warning), std::string::npos) << err;
    EXPECT_NE(err.find("; carrying on without it\n"), std::string::npos) << err;
  }
}

TEST(ControlClientTest, RunnerThatStopsReadingCannotBlockASend) {
  Pair pair = SeqpacketPair();
  // Fill the runner's queue, as a runner stuck elsewhere would let it fill.
  const std::string filler(4096, 'f');
  while (send(pair.client.get(), filler.data(), filler.size(), MSG_DONTWAIT | MSG_NOSIGNAL) > 0) {
  }
  ASSERT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK) << strerror(errno);
  ControlClient client(std::move(pair.client), milliseconds(100));
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(client.CaseBegin("A.B").answered);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "leakwatch: the runner did not take case-begin A.B within 100 ms; carrying on "
            "without it\n");
}

std::atomic<int> g_signals{0};
void CountSignal(int) {
  ++g_signals;
}

TEST(ControlClientTest, SignalsWhileWaitingDoNotEndTheWait) {
  struct sigaction action {};
  action.sa_handler = CountSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: poll() returns EINTR
  struct sigaction old {};
  ASSERT_EQ(sigaction(SIGUSR1, &action, &old), 0);
  const pthread_t waiter = pthread_self();
  for (int round = 0; round < 20; ++round) {
    Pair pair = SeqpacketPair();
    ControlClient client(std::move(pair.client), milliseconds(30'000));
    // The runner: once the case-begin is in, interrupt the waiting client, then answer.
    std::thread runner([&] {
      EXPECT_EQ(NextPacket(pair.runner.get()), "case-begin A.B");
      for (int i = 0; i < 5; ++i) pthread_kill(waiter, SIGUSR1);
      SendPacket(pair.runner.get(), "leak test: pipe +2");
    });
    Reply reply = client.CaseBegin("A.B");
    runner.join();
    EXPECT_TRUE(reply.answered) << "round " << round;
    EXPECT_EQ(reply.summary, "test: pipe +2");
    EXPECT_TRUE(client.connected());
  }
  EXPECT_GT(g_signals.load(), 0);
  sigaction(SIGUSR1, &old, nullptr);
}

}  // namespace
}  // namespace leakwatch::control
