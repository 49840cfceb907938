// control_test_peer.h — the runner's side of the control protocol, played by leakwatch's own
// tests against a real test program (a GoogleTest binary, a pytest run).
//
// Starts the program with one end of a SOCK_SEQPACKET socketpair inherited and named in
// LEAKWATCH_CONTROL_FD, records every packet it sends, answers each case-begin / case-end as the
// test says, and returns the exit status and output once the program has finished.
//
//   PeerRun run = RunWithControlChannel({BinPath("lw-protocol-cases")}, {},
//       [](const Message& m) { return m.case_id == "Protocol.LeakedInServer" &&
//                                     m.type == MessageType::kCaseEnd
//                                  ? Answer::Reply("leak server: pidfd +1") : Answer::Reply("ok");
//                                  });
//   EXPECT_EQ(run.packets[1], "case-begin Protocol.Passes");
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "leakwatch/control_protocol.h"

namespace leakwatch::control::testing {

struct Answer {
  enum class Kind { kReply, kSilence, kHangUp };
  Kind kind = Kind::kReply;
  std::string packet;  // kReply: sent as it is

  static Answer Reply(std::string packet) { return {Kind::kReply, std::move(packet)}; }
  static Answer Silence() { return {Kind::kSilence, ""}; }
  // Closes the runner's end: the program sees EOF (or EPIPE) from then on.
  static Answer HangUp() { return {Kind::kHangUp, ""}; }
};

// Called for every case-begin and case-end.
using Answerer = std::function<Answer(const Message&)>;

// "ok" to everything.
Answer AlwaysOk(const Message&);

struct PeerRun {
  pid_t pid = -1;
  std::vector<std::string> packets;  // every packet the program sent, in order, as sent
  std::vector<Message> messages;     // the same, parsed (one that does not parse fails the test)
  int exit_code = -1;                // -1 when killed by a signal
  int signal = 0;
  std::string out, err;
};

// `env` entries (NAME=VALUE) are added to this process's environment, after it has lost any
// LEAKWATCH_CONTROL_* of its own; a LEAKWATCH_CONTROL_FD among them replaces the channel's number
// (the channel is still inherited). `guard` only stops a hung program (and fails the test).
PeerRun RunWithControlChannel(const std::vector<std::string>& argv,
                              const std::vector<std::string>& env, const Answerer& answer,
                              std::chrono::seconds guard = std::chrono::seconds(120));

}  // namespace leakwatch::control::testing
