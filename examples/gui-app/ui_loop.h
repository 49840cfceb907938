// ui_loop.h — the GUI's UI thread: one X window, its event loop, and the work other threads hand
// it (as a toolkit's "invoke on the main thread" does).
//
// Every pass of the loop records a heartbeat. Another thread can tell a live loop from a hung one
// by handing it a no-op: a live loop runs it at once (the hand-over wakes it), a hung one never.
//
//   UiLoop ui(display);
//   std::thread hooks([&] { ... ui.Run([&] { return ui.Click(); }, kWait) ... });
//   ui.Loop();  // on the main thread, for good
#pragma once

#include <X11/Xlib.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace gui_app {

class UiLoop {
 public:
  explicit UiLoop(Display* display);
  UiLoop(const UiLoop&) = delete;
  UiLoop& operator=(const UiLoop&) = delete;

  // The event loop: X events and handed-over work. Never returns.
  [[noreturn]] void Loop();

  // Hands `work` to the UI thread without waiting.
  void Post(std::function<void()> work);
  // Hands `work` to the UI thread and waits up to `wait` for its answer; nullopt when the loop
  // did not get to it in time (it is hung, or stuck in earlier work).
  std::optional<std::string> Run(std::function<std::string()> work, std::chrono::milliseconds wait);
  // How long since the loop last went round.
  std::chrono::milliseconds SinceLastTick() const;

  // UI-thread only: the handlers the hook API asks for.
  std::string Click();
  std::string OpenDialog();
  std::string LeakXConnection();
  std::string LoadProject(const std::string& name);
  std::string Project() const { return project_.empty() ? "none" : project_; }

 private:
  void Redraw();
  void RunPending();

  Display* display_;
  Window window_;
  int wake_fd_;  // eventfd: written when work is posted, read by the loop
  int clicks_ = 0;
  std::string project_;  // what /load-project loaded; UI thread only

  std::mutex mutex_;  // guards pending_
  std::deque<std::function<void()>> pending_;
  std::atomic<std::chrono::steady_clock::rep> last_tick_;
};

}  // namespace gui_app
