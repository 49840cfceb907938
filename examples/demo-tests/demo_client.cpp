// demo_client.cpp — GET over a loopback socket to the server leakwatch started.
#include "demo_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace demo {

Answer Get(const std::string& path) {
  Answer answer;
  const char* port = std::getenv("LEAKWATCH_SERVER_PORT");
  if (port == nullptr) return answer;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(std::atoi(port)));
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) > 0) {
      for (;;) {
        pollfd wait{fd, POLLIN, 0};
        if (::poll(&wait, 1, 30000) <= 0) break;
        char buffer[4096];
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) break;
        response.append(buffer, static_cast<size_t>(n));
      }
    }
  }
  ::close(fd);
  if (response.rfind("HTTP/1.", 0) == 0 && response.size() > 12) {
    answer.status = std::atoi(response.c_str() + 9);
    std::size_t body = response.find("\r\n\r\n");
    if (body != std::string::npos) answer.body = response.substr(body + 4);
  }
  return answer;
}

}  // namespace demo
