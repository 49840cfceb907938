// procfs_floor.h — the floor of any procfs FD snapshot: list /proc/PID/fd and read every link.
//
// ProcfsFloorPass opens /proc/PID/fd, reads it with raw getdents64 into one big buffer and calls
// readlinkat on every entry; nothing is parsed, classified, allocated or kept. Every snapshot
// tool that reads procfs (leakwatch, lsof, psutil) does at least this much, so it is what
// snapshot speed is measured against. Shared by snapshot_bench (BM_Floor) and lw-bench-floor so
// that both run the very same loop.
//
//   long n = ProcfsFloorPass(pid);   // number of FDs whose link was read, or -errno
//
// Not reentrant: the directory buffer is static, so that no allocation is timed.
#ifndef LEAKWATCH_BENCH_PROCFS_FLOOR_H_
#define LEAKWATCH_BENCH_PROCFS_FLOOR_H_

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

// Returns the number of entries whose link was read (FDs that close between the directory read
// and the readlinkat are not counted), or a negative errno when /proc/PID/fd cannot be read.
long ProcfsFloorPass(pid_t pid);

#ifdef __cplusplus
}
#endif

#endif  // LEAKWATCH_BENCH_PROCFS_FLOOR_H_
