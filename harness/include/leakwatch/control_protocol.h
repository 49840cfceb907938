// control_protocol.h — the messages between a test process and `leakwatch run`.
//
// The runner passes LEAKWATCH_CONTROL_FD=<n>, an inherited SOCK_SEQPACKET Unix socket; one text
// message per packet (docs/control-protocol.md):
//   client -> runner: "hello 1 <pid> <framework>", "plan <id>" (no answer; one per case the
//                     client means to run, before the first case-begin), "case-begin <id>",
//                     "case-end <id> <passed|failed|skipped>", "bye"
//   runner -> client: "ok" or "leak <summary>", once per case-begin and case-end, sent after the
//                     runner has taken its snapshot
// Case ids are single tokens: spaces and other bytes outside printable ASCII are %-escaped.
//
//   auto message = leakwatch::control::Parse("case-end Suite.Case passed");
//   std::string packet = leakwatch::control::Format(*message);
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "leakwatch/result.h"

namespace leakwatch::control {

// The environment a runner gives a test module; every variable of the protocol is named here and
// nowhere else in leakwatch's C++ (docs/control-protocol.md documents them).
//
// The control channel: an inherited SOCK_SEQPACKET socket's number.
inline constexpr char kControlFdVariable[] = "LEAKWATCH_CONTROL_FD";
// How long a client waits for an answer ("60s", "500ms"), read by the client.
inline constexpr char kControlTimeoutVariable[] = "LEAKWATCH_CONTROL_TIMEOUT";
// "none": the runner checks nothing per case and answers nothing; the client reports the cases
// and never waits (a runner with its checks off sets it, so that no case pays for a round trip).
inline constexpr char kControlAnswersVariable[] = "LEAKWATCH_CONTROL_ANSWERS";
// Re-runs of single cases (retries, repeat hunts) in frameworks without a filter flag of their
// own (the pytest plugin): the case id to run, and how many times in a row.
inline constexpr char kSelectVariable[] = "LEAKWATCH_SELECT";
inline constexpr char kRepeatVariable[] = "LEAKWATCH_REPEAT";
// The server the module is tested against: its port (when it has one) and its root process.
inline constexpr char kServerPortVariable[] = "LEAKWATCH_SERVER_PORT";
inline constexpr char kServerPidVariable[] = "LEAKWATCH_SERVER_PID";
inline constexpr int kProtocolVersion = 1;
inline constexpr std::size_t kMaxPacket = 64 * 1024;

enum class MessageType { kHello, kPlan, kCaseBegin, kCaseEnd, kBye, kOk, kLeak };

enum class CaseOutcome { kPassed, kFailed, kSkipped };

struct Message {
  MessageType type = MessageType::kOk;
  int version = kProtocolVersion;              // hello
  pid_t pid = 0;                               // hello
  std::string framework;                       // hello: "gtest", "pytest", ...
  std::string case_id;                         // plan, case-begin, case-end (unescaped)
  CaseOutcome outcome = CaseOutcome::kPassed;  // case-end
  std::string summary;  // leak: the rest of the packet, e.g. "server: pidfd +1 in pid 42 (srv)"
};

std::string Format(const Message& message);
// kParseError naming the packet (cut short) and what is wrong with it.
Result<Message> Parse(std::string_view packet);

// %-escaping of case ids: "a b" <-> "a%20b".
std::string EscapeId(std::string_view id);
std::string UnescapeId(std::string_view id);

}  // namespace leakwatch::control
