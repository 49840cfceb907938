// gui-app: a small X11 application with a test hook API, standing for a user's GUI under test.
// It uses no leakwatch library. See docs/gui-app.md.
//
//   gui-app --port 8080        # needs DISPLAY; serves the hooks on 127.0.0.1:8080
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "hook_server.h"
#include "ui_loop.h"

namespace {

int Usage() {
  std::fprintf(stderr, "usage: gui-app --port N [--hung-after MS]\n");
  return 2;
}

// A listening socket on 127.0.0.1:port (0: any), or -1 with the reason printed.
int Listen(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(fd, 16) != 0) {
    std::fprintf(stderr, "gui-app: bind 127.0.0.1:%d: %s\n", port, std::strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  int port = -1;
  int hung_after_ms = 500;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--port") {
      port = std::atoi(argv[i + 1]);
    } else if (flag == "--hung-after") {
      hung_after_ms = std::atoi(argv[i + 1]);
    } else {
      return Usage();
    }
  }
  if (port < 0 || argc % 2 == 0 || hung_after_ms <= 0) return Usage();

  Display* display = XOpenDisplay(nullptr);
  if (display == nullptr) {
    const char* name = std::getenv("DISPLAY");
    std::fprintf(stderr, "gui-app: cannot open display %s\n", name != nullptr ? name : "(unset)");
    return 1;
  }
  const int listen_fd = Listen(port);
  if (listen_fd < 0) return 1;
  sockaddr_in bound{};
  socklen_t size = sizeof bound;
  getsockname(listen_fd, reinterpret_cast<sockaddr*>(&bound), &size);

  gui_app::UiLoop ui(display);
  gui_app::HookServer hooks(ui, listen_fd, std::chrono::milliseconds(hung_after_ms));
  std::thread([&hooks] { hooks.Serve(); }).detach();
  std::printf("gui-app: listening on 127.0.0.1:%d pid=%d display=%s\n", ntohs(bound.sin_port),
              getpid(), DisplayString(display));
  std::fflush(stdout);
  ui.Loop();
}
