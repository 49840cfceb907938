// fd.h — Fd, a move-only owner of one file descriptor, and Status, an error as a value.
//
// demo-server stands alone (as a user's program would), so it carries its own two small
// helpers instead of linking the leakwatch library.
//
//   Fd fd(open(path, O_RDONLY | O_CLOEXEC));
//   if (!fd) return Status::FromErrno("opening " + path);
//   Use(fd.get());                                   // closed when `fd` goes out of scope
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace demo_server {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) Reset(std::exchange(other.fd_, -1));
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  // Gives up ownership: the caller closes it (or, in leaks.cpp, deliberately never does).
  int Release() { return std::exchange(fd_, -1); }
  void Reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;  // -1 when empty
};

class [[nodiscard]] Status {
 public:
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }
  // "<context>: <strerror(errno)>", read at the time of the call.
  static Status FromErrno(const std::string& context) {
    return Status(context + ": " + std::strerror(errno));
  }

  bool ok() const { return message_.empty(); }
  const std::string& message() const { return message_; }  // empty when ok

 private:
  Status() = default;
  explicit Status(std::string message) : message_(std::move(message)) {}

  std::string message_;
};

}  // namespace demo_server
