// test_server.cpp — the demo-server process handle and HTTP client of the tests (see
// test_server.h).
#include "test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <regex>
#include <utility>

#include "child_process.h"
#include "test_procfs.h"

extern char** environ;

namespace demo_server_test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uid_t kNobody = 65534;

int MillisecondsLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

enum class ChunkRead { kData, kEnd, kTimedOut };

// Appends what one read of `fd` gives to `into`, waiting for it until `deadline` at the most.
// kEnd: EOF, or an error such as a reset (a crashed server).
ChunkRead ReadChunk(int fd, Clock::time_point deadline, std::string& into) {
  for (;;) {
    int left = MillisecondsLeft(deadline);
    if (left == 0) return ChunkRead::kTimedOut;
    pollfd readable{fd, POLLIN, 0};
    if (poll(&readable, 1, left) <= 0) continue;
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ChunkRead::kEnd;
    into.append(chunk, static_cast<std::size_t>(n));
    return ChunkRead::kData;
  }
}

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// Writes `value` in decimal into `out` (async-signal-safe: used between fork and exec).
void FormatDecimal(long value, char* out) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  while (n > 0) *out++ = digits[--n];
  *out = '\0';
}

}  // namespace

ServerProcess ServerProcess::Start(const StartOptions& options) {
  ServerProcess server;
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = {leakwatch::testing::BinPath("demo-server")};
  args.insert(args.end(), options.args.begin(), options.args.end());
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string variable = *entry;
    // The server must see only what the test means it to.
    if (StartsWith(variable, "LISTEN_") || StartsWith(variable, "NOTIFY_SOCKET=")) continue;
    env.push_back(std::move(variable));
  }
  env.insert(env.end(), options.env.begin(), options.env.end());
  std::size_t listen_pid_index = env.size();
  if (options.listen_fd >= 0) {
    env.push_back("LISTEN_FDS=1");
    listen_pid_index = env.size();
    env.push_back("LISTEN_PID=" + std::string(24, '\0'));  // filled in by the child
  }
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& variable : env) envp.push_back(variable.data());
  envp.push_back(nullptr);

  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return server;
  }
  bool drop_to_nobody = options.as_nobody && geteuid() == 0;
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    close(ends[0]);
    close(ends[1]);
    return server;
  }
  if (pid == 0) {
    // Groups first: after setresuid they could no longer be dropped.
    if (drop_to_nobody &&
        (setgroups(0, nullptr) != 0 || setresgid(kNobody, kNobody, kNobody) != 0 ||
         setresuid(kNobody, kNobody, kNobody) != 0)) {
      dprintf(ends[1], "dropping privileges: %s\n", std::strerror(errno));
      _exit(127);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test leaves no server behind (after the uid
                                       // change, which clears it)
    if (getppid() != parent) _exit(127);
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    dup2(ends[1], 1);
    dup2(ends[1], 2);
    int first_closed = 3;
    if (options.listen_fd >= 0) {
      if (options.listen_fd == 3) {
        fcntl(3, F_SETFD, 0);  // dup2 onto itself would keep close-on-exec
      } else {
        dup2(options.listen_fd, 3);
      }
      first_closed = 4;
      FormatDecimal(getpid(), envp[listen_pid_index] + std::strlen("LISTEN_PID="));
    }
    // Only what the server is meant to have crosses into it: the test's own descriptors would
    // show up in its snapshots.
    close_range(static_cast<unsigned>(first_closed), ~0U, 0);
    execve(argv[0], argv.data(), envp.data());
    dprintf(2, "exec %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  close(ends[1]);
  server.pid_ = pid;
  server.output_fd_ = ends[0];
  return server;
}

ServerProcess::ServerProcess(ServerProcess&& other) noexcept {
  *this = std::move(other);
}

ServerProcess& ServerProcess::operator=(ServerProcess&& other) noexcept {
  if (this != &other) {
    Kill();
    pid_ = std::exchange(other.pid_, -1);
    output_fd_ = std::exchange(other.output_fd_, -1);
    port_ = other.port_;
    listening_ns_ = other.listening_ns_;
    listening_line_ = std::move(other.listening_line_);
    output_ = std::move(other.output_);
    line_start_ = other.line_start_;
  }
  return *this;
}

ServerProcess::~ServerProcess() {
  Kill();
}

std::optional<std::string> ServerProcess::ReadLine() {
  Clock::time_point deadline = Clock::now() + kGuard;
  for (;;) {
    std::size_t newline = output_.find('\n', line_start_);
    if (newline != std::string::npos) {
      std::string line = output_.substr(line_start_, newline - line_start_);
      line_start_ = newline + 1;
      return line;
    }
    if (output_fd_ < 0) return std::nullopt;
    ChunkRead got = ReadChunk(output_fd_, deadline, output_);
    if (got == ChunkRead::kTimedOut) {
      ADD_FAILURE() << "demo-server " << pid_ << " wrote no line within " << kGuard.count()
                    << " s; output so far:\n"
                    << output_;
      return std::nullopt;
    }
    if (got == ChunkRead::kEnd) {
      close(output_fd_);
      output_fd_ = -1;  // what is left is returned as lines, then nullopt
    }
  }
}

std::string ServerProcess::ReadLineStartingWith(const std::string& prefix) {
  for (;;) {
    std::optional<std::string> line = ReadLine();
    if (!line) {
      ADD_FAILURE() << "demo-server " << pid_ << ": no line starting with \"" << prefix
                    << "\"; output:\n"
                    << output_;
      return "";
    }
    if (StartsWith(*line, prefix)) return *line;
  }
}

bool ServerProcess::WaitUntilListening() {
  std::string line = ReadLineStartingWith("demo-server: listening on ");
  static const std::regex kListening(
      R"(demo-server: listening on 127\.0\.0\.1:(\d+) pid=(\d+) monotonic_ns=(\d+))");
  std::smatch match;
  if (!std::regex_match(line, match, kListening)) {
    ADD_FAILURE() << "unexpected listening line: \"" << line << "\"";
    return false;
  }
  listening_line_ = line;
  port_ = std::stoi(match[1]);
  listening_ns_ = std::stoll(match[3]);
  EXPECT_EQ(std::stoi(match[2]), pid_) << line;
  return port_ > 0;
}

std::string ServerProcess::ReadToEnd() {
  std::size_t start = output_.size();
  while (ReadLine()) {
  }
  line_start_ = output_.size();
  return output_.substr(start);
}

int ServerProcess::Wait() {
  int status = 0;
  if (pid_ > 0) {
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  return status;
}

bool ServerProcess::Running() {
  if (pid_ <= 0) return false;
  siginfo_t info{};
  // WNOWAIT: look without reaping, so that Wait() still gets the status.
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return false;
  }
  return info.si_pid == 0;
}

void ServerProcess::Kill() {
  if (pid_ > 0) {
    // The tree is listed while the server still holds it together. The server dies first: a
    // master whose worker died first would fork a replacement (which, forked after this
    // listing, dies with the master through PR_SET_PDEATHSIG).
    std::vector<pid_t> tree = {pid_};
    for (std::size_t i = 0; i < tree.size(); ++i) {
      for (pid_t child : ChildPids(tree[i])) tree.push_back(child);
    }
    for (pid_t pid : tree) kill(pid, SIGKILL);
  }
  Wait();
  if (output_fd_ >= 0) close(output_fd_);
  output_fd_ = -1;
}

void ExpectSigtermStopsItWithStatusZero(ServerProcess& server) {
  ASSERT_EQ(kill(server.pid(), SIGTERM), 0);
  EXPECT_NE(server.ReadLineStartingWith("demo-server: stopping on SIGTERM"), "");
  int status = server.Wait();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

ServerProcess StartListening(std::vector<std::string> args) {
  args.insert(args.begin(), {"--port", "0"});
  StartOptions options;
  options.args = std::move(args);
  ServerProcess server = ServerProcess::Start(options);
  EXPECT_TRUE(server.WaitUntilListening());
  return server;
}

BoundPort::BoundPort() {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(fd_, 16) != 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    ADD_FAILURE() << "binding 127.0.0.1:0: " << std::strerror(errno);
    return;
  }
  port_ = ntohs(address.sin_port);
}

BoundPort::~BoundPort() {
  if (fd_ >= 0) close(fd_);
}

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ADD_FAILURE() << "socket: " << std::strerror(errno);
    return -1;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  while (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    if (errno == EINTR) continue;
    ADD_FAILURE() << "connect 127.0.0.1:" << port << ": " << std::strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ADD_FAILURE() << "send: " << std::strerror(errno);
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::string ReadUntilEof(int fd) {
  std::string data;
  Clock::time_point deadline = Clock::now() + kGuard;
  for (;;) {
    ChunkRead got = ReadChunk(fd, deadline, data);
    if (got == ChunkRead::kEnd) return data;
    if (got == ChunkRead::kTimedOut) {
      ADD_FAILURE() << "the server did not close the connection within " << kGuard.count()
                    << " s; read so far:\n"
                    << data;
      return data;
    }
  }
}

std::string Exchange(int port, const std::string& request) {
  int fd = Connect(port);
  if (fd < 0) return "";
  std::string response;
  if (SendAll(fd, request)) response = ReadUntilEof(fd);
  close(fd);
  return response;
}

std::optional<std::string> HttpResponse::Header(const std::string& name) const {
  std::size_t start = 0;
  while (start < headers.size()) {
    std::size_t end = headers.find("\r\n", start);
    if (end == std::string::npos) end = headers.size();
    std::string line = headers.substr(start, end - start);
    std::size_t colon = line.find(':');
    if (colon == name.size() && strncasecmp(line.c_str(), name.c_str(), name.size()) == 0) {
      std::size_t value = line.find_first_not_of(' ', colon + 1);
      return value == std::string::npos ? "" : line.substr(value);
    }
    start = end + 2;
  }
  return std::nullopt;
}

std::vector<HttpResponse> ParseResponses(const std::string& stream) {
  std::vector<HttpResponse> responses;
  std::size_t at = 0;
  static const std::regex kStatusLine(R"(HTTP/1\.1 (\d{3}) [^\r\n]*)");
  while (at < stream.size()) {
    std::size_t line_end = stream.find("\r\n", at);
    std::size_t header_end = stream.find("\r\n\r\n", at);
    if (line_end == std::string::npos || header_end == std::string::npos) break;
    std::smatch match;
    std::string status_line = stream.substr(at, line_end - at);
    if (!std::regex_match(status_line, match, kStatusLine)) break;
    HttpResponse response;
    response.status = std::stoi(match[1]);
    response.headers = stream.substr(line_end + 2, header_end - line_end - 2);
    std::optional<std::string> length = response.Header("Content-Length");
    std::size_t body_length = 0;
    if (!length ||
        std::from_chars(length->data(), length->data() + length->size(), body_length).ec !=
            std::errc()) {
      break;
    }
    std::size_t body_start = header_end + 4;
    if (stream.size() < body_start + body_length) break;
    response.body = stream.substr(body_start, body_length);
    responses.push_back(std::move(response));
    at = body_start + body_length;
  }
  return responses;
}

HttpResponse Get(int port, const std::string& path) {
  std::string stream =
      Exchange(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  std::vector<HttpResponse> responses = ParseResponses(stream);
  if (responses.size() != 1) return HttpResponse{};
  return responses.front();
}

KeepAliveConnection::KeepAliveConnection(int port) : fd_(Connect(port)) {}

KeepAliveConnection::~KeepAliveConnection() {
  if (fd_ >= 0) close(fd_);
}

bool KeepAliveConnection::Send(const std::string& path) {
  return fd_ >= 0 && SendAll(fd_, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
}

HttpResponse KeepAliveConnection::Get(const std::string& path) {
  if (!Send(path)) return HttpResponse{};
  // One request at a time, so whatever arrives belongs to its one response.
  std::string stream;
  Clock::time_point deadline = Clock::now() + kGuard;
  for (;;) {
    std::vector<HttpResponse> responses = ParseResponses(stream);
    if (!responses.empty()) return responses.front();
    ChunkRead got = ReadChunk(fd_, deadline, stream);
    if (got != ChunkRead::kData) {
      ADD_FAILURE() << "no answer to GET " << path
                    << (got == ChunkRead::kEnd ? " before the connection closed"
                                               : " within " + std::to_string(kGuard.count()) + " s")
                    << "; read so far:\n"
                    << stream;
      return HttpResponse{};
    }
  }
}

}  // namespace demo_server_test
