// valgrind_check.h — memcheck's definitely-lost count, for the per-case memory check of both
// listener modes (private to the GoogleTest integration).
//
//   unsigned long before = internal::DefinitelyLostBytes();   // only when RUNNING_ON_VALGRIND
//   ... the case ...
//   if (DefinitelyLostBytes() > before) Report(FormatMemoryLeak(after - before));
#pragma once

#include <fmt/format.h>
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>

#include <string>

namespace leakwatch::internal {

inline unsigned long DefinitelyLostBytes() {
  // ADDED: memcheck prints only the loss records that grew since its last check.
  VALGRIND_DO_ADDED_LEAK_CHECK;
  [[maybe_unused]] unsigned long leaked = 0, dubious = 0, reachable = 0, suppressed = 0;
  VALGRIND_COUNT_LEAKS(leaked, dubious, reachable, suppressed);
  return leaked;
}

inline std::string FormatMemoryLeak(unsigned long bytes) {
  return fmt::format(
      "leakwatch: case leaked {} bytes of memory (definitely lost, Valgrind memcheck; the loss "
      "records are in Valgrind's output above)",
      bytes);
}

}  // namespace leakwatch::internal
