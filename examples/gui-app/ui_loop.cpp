// ui_loop.cpp — the X window, its event loop, and the handlers the hook API drives.
#include "ui_loop.h"

#include <X11/Xutil.h>
#include <poll.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

extern char** environ;

namespace gui_app {
namespace {

std::chrono::steady_clock::rep Now() {
  return std::chrono::steady_clock::now().time_since_epoch().count();
}

// What a toolkit does when a dialog first needs the session bus (a portal, a settings daemon):
// with DBUS_SESSION_BUS_ADDRESS unset, libdbus and GLib auto-launch a bus of their own, a
// dbus-daemon that outlives the request. With any address set (even "disabled:") they launch
// nothing.
std::string SessionBus() {
  const char* address = std::getenv("DBUS_SESSION_BUS_ADDRESS");
  if (address != nullptr && *address != '\0') return address;
  char program[] = "dbus-daemon";
  char session[] = "--session";
  char fork[] = "--fork";
  char* argv[] = {program, session, fork, nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, program, nullptr, nullptr, argv, environ) != 0) return "none";
  int status = 0;
  waitpid(pid, &status, 0);  // --fork: returns once the daemon runs on its own
  return "auto-launched";
}

}  // namespace

UiLoop::UiLoop(Display* display)
    : display_(display), wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), last_tick_(Now()) {
  const int screen = DefaultScreen(display_);
  window_ = XCreateSimpleWindow(display_, RootWindow(display_, screen), 0, 0, 320, 120, 1,
                                BlackPixel(display_, screen), WhitePixel(display_, screen));
  XStoreName(display_, window_, "gui-app");
  XSelectInput(display_, window_, ExposureMask);
  XMapWindow(display_, window_);
  XSync(display_, False);
}

void UiLoop::Loop() {
  for (;;) {
    last_tick_ = Now();
    while (XPending(display_) > 0) {
      XEvent event;
      XNextEvent(display_, &event);
      if (event.type == Expose && event.xexpose.count == 0) Redraw();
    }
    RunPending();
    XFlush(display_);
    pollfd fds[] = {{ConnectionNumber(display_), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    poll(fds, 2, -1);
    if (fds[1].revents != 0) {
      uint64_t count = 0;
      [[maybe_unused]] ssize_t n = read(wake_fd_, &count, sizeof count);
    }
  }
}

void UiLoop::Post(std::function<void()> work) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push_back(std::move(work));
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
}

std::optional<std::string> UiLoop::Run(std::function<std::string()> work,
                                       std::chrono::milliseconds wait) {
  // Shared: a hung loop keeps the work (and its promise) queued after we gave up waiting.
  auto answer = std::make_shared<std::promise<std::string>>();
  std::future<std::string> result = answer->get_future();
  Post([answer, work = std::move(work)] { answer->set_value(work()); });
  if (result.wait_for(wait) != std::future_status::ready) return std::nullopt;
  return result.get();
}

std::chrono::milliseconds UiLoop::SinceLastTick() const {
  const auto ticks = std::chrono::steady_clock::duration(Now() - last_tick_.load());
  return std::chrono::duration_cast<std::chrono::milliseconds>(ticks);
}

void UiLoop::RunPending() {
  for (;;) {
    std::function<void()> work;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (pending_.empty()) return;
      work = std::move(pending_.front());
      pending_.pop_front();
    }
    work();
  }
}

void UiLoop::Redraw() {
  const std::string text = "clicks: " + std::to_string(clicks_) + "  project: " + Project();
  XClearWindow(display_, window_);
  XDrawString(display_, window_, DefaultGC(display_, DefaultScreen(display_)), 10, 60, text.c_str(),
              static_cast<int>(text.size()));
}

std::string UiLoop::Click() {
  ++clicks_;
  Redraw();
  return "clicks " + std::to_string(clicks_);
}

std::string UiLoop::OpenDialog() {
  const int screen = DefaultScreen(display_);
  Window dialog = XCreateSimpleWindow(display_, RootWindow(display_, screen), 40, 40, 200, 80, 1,
                                      BlackPixel(display_, screen), WhitePixel(display_, screen));
  XSetTransientForHint(display_, dialog, window_);
  XStoreName(display_, dialog, "gui-app dialog");
  XMapWindow(display_, dialog);
  XSync(display_, False);
  const std::string bus = SessionBus();
  XDestroyWindow(display_, dialog);
  XSync(display_, False);
  return "dialog opened and closed; session bus: " + bus;
}

// The planted leak: a second connection to the X server, opened in a UI handler (say, to ask
// who owns the clipboard) and never closed.
std::string UiLoop::LeakXConnection() {
  Display* clipboard = XOpenDisplay(nullptr);
  if (clipboard == nullptr) return "cannot open a second X connection";
  XGetSelectionOwner(clipboard, XInternAtom(clipboard, "CLIPBOARD", False));
  return "leaked an X connection in pid " + std::to_string(getpid());
}

std::string UiLoop::LoadProject(const std::string& name) {
  project_ = name;
  XStoreName(display_, window_, ("gui-app: " + name).c_str());
  Redraw();
  return "loaded " + name;
}

}  // namespace gui_app
