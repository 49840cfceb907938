// hold_fds.h — brings the calling process to exactly N open FDs, for the listener benchmarks.
//
//   std::vector<int> open = lwbench::HoldFds(100);   // opens /dev/null until 100 FDs are open
//
// Shared by the case binaries and listener_floor_bench so that "10 FDs" and "100 FDs" mean the
// same descriptor set (0, 1, 2 inherited, the rest /dev/null) in every program of one run.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace lwbench {

// The FD numbers open right now, ascending (without the directory stream used to list them).
inline std::vector<int> OpenFds() {
  std::vector<int> fds;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return fds;
  const int own = dirfd(dir);
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const int fd = std::atoi(entry->d_name);
    if (fd != own) fds.push_back(fd);
  }
  closedir(dir);
  std::sort(fds.begin(), fds.end());
  return fds;
}

// Opens /dev/null (O_CLOEXEC, so nothing leaks into children) until `count` FDs are open and
// returns their numbers. Exits when more than `count` are already open: the measurement would
// then not be the one asked for.
inline std::vector<int> HoldFds(int count) {
  std::vector<int> fds = OpenFds();
  if (static_cast<int>(fds.size()) > count) {
    std::fprintf(stderr, "hold_fds: %zu FDs already open, more than the %d asked for\n", fds.size(),
                 count);
    std::exit(2);
  }
  while (static_cast<int>(fds.size()) < count) {
    const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::perror("hold_fds: open /dev/null");
      std::exit(2);
    }
    fds.push_back(fd);
  }
  std::sort(fds.begin(), fds.end());
  return fds;
}

// An integer from the environment variable `name` (LW_BENCH_FDS, ...), `fallback` when unset.
inline int IntFromEnv(const char* name, int fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::atoi(text) : fallback;
}

}  // namespace lwbench
