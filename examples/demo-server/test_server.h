// test_server.h — what the demo-server tests need to drive the real binary: a process handle
// and a raw-socket HTTP client.
//
//   ServerProcess server = ServerProcess::Start({.args = {"--port", "0"}});
//   ASSERT_TRUE(server.WaitUntilListening());
//   HttpResponse r = Get(server.port(), "/health");      // r.status == 200
//   KeepAliveConnection pinned(server.port());           // in pre-fork mode: one worker's
//   pinned.Get("/whoami");                               // "pid 4243", and 4243 again next time
//
// ServerProcess is not tests/support's ChildProcess because the server needs what that one
// cannot give: stderr on the same pipe as stdout (the /crash assertion text), extra environment
// variables (NOTIFY_SOCKET) and a socket passed as fd 3 with LISTEN_PID set to the child's own
// pid (socket activation). Every read is guarded by a generous timeout that fails the test
// instead of hanging it; no timeout ever decides a pass.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace demo_server_test {

inline constexpr std::chrono::seconds kGuard{60};

struct StartOptions {
  std::vector<std::string> args;  // after the program name
  std::vector<std::string> env;   // "NAME=value", added to the test's environment
  // >= 0: passed to the server as fd 3, with LISTEN_FDS=1 and LISTEN_PID=<the server's pid>.
  int listen_fd = -1;
  // Run the server as user and group nobody (65534) when the tests run as root, so that an
  // unprivileged user owns it (for /nondumpable); ignored when they do not.
  bool as_nobody = false;
};

// demo-server, started with stdout and stderr on one pipe; its destructor kills (SIGKILL) its
// whole process tree (a master's workers and what they started) and reaps it.
class ServerProcess {
 public:
  static ServerProcess Start(const StartOptions& options);

  ServerProcess() = default;
  ServerProcess(ServerProcess&& other) noexcept;
  ServerProcess& operator=(ServerProcess&& other) noexcept;
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess();

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::int64_t listening_monotonic_ns() const { return listening_ns_; }
  const std::string& listening_line() const { return listening_line_; }
  // Everything read from the server's output so far.
  const std::string& output() const { return output_; }

  // Reads until the "listening on" line and parses port, pid and timestamp from it; false (and a
  // test failure) when the line does not come or does not parse.
  bool WaitUntilListening();
  // The next line starting with `prefix`; "" (and a test failure) on EOF or after kGuard.
  std::string ReadLineStartingWith(const std::string& prefix);
  // Reads the output until EOF (all writers gone); returns what was read in this call.
  std::string ReadToEnd();
  // Reaps the server (which must be exiting by itself); returns the wait status.
  int Wait();
  // False once the server has exited (a zombie not yet reaped counts as exited).
  bool Running();
  // SIGKILLs the server, then the descendants it had, and reaps the server.
  void Kill();

 private:
  // One line without its newline, or nullopt on EOF / after the guard.
  std::optional<std::string> ReadLine();

  pid_t pid_ = -1;      // -1 once reaped
  int output_fd_ = -1;  // -1 once closed
  int port_ = 0;
  std::int64_t listening_ns_ = 0;
  std::string listening_line_;
  std::string output_;
  std::size_t line_start_ = 0;  // where the next unread line begins in output_
};

// `--port 0` and `args`, started and listening (a test failure when it does not listen).
ServerProcess StartListening(std::vector<std::string> args = {});

// Sends SIGTERM, reads "demo-server: stopping on SIGTERM" and expects the server to exit 0.
void ExpectSigtermStopsItWithStatusZero(ServerProcess& server);

// A socket bound to 127.0.0.1 on a port the kernel picks, and listening: the test's own port.
class BoundPort {
 public:
  BoundPort();
  ~BoundPort();
  BoundPort(const BoundPort&) = delete;
  BoundPort& operator=(const BoundPort&) = delete;
  int fd() const { return fd_; }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A raw connection to 127.0.0.1:port; -1 (and a test failure) when it cannot connect.
int Connect(int port);
// Sends all of `data`; false (and a test failure) on error.
bool SendAll(int fd, const std::string& data);
// Reads until EOF (or a reset) and returns everything read; fails the test after kGuard.
std::string ReadUntilEof(int fd);
// Connects, sends `request`, reads until the server closes, closes.
std::string Exchange(int port, const std::string& request);

struct HttpResponse {
  int status = 0;       // 0 when nothing (or no valid response) came back
  std::string headers;  // the header lines, as sent
  std::string body;
  std::optional<std::string> Header(const std::string& name) const;  // case-insensitive
};
// Splits a byte stream into responses (by Content-Length); stops at the first incomplete one.
std::vector<HttpResponse> ParseResponses(const std::string& stream);
// GET `path` on a fresh connection with "Connection: close"; status 0 when no response came.
HttpResponse Get(int port, const std::string& path);

// One keep-alive connection. Every request on it is served by the process that accepted it: in
// pre-fork mode, always the same worker, which is how a test picks a worker deterministically.
class KeepAliveConnection {
 public:
  explicit KeepAliveConnection(int port);  // a test failure when it cannot connect
  ~KeepAliveConnection();
  KeepAliveConnection(const KeepAliveConnection&) = delete;
  KeepAliveConnection& operator=(const KeepAliveConnection&) = delete;

  // Sends GET `path` and reads its one response; status 0 (and a test failure) when none comes.
  HttpResponse Get(const std::string& path);
  // Sends GET `path` and does not wait for an answer (for /hang).
  bool Send(const std::string& path);

 private:
  int fd_ = -1;
};

}  // namespace demo_server_test
