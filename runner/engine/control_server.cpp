// control_server.cpp — the runner's end of a module's control channel.
#include "control_server.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>

namespace leakwatch::run {

Result<std::unique_ptr<ControlServer>> ControlServer::Create() {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return ErrnoError(errno, "creating a control channel");
  }
  auto server = std::unique_ptr<ControlServer>(new ControlServer());
  server->ours_.reset(pair[0]);
  // Above the stdio and activation numbers, so that the module can inherit it as it is.
  int high = ::fcntl(pair[1], F_DUPFD_CLOEXEC, 10);
  ::close(pair[1]);
  if (high < 0) return ErrnoError(errno, "moving the control channel's child end");
  server->theirs_.reset(high);
  return server;
}

Result<std::optional<control::Message>> ControlServer::Receive() {
  if (eof_ || !ours_) return std::optional<control::Message>();
  char buffer[control::kMaxPacket];
  ssize_t n;
  do {
    n = ::recv(ours_.get(), buffer, sizeof buffer, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    return std::optional<control::Message>();
  }
  if (n <= 0) {
    eof_ = true;
    return std::optional<control::Message>();
  }
  auto message = control::Parse(std::string_view(buffer, static_cast<std::size_t>(n)));
  if (!message) return message.error();
  return std::optional<control::Message>(std::move(*message));
}

bool ControlServer::Answer(bool leak, const std::string& summary) {
  control::Message reply;
  reply.type = leak ? control::MessageType::kLeak : control::MessageType::kOk;
  reply.summary = summary;
  std::string packet = control::Format(reply);
  ssize_t n;
  do {
    n = ::send(ours_.get(), packet.data(), packet.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(packet.size());
}

}  // namespace leakwatch::run
