// atomic_file.cpp — write to a temporary file, fsync, rename.
#include "leakwatch/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "leakwatch/unique_fd.h"

namespace leakwatch {
namespace {

Status WriteAll(int fd, std::string_view content) {
  while (!content.empty()) {
    ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(ErrorCode::kIo, "", errno);
    }
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  return Ok{};
}

// Writes and renames; the caller removes the temporary file when this fails.
Status WriteAndRename(const std::string& path, const std::string& tmp, std::string_view content) {
  const std::string context = "writing " + path;
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return ErrnoError(errno, context);
  if (Status written = WriteAll(fd.get(), content); !written) {
    return ErrnoError(written.error().errno_value(), context);
  }
  // Without fsync a crash after the rename can leave an empty file under the final name.
  if (::fsync(fd.get()) != 0) return ErrnoError(errno, context);
  // close() can report a delayed write error (NFS): check it rather than let UniqueFd drop it.
  if (::close(fd.release()) != 0) return ErrnoError(errno, context);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoError(errno, context);
  return Ok{};
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view content) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) return ErrnoError(error.value(), "writing " + path);
  }
  const std::string tmp = path + ".tmp";
  Status status = WriteAndRename(path, tmp, content);
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  // Make the rename itself durable; a failure here leaves a complete file, so it is not an error.
  UniqueFd dir(::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir) ::fsync(dir.get());
  return Ok{};
}

}  // namespace leakwatch
