#include "fd_reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>

#include "proc_reader.h"

namespace leakwatch::internal {
namespace {

pid_t PidfdTarget(int fd_dir, int fd) {
  char path[32];
  std::snprintf(path, sizeof path, "../fdinfo/%d", fd);  // /proc/PID/fdinfo, next to fd/
  std::string text;
  if (ReadFileAt(fd_dir, path, text) != 0) return 0;
  std::string_view value = FieldValue(text, "Pid");
  return value.empty() ? 0 : static_cast<pid_t>(ParseLeadingInt(value, 0));
}

}  // namespace

FdReader::FdReader(pid_t pid, int fd_dir)
    : fd_dir_(fd_dir), fd_path_(fmt::format("/proc/{}/fd/", pid)) {
  fd_path_base_ = fd_path_.size();
}

FdReader::Outcome FdReader::Read(int fd, FdInfo& info) {
  char name[16];
  auto [end, ec] = std::to_chars(name, name + sizeof name - 1, fd);
  *end = '\0';
  char link[PATH_MAX];
  ssize_t length = readlinkat(fd_dir_, name, link, sizeof link);
  if (length < 0) return errno == EACCES || errno == EPERM ? kDenied : kGone;
  info = FdInfo{};
  info.fd = fd;
  info.target.assign(link, static_cast<std::size_t>(length));
  mode_t mode = 0;
  switch (ShapeOfLink(info.target)) {
    case LinkShape::kPath: {
      // DONT_SYNC: a descriptor on a network filesystem must not cost a round trip.
      struct statx stx {};
      if (statx(fd_dir_, name, AT_STATX_DONT_SYNC, STATX_TYPE | STATX_INO, &stx) != 0) {
        if (errno == ENOENT) return kGone;
      } else {
        mode = stx.stx_mode;
        info.inode = stx.stx_ino;
      }
      break;
    }
    case LinkShape::kSocket: {
      info.inode = InodeFromLink(info.target);
      fd_path_.resize(fd_path_base_);
      fd_path_ += name;
      char protocol[64];
      ssize_t n = getxattr(fd_path_.c_str(), "system.sockprotoname", protocol, sizeof protocol);
      if (n > 0) info.protocol.assign(protocol, strnlen(protocol, static_cast<std::size_t>(n)));
      break;
    }
    case LinkShape::kPipe:
    case LinkShape::kOther:
      info.inode = InodeFromLink(info.target);
      break;
    case LinkShape::kAnonInode:
      break;
  }
  info.kind = ClassifyFdLink(info.target, mode, info.protocol);
  if (info.kind == FdKind::kPidfd) info.pidfd_pid = PidfdTarget(fd_dir_, fd);
  return kOk;
}

}  // namespace leakwatch::internal
