// lw-bench-floor — one floor pass over /proc/PID/fd, as a program of its own.
//
//   lw-bench-floor PID        prints the number of FDs whose link was read
//
// bench/compare-snapshot times it next to `leakwatch snapshot`, lsof and psutil, so that the
// tools run as processes are compared with the floor paid the same way, process start included.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_floor.h"

int main(int argc, char** argv) {
  char* end = NULL;
  long pid = argc == 2 ? strtol(argv[1], &end, 10) : 0;
  if (argc != 2 || *end != '\0' || pid <= 0) {
    fprintf(stderr, "usage: lw-bench-floor PID\n");
    return 2;
  }
  long count = ProcfsFloorPass((pid_t)pid);
  if (count < 0) {
    fprintf(stderr, "lw-bench-floor: reading /proc/%ld/fd: %s\n", pid, strerror((int)-count));
    return 1;
  }
  printf("%ld\n", count);
  return 0;
}
