// process_title.h — ProcessTitle, what ps and /proc/PID/cmdline show for a process, set the way
// nginx names its workers ("nginx: worker process"): by overwriting the memory of argv.
//
//   ProcessTitle title(argc, argv);              // in main, before argv could move or change
//   ...parse the flags (Set destroys the arguments)...
//   title.Set("demo-server: worker process");    // in a forked worker
//
// What is safe about it, and what it costs:
// - Only the bytes of the original arguments are reused: from argv[0] to the NUL that ends the
//   last argument, as far as the strings lie one after another (the kernel lays them out so).
//   A longer title is cut to fit. Unlike nginx, environ is not moved away to make room, so the
//   environment (getenv, /proc/PID/environ) stays intact.
// - The rest of that memory is zeroed: /proc/PID/cmdline then reads as the title followed by NUL
//   bytes (the kernel returns the whole argument area while its last byte is NUL).
// - Afterwards argv[0] reads as the title and argv[1..] as empty strings, and so does glibc's
//   program_invocation_name (which points at argv[0]): parse the flags first.
// - Call it in a child after fork: the parent's own title is untouched, so a child forked later
//   from the parent starts with the parent's command line again.
#pragma once

#include <cstddef>
#include <string_view>

namespace demo_server {

class ProcessTitle {
 public:
  ProcessTitle(int argc, char** argv);
  ProcessTitle(const ProcessTitle&) = delete;
  ProcessTitle& operator=(const ProcessTitle&) = delete;

  void Set(std::string_view title);

 private:
  char* area_ = nullptr;  // argv[0]; nullptr when there is no argument memory to reuse
  std::size_t size_ = 0;  // bytes from argv[0] to the end of the last contiguous argument's NUL
};

}  // namespace demo_server
