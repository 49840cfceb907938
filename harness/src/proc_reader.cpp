#include "proc_reader.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "leakwatch/unique_fd.h"

namespace leakwatch::internal {

int ReadFileAt(int dirfd, const char* path, std::string& out) {
  out.clear();
  UniqueFd fd(openat(dirfd, path, O_RDONLY | O_CLOEXEC));
  if (!fd) return errno;
  char chunk[4096];
  for (;;) {
    ssize_t n = read(fd.get(), chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return 0;
    out.append(chunk, static_cast<std::size_t>(n));
  }
}

int ReadNumericEntries(int dirfd, std::vector<int>& out) {
  out.clear();
  // getdents64 directly with a large buffer: fewer syscalls than readdir's 32 KiB and no DIR*
  // allocation.
  alignas(8) char buffer[64 * 1024];
  for (;;) {
    long n = syscall(SYS_getdents64, dirfd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return 0;
    for (long offset = 0; offset < n;) {
      auto* entry = reinterpret_cast<struct dirent64*>(buffer + offset);
      offset += entry->d_reclen;
      const char* name = entry->d_name;
      int value = 0;
      auto [ptr, ec] = std::from_chars(name, name + std::strlen(name), value);
      if (ec == std::errc() && *ptr == '\0') out.push_back(value);
    }
    // No shortcut on a short read: procfs can return part of a listing with room to spare
    // (seen while io_uring rings were torn down), so only an empty read ends it.
  }
}

std::string_view FieldValue(std::string_view text, std::string_view key) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':') {
      return line.substr(key.size() + 1);
    }
    pos = eol + 1;
  }
  return {};
}

long long ParseLeadingInt(std::string_view text, long long fallback) {
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + text.size(), value);
  return ec == std::errc() ? value : fallback;
}

}  // namespace leakwatch::internal

namespace leakwatch::internal {

int CountLinesAt(int dirfd, const char* path, long long& count) {
  count = 0;
  UniqueFd fd(openat(dirfd, path, O_RDONLY | O_CLOEXEC));
  if (!fd) return errno;
  char chunk[16384];
  for (;;) {
    ssize_t n = read(fd.get(), chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return 0;
    for (const char* p = chunk; (p = static_cast<const char*>(std::memchr(
                                     p, '\n', static_cast<std::size_t>(chunk + n - p))));
         ++p) {
      ++count;
    }
  }
}

}  // namespace leakwatch::internal
