// hook_server.h — the GUI's test hook API: HTTP on 127.0.0.1, served on a thread of its own so
// that a hung UI loop is reported by /health rather than left unanswered.
//
//   HookServer hooks(ui, listen_fd, std::chrono::milliseconds(500));
//   std::thread([&] { hooks.Serve(); }).detach();
#pragma once

#include <chrono>
#include <string>

#include "ui_loop.h"

namespace gui_app {

struct Reply {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
};

class HookServer {
 public:
  // `hung_after`: how long /health waits for the UI loop before calling it hung.
  HookServer(UiLoop& ui, int listen_fd, std::chrono::milliseconds hung_after)
      : ui_(ui), listen_fd_(listen_fd), hung_after_(hung_after) {}
  // Accepts and answers one request per connection, for good.
  [[noreturn]] void Serve();
  Reply Handle(const std::string& path);

 private:
  Reply Health();
  // Runs `work` on the UI thread; 503 when the loop does not get to it.
  Reply OnUiThread(const std::string& path, std::function<std::string()> work);
  Reply HangUi();

  UiLoop& ui_;
  int listen_fd_;
  std::chrono::milliseconds hung_after_;
};

}  // namespace gui_app
