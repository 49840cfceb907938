// control_server.h — the runner side of the control protocol, for one module process.
//
// Create() makes a SOCK_SEQPACKET socket pair: child_fd() goes to the module (inherited, and
// named in LEAKWATCH_CONTROL_FD), the other end stays here. The engine polls fd() together with
// the module's pidfd and its timers, calls Receive() when it is readable, and answers every
// case-begin / case-end with Answer() once its snapshots are taken.
//
//   auto channel = ControlServer::Create();
//   spawn.keep_fds.push_back(channel->child_fd());
//   ... after the spawn: channel->CloseChildEnd();
//   auto message = channel->Receive();           // nullopt at EOF (the module closed it or died)
//   channel->Answer(!leaks.empty(), SummarizeLeaks(leaks));   // "leak server: pidfd +1 in pid ..."
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "leakwatch/control_protocol.h"
#include "leakwatch/result.h"
#include "leakwatch/unique_fd.h"

namespace leakwatch::run {

class ControlServer {
 public:
  static Result<std::unique_ptr<ControlServer>> Create();

  int fd() const { return ours_.get(); }
  int child_fd() const { return theirs_.get(); }
  // After the spawn: the module holds its copy; ours would hide its EOF.
  void CloseChildEnd() { theirs_.reset(); }

  // One packet, non-blocking. nullopt at EOF or when nothing is waiting (check eof()); a packet
  // that does not parse is an error naming it.
  Result<std::optional<control::Message>> Receive();
  bool eof() const { return eof_; }
  // "ok", or "leak <summary>". False when the client has gone.
  bool Answer(bool leak, const std::string& summary = "");

 private:
  ControlServer() = default;
  UniqueFd ours_, theirs_;
  bool eof_ = false;
};

}  // namespace leakwatch::run
