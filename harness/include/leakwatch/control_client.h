// control_client.h — the test-process side of the control protocol.
//
// Made from LEAKWATCH_CONTROL_FD; absent when the variable is not set (then the GoogleTest
// listener checks its own process in-process instead). Each call that expects an answer waits at
// most `timeout` (LEAKWATCH_CONTROL_TIMEOUT, default 60 s): a slow or vanished runner never hangs
// a test, the client carries on and stops talking to it. Not thread-safe: one exchange at a time
// (test frameworks report case events from one thread).
//
//   auto client = leakwatch::control::ControlClient::FromEnvironment("gtest");
//   if (client) {
//     client->CaseBegin("Suite.Case");
//     ...
//     leakwatch::control::Reply reply = client->CaseEnd("Suite.Case", CaseOutcome::kPassed);
//     if (reply.leak) ADD_FAILURE() << "leakwatch: " << reply.summary;
//   }
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "leakwatch/control_protocol.h"
#include "leakwatch/unique_fd.h"

namespace leakwatch::control {

inline constexpr std::chrono::milliseconds kDefaultControlTimeout{60'000};

struct Reply {
  bool answered = false;  // false: timeout, or the runner is gone
  bool leak = false;
  std::string summary;  // for a leak
};

class ControlClient {
 public:
  // Null when LEAKWATCH_CONTROL_FD is unset. A set but unusable value (not a number, not an open
  // SOCK_SEQPACKET socket) prints one warning on stderr and returns null. Sends "hello" (no
  // answer is expected) and marks the descriptor close-on-exec, so that programs the tests run do
  // not inherit the channel; the variable is left as it is. A runner already gone at "hello"
  // gives a client that is not connected (a warning says so).
  static std::unique_ptr<ControlClient> FromEnvironment(const std::string& framework);
  // For tests: talk over `fd`; without `answers`, case messages are sent and not waited for.
  ControlClient(UniqueFd fd, std::chrono::milliseconds timeout, bool answers = true);
  ~ControlClient();  // sends "bye" if still connected

  // Sends "plan <id>" without waiting for an answer (there is none): a case this process means
  // to run, so that the runner can report the planned cases a crash keeps from running.
  void Plan(const std::string& case_id);
  Reply CaseBegin(const std::string& case_id);
  Reply CaseEnd(const std::string& case_id, CaseOutcome outcome);
  // Sends "bye" without waiting and closes the channel; later calls return answered=false.
  void Bye();
  bool connected() const { return fd_.valid(); }
  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  using Clock = std::chrono::steady_clock;

  Reply Exchange(const Message& message);
  // One packet, waiting for room until `deadline`; false (and disconnected) when it failed.
  bool Send(const Message& message, const std::string& what, Clock::time_point deadline);
  // Closes the channel and prints the one warning: "leakwatch: <why>; carrying on without it".
  void Disconnect(const std::string& why);

  UniqueFd fd_;  // empty once the runner is gone or timed out
  std::chrono::milliseconds timeout_;
  bool answers_;  // does the runner answer case-begin and case-end?
};

}  // namespace leakwatch::control
