// fd_reader.h — classifies one descriptor of a process through procfs (private to the harness).
//
// Shared by TakeSnapshot (which reads every descriptor) and SelfSnapshotter (which reads only
// descriptors it has not seen before). Makes only the syscalls the link text calls for: statx for
// paths, the protocol xattr for sockets, fdinfo for pidfds.
#pragma once

#include <sys/types.h>

#include <string>

#include "leakwatch/snapshot.h"

namespace leakwatch::internal {

class FdReader {
 public:
  enum Outcome { kOk, kGone, kDenied };

  // `fd_dir` is /proc/PID/fd (or /proc/self/fd), owned by the caller.
  FdReader(pid_t pid, int fd_dir);

  Outcome Read(int fd, FdInfo& out);

 private:
  int fd_dir_;
  std::string fd_path_;  // "/proc/PID/fd/": getxattr has no *at() form
  std::size_t fd_path_base_;
};

}  // namespace leakwatch::internal
