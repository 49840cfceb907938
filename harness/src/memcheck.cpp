#include "leakwatch/memcheck.h"

#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>

namespace leakwatch {

bool RunningOnValgrind() {
  return RUNNING_ON_VALGRIND != 0;
}

unsigned long DefinitelyLostBytes() {
  VALGRIND_DO_ADDED_LEAK_CHECK;
  [[maybe_unused]] unsigned long leaked = 0, dubious = 0, reachable = 0, suppressed = 0;
  VALGRIND_COUNT_LEAKS(leaked, dubious, reachable, suppressed);
  return leaked;
}

}  // namespace leakwatch
