// unique_fd.h — a move-only owner of a file descriptor.
//
// A resource-leak tool must be visibly leak-free itself: every descriptor leakwatch opens is held
// by a UniqueFd and closed when it goes out of scope.
//
//   leakwatch::UniqueFd dir(open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
//   if (!dir) return leakwatch::ErrnoError(errno, "opening /proc/self/fd");
//   ReadEntries(dir.get());
#pragma once

#include <unistd.h>

#include <utility>

namespace leakwatch {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }

  // Gives up ownership without closing.
  int release() { return std::exchange(fd_, -1); }
  // Closes the held descriptor (if any) and takes `fd`.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;  // -1 when empty
};

}  // namespace leakwatch
