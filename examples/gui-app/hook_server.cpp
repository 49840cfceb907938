// hook_server.cpp — a minimal HTTP/1.1 responder (GET, one request per connection) and the
// routes tests drive.
#include "hook_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace gui_app {
namespace {

constexpr std::chrono::milliseconds kUiWait{5000};  // a live UI loop answers in microseconds
constexpr std::size_t kMaxRequest = 8192;

// The path of "GET /path HTTP/1.1", or "" for anything else.
std::string RequestPath(int fd) {
  std::string request;
  char buffer[1024];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < kMaxRequest) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return "";
    request.append(buffer, static_cast<std::size_t>(n));
  }
  if (request.rfind("GET /", 0) != 0) return "";
  const std::size_t end = request.find(' ', 4);
  return end == std::string::npos ? "" : request.substr(4, end - 4);
}

void Send(int fd, const Reply& reply) {
  const char* reason = reply.status == 200 ? "OK" : reply.status == 404 ? "Not Found" : "Error";
  const std::string response = "HTTP/1.1 " + std::to_string(reply.status) + " " + reason +
                               "\r\nContent-Type: " + reply.content_type +
                               "\r\nContent-Length: " + std::to_string(reply.body.size()) +
                               "\r\nConnection: close\r\n\r\n" + reply.body;
  std::size_t sent = 0;
  while (sent < response.size()) {
    const ssize_t n = send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "(unset)" : value;
}

}  // namespace

void HookServer::Serve() {
  for (;;) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const timeval guard{5, 0};  // a client that never sends must not stall the hooks
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard);
    const std::string path = RequestPath(fd);
    const Reply reply = path.empty() ? Reply{400, "text/plain", "GET only\n"} : Handle(path);
    Send(fd, reply);
    close(fd);  // before the client sees EOF: no connection outlives its request
    std::printf("gui-app: GET %s -> %d\n", path.c_str(), reply.status);
    std::fflush(stdout);
  }
}

Reply HookServer::Handle(const std::string& path) {
  if (path == "/health") return Health();
  if (path == "/whoami") {
    return {200, "text/plain",
            "pid " + std::to_string(getpid()) + "\ndisplay " + Env("DISPLAY") + "\nsession-bus " +
                Env("DBUS_SESSION_BUS_ADDRESS") + "\n"};
  }
  if (path == "/click") return OnUiThread(path, [this] { return ui_.Click(); });
  if (path == "/open-dialog") return OnUiThread(path, [this] { return ui_.OpenDialog(); });
  if (path == "/leak") return OnUiThread(path, [this] { return ui_.LeakXConnection(); });
  if (path == "/project") return OnUiThread(path, [this] { return ui_.Project(); });
  const std::string load = "/load-project/";
  if (path.rfind(load, 0) == 0 && path.size() > load.size()) {
    return OnUiThread(path,
                      [this, name = path.substr(load.size())] { return ui_.LoadProject(name); });
  }
  if (path == "/hang-ui") return HangUi();
  return {404, "text/plain", "no such hook: " + path + "\n"};
}

// Answered here, not on the UI thread: the question is whether that thread still turns.
Reply HookServer::Health() {
  if (ui_.Run([] { return std::string(); }, hung_after_)) {
    return {200, "application/json", R"({"status":"ok"})"};
  }
  return {200, "application/json",
          R"({"status":"hung","reason":"the UI loop has not ticked for )" +
              std::to_string(ui_.SinceLastTick().count()) + R"( ms"})"};
}

Reply HookServer::OnUiThread(const std::string& path, std::function<std::string()> work) {
  std::optional<std::string> answer = ui_.Run(std::move(work), kUiWait);
  if (!answer) {
    return {
        503, "text/plain",
        "the UI loop did not run " + path + " within " + std::to_string(kUiWait.count()) + " ms\n"};
  }
  return {200, "text/plain", *answer + "\n"};
}

// Blocks the UI loop for good, as a handler stuck on a lock or a synchronous call would.
Reply HookServer::HangUi() {
  auto hanging = std::make_shared<std::promise<void>>();
  std::future<void> started = hanging->get_future();
  ui_.Post([hanging] {
    hanging->set_value();
    for (;;) pause();
  });
  if (started.wait_for(kUiWait) != std::future_status::ready) {
    return {503, "text/plain", "the UI loop did not get to /hang-ui\n"};
  }
  return {200, "text/plain", "the UI loop is hung\n"};
}

}  // namespace gui_app
