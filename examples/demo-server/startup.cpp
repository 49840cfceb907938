// startup.cpp — listener, socket activation, readiness notification and the daemon helper of
// demo-server (see startup.h).
#include "startup.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace demo_server {
namespace {

constexpr int kListenFd = 3;  // SD_LISTEN_FDS_START

std::optional<long> EnvNumber(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return std::nullopt;
  long value = 0;
  const char* end = text + std::strlen(text);
  auto [stop, error] = std::from_chars(text, end, value);
  if (error != std::errc() || stop != end) return std::nullopt;
  return value;
}

std::string EnvText(const char* name) {
  const char* text = std::getenv(name);
  return text ? std::string("\"") + text + "\"" : "unset";
}

[[noreturn]] void RunDaemonHelper(int report_fd) {
  setsid();
  if (chdir("/") != 0) _exit(1);
  int null_fd = open("/dev/null", O_RDWR);
  if (null_fd < 0) _exit(1);
  for (int fd = 0; fd < 3; ++fd) dup2(null_fd, fd);
  // All but report_fd are closed before the report and report_fd right after it, and the server
  // reads until EOF: once it names the helper, the helper is all set up and holds only stdio.
  if (report_fd > 3) close_range(3, static_cast<unsigned>(report_fd - 1), 0);
  close_range(static_cast<unsigned>(report_fd + 1), ~0U, 0);  // null_fd too, when above it
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);  // a daemon answers SIGTERM
  prctl(PR_SET_NAME, "demo-helper");
  pid_t self = getpid();
  if (write(report_fd, &self, sizeof self) != static_cast<ssize_t>(sizeof self)) _exit(1);
  close(report_fd);
  for (;;) pause();
}

}  // namespace

Status ListenOnLoopback(int port, Fd& listener) {
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return Status::FromErrno("socket");
  // A restart on a fixed port must not wait for TIME_WAIT; a port held by a listener still
  // fails with EADDRINUSE.
  int one = 1;
  if (setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
    return Status::FromErrno("setsockopt(SO_REUSEADDR)");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    return Status::FromErrno("bind 127.0.0.1:" + std::to_string(port));
  }
  if (listen(fd.get(), SOMAXCONN) != 0) {
    return Status::FromErrno("listen 127.0.0.1:" + std::to_string(port));
  }
  listener = std::move(fd);
  return Status::Ok();
}

Status CheckListenFds() {
  std::optional<long> listen_pid = EnvNumber("LISTEN_PID");
  std::optional<long> listen_fds = EnvNumber("LISTEN_FDS");
  if (!listen_pid || *listen_pid != getpid()) {
    return Status::Error("--listen-fds: LISTEN_PID is " + EnvText("LISTEN_PID") +
                         ", not this process (" + std::to_string(getpid()) + ")");
  }
  if (!listen_fds || *listen_fds < 1) {
    return Status::Error("--listen-fds: LISTEN_FDS is " + EnvText("LISTEN_FDS") +
                         ", not a number >= 1");
  }
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  struct stat status {};
  if (fstat(kListenFd, &status) != 0) return Status::FromErrno("--listen-fds: fd 3");
  int type = 0, listening = 0;
  socklen_t size = sizeof type;
  if (!S_ISSOCK(status.st_mode) || getsockopt(kListenFd, SOL_SOCKET, SO_TYPE, &type, &size) != 0 ||
      type != SOCK_STREAM) {
    return Status::Error("--listen-fds: fd 3 is not a stream socket");
  }
  size = sizeof listening;
  if (getsockopt(kListenFd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 || !listening) {
    return Status::Error("--listen-fds: fd 3 is not listening");
  }
  Endpoint endpoint;
  if (Status s = LocalEndpoint(kListenFd, endpoint); !s.ok()) {
    return Status::Error("--listen-fds: fd 3: " + s.message());
  }
  if (fcntl(kListenFd, F_SETFD, FD_CLOEXEC) != 0) return Status::FromErrno("fcntl(fd 3)");
  // Only fd 3 is served; more passed sockets would sit unused (and count as the server's).
  if (*listen_fds > 1)
    close_range(kListenFd + 1, static_cast<unsigned>(kListenFd + *listen_fds - 1), 0);
  return Status::Ok();
}

Status TakeListenFd(Fd& listener) {
  int flags = fcntl(kListenFd, F_GETFL);
  if (flags < 0 || fcntl(kListenFd, F_SETFL, flags | O_NONBLOCK) != 0) {
    return Status::FromErrno("making fd 3 non-blocking");
  }
  listener = Fd(kListenFd);
  return Status::Ok();
}

Status LocalEndpoint(int fd, Endpoint& endpoint) {
  sockaddr_storage storage{};
  socklen_t size = sizeof storage;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &size) != 0) {
    return Status::FromErrno("getsockname");
  }
  if (storage.ss_family != AF_INET) return Status::Error("not an IPv4 socket");
  const auto& address = reinterpret_cast<const sockaddr_in&>(storage);
  char text[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &address.sin_addr, text, sizeof text);
  endpoint.address = text;
  endpoint.port = ntohs(address.sin_port);
  return Status::Ok();
}

Status CheckNotifySocket(std::string_view notify_socket) {
  constexpr std::size_t kMaxBytes = sizeof(sockaddr_un::sun_path) - 1;
  if (notify_socket.size() < 2 || notify_socket.size() > kMaxBytes ||
      (notify_socket[0] != '/' && notify_socket[0] != '@')) {
    return Status::Error("NOTIFY_SOCKET=\"" + std::string(notify_socket) +
                         "\" is neither an absolute path nor @abstract-name of at most " +
                         std::to_string(kMaxBytes) + " bytes");
  }
  return Status::Ok();
}

Status NotifyReady(std::string_view notify_socket) {
  if (Status s = CheckNotifySocket(notify_socket); !s.ok()) return s;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, notify_socket.data(), notify_socket.size());
  socklen_t size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + notify_socket.size());
  // An abstract name is the bytes after a leading NUL, exactly as long as the address says.
  if (notify_socket[0] == '@') address.sun_path[0] = '\0';
  Fd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return Status::FromErrno("socket(AF_UNIX)");
  std::string message = "READY=1\nMAINPID=" + std::to_string(getpid());
  if (sendto(fd.get(), message.data(), message.size(), MSG_NOSIGNAL,
             reinterpret_cast<const sockaddr*>(&address), size) < 0) {
    return Status::FromErrno("sending READY=1 to NOTIFY_SOCKET=" + std::string(notify_socket));
  }
  return Status::Ok();
}

Status StartDaemonHelper(pid_t& helper_pid) {
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) return Status::FromErrno("pipe2");
  Fd read_end(ends[0]);
  Fd write_end(ends[1]);
  pid_t intermediate = fork();
  if (intermediate < 0) return Status::FromErrno("fork");
  if (intermediate == 0) {
    pid_t helper = fork();
    if (helper == 0) RunDaemonHelper(write_end.get());
    _exit(helper < 0 ? 1 : 0);
  }
  write_end.Reset();  // so that read() sees EOF if the helper never reports
  // Until EOF, not just the pid: the helper closes its end once it is all set up.
  char report[sizeof(pid_t) + 1] = {};
  std::size_t got = 0;
  for (;;) {
    ssize_t n = read(read_end.get(), report + got, sizeof report - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
    if (got == sizeof report) break;  // more than a pid: not our helper's report
  }
  int status = 0;
  while (waitpid(intermediate, &status, 0) < 0 && errno == EINTR) {
  }
  pid_t reported = 0;
  std::memcpy(&reported, report, sizeof reported);
  if (got != sizeof reported) {
    return Status::Error("the daemon helper did not report its pid (intermediate child status " +
                         std::to_string(status) + ")");
  }
  helper_pid = reported;
  return Status::Ok();
}

}  // namespace demo_server
