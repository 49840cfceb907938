// leaky_cases — planted leaks for the detector canaries; run as a subprocess, never by ctest.
//
// For every kind in planted_kinds.h it registers
//   Leaky.<Kind>         acquires exactly one resource of the kind and keeps it (the leak);
//   Clean.<Kind>/<i>     the same pattern, resource released (kCleanRuns separate cases);
// and two repeat-hunt patterns:
//   Hunt.LeaksOnFirstRunOnly   lazy initialisation: one eventfd, opened on the first run only;
//   Hunt.LeaksEveryRun         one eventfd more on every run.
// It links leakwatch::gtest_main, so the listener checks each case as in any user's test binary.
//
//   leaky_cases --gtest_filter=Leaky.Pidfd       # exit 1: "leakwatch: case leaked 1 pidfd ..."
//   leaky_cases --gtest_filter='Clean.Pidfd/*'   # exit 0: 1,000 clean cases
//
// A kind the machine does not allow (a syscall refused by kernel config, a sysctl or missing
// privileges; a device that is not there) is detected when the case runs and skipped with
// "leaky_cases: cannot plant <kind> here: <reason>", which the detector turns into a skip.
// Nothing outlives the process: a leaked thread blocks until the process exits, a leaked child
// dies with its parent (PR_SET_PDEATHSIG) and holds no descriptor of ours.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <linux/sched.h>  // struct clone_args: glibc 2.36 has no clone3 wrapper
#include <linux/userfaultfd.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "planted_kinds.h"

namespace {

using leakwatch::canaries::kCannotPlantPrefix;
using leakwatch::canaries::kCleanRuns;
using leakwatch::canaries::kPlantedKinds;

// What an attempt to acquire one resource came to.
struct Attempt {
  enum class Outcome {
    kHeld,     // acquired; `release` gives it back
    kRefused,  // the machine does not allow it here (a skip, not a failure); `why` says why
    kFailed,   // an error that should not happen (a test failure); `why` says what
  };
  Outcome outcome = Outcome::kFailed;
  std::string why;
  std::function<void()> release;
  // kHeld, optional: what keeping the resource for good takes beyond not releasing it (a
  // std::thread must be detached, or its destructor ends the process).
  std::function<void()> abandon;
};

Attempt Held(std::function<void()> release, std::function<void()> abandon = nullptr) {
  return {Attempt::Outcome::kHeld, "", std::move(release), std::move(abandon)};
}

Attempt Refused(std::string why) {
  return {Attempt::Outcome::kRefused, std::move(why), nullptr, nullptr};
}

Attempt Failed(std::string why) {
  return {Attempt::Outcome::kFailed, std::move(why), nullptr, nullptr};
}

// errno values that mean "not on this machine": syscall or family compiled out or disabled by a
// sysctl, missing privilege, absent address or device. Anything else is a real failure.
bool IsRefusal(int err) {
  switch (err) {
    case ENOSYS:
    case EPERM:
    case EACCES:
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT:
    case ESOCKTNOSUPPORT:
    case EOPNOTSUPP:
    case EADDRNOTAVAIL:
    case ENODEV:
    case ENXIO:
    case ENOMEDIUM:
    case ENOENT:
      return true;
    default:
      return false;
  }
}

Attempt FromErrno(const std::string& what, int err) {
  std::string why = what + ": " + std::strerror(err);
  if (IsRefusal(err)) return Refused(std::move(why));
  return Failed(std::move(why));
}

// The usual shape: a call that returns one new FD, released by close().
Attempt FdOrErrno(int fd, const std::string& what) {
  if (fd < 0) return FromErrno(what, errno);
  return Held([fd] { close(fd); });
}

// --- paths and devices ---------------------------------------------------------------------

Attempt AcquireFile() {
  // Our own executable: a regular file that certainly exists, and no temporary file to clean up.
  return FdOrErrno(open("/proc/self/exe", O_RDONLY | O_CLOEXEC), "open /proc/self/exe");
}

Attempt AcquireDir() {
  // opendir without closedir: the classic directory-walk leak.
  DIR* dir = opendir("/");
  if (dir == nullptr) return FromErrno("opendir /", errno);
  return Held([dir] { closedir(dir); });
}

Attempt AcquireChr() {
  return FdOrErrno(open("/dev/null", O_RDONLY | O_CLOEXEC), "open /dev/null");
}

// The first block device node in /dev, loop devices first (opening an unbound loop device has
// no side effect); "" when there is none, as in most containers.
std::string FindBlockDevice() {
  std::vector<std::string> found;
  if (DIR* dev = opendir("/dev")) {
    while (dirent* e = readdir(dev)) {
      std::string path = std::string("/dev/") + e->d_name;
      struct stat st {};
      if (lstat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode)) found.push_back(path);
    }
    closedir(dev);
  }
  std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
    bool a_loop = a.rfind("/dev/loop", 0) == 0, b_loop = b.rfind("/dev/loop", 0) == 0;
    return a_loop != b_loop ? a_loop : a < b;
  });
  return found.empty() ? "" : found.front();
}

Attempt AcquireBlk() {
  std::string path = FindBlockDevice();
  if (path.empty()) return Refused("no block device node in /dev");
  return FdOrErrno(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC), "open " + path);
}

Attempt AcquireFifo() {
  // Made in a private directory, opened, and removed at once: nothing stays on disk even when
  // the process is killed, and parallel runs never share a path.
  const char* base = std::getenv("TMPDIR");
  std::string dir = std::string(base && *base ? base : "/tmp") + "/leaky-fifo.XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) return FromErrno("mkdtemp " + dir, errno);
  std::string path = dir + "/fifo";
  int fd = -1;
  int err = 0;
  if (mkfifo(path.c_str(), 0600) != 0) {
    err = errno;
  } else if ((fd = open(path.c_str(), O_RDWR | O_CLOEXEC)) < 0) {  // O_RDWR: does not block
    err = errno;
  }
  unlink(path.c_str());
  rmdir(dir.c_str());
  if (fd < 0) return FromErrno("mkfifo/open " + path, err);
  return Held([fd] { close(fd); });
}

Attempt AcquirePipe() {
  // pipe() makes two FDs; the writer is closed at once so that exactly one (the reader) leaks.
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return FromErrno("pipe2", errno);
  close(p[1]);
  return Held([fd = p[0]] { close(fd); });
}

// --- sockets -------------------------------------------------------------------------------

// A socket bound to the loopback address of `family` on port 0 (the kernel picks a free port, so
// parallel runs never collide), listening when it is a stream socket.
Attempt BoundLoopbackSocket(int family, int type, const std::string& what) {
  int fd = socket(family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return FromErrno("socket " + what, errno);
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    len = sizeof *a;
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      (type == SOCK_STREAM && listen(fd, 4) != 0)) {
    int err = errno;
    close(fd);
    return FromErrno("bind/listen " + what + " on loopback port 0", err);
  }
  return Held([fd] { close(fd); });
}

Attempt AcquireTcp() {
  return BoundLoopbackSocket(AF_INET, SOCK_STREAM, "tcp");
}
Attempt AcquireTcp6() {
  return BoundLoopbackSocket(AF_INET6, SOCK_STREAM, "tcp6");
}
Attempt AcquireUdp() {
  return BoundLoopbackSocket(AF_INET, SOCK_DGRAM, "udp");
}
Attempt AcquireUdp6() {
  return BoundLoopbackSocket(AF_INET6, SOCK_DGRAM, "udp6");
}

Attempt AcquireUnix() {
  return FdOrErrno(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket AF_UNIX");
}

Attempt AcquireNetlink() {
  return FdOrErrno(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), "socket AF_NETLINK");
}

Attempt AcquireOtherSocket() {
  // Any family leakwatch does not name: AF_PACKET (root), else an ICMP "ping" socket (allowed by
  // net.ipv4.ping_group_range), else AF_ALG (kernel crypto API). Protocol 0 on AF_PACKET binds
  // to no traffic, so the socket never receives a packet.
  struct Candidate {
    int family, type, protocol;
    const char* what;
  };
  const Candidate candidates[] = {
      {AF_PACKET, SOCK_DGRAM, 0, "AF_PACKET"},
      {AF_INET, SOCK_DGRAM, IPPROTO_ICMP, "ICMP ping"},
      {AF_ALG, SOCK_SEQPACKET, 0, "AF_ALG"},
  };
  std::string refusals;
  for (const Candidate& c : candidates) {
    int fd = socket(c.family, c.type | SOCK_CLOEXEC, c.protocol);
    if (fd >= 0) return Held([fd] { close(fd); });
    Attempt a = FromErrno(std::string("socket ") + c.what, errno);
    if (a.outcome != Attempt::Outcome::kRefused) return a;
    refusals += (refusals.empty() ? "" : "; ") + a.why;
  }
  return Refused(refusals);
}

// --- anonymous inodes ----------------------------------------------------------------------

Attempt AcquireEventpoll() {
  return FdOrErrno(epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
}
Attempt AcquireEventfd() {
  return FdOrErrno(eventfd(0, EFD_CLOEXEC), "eventfd");
}

Attempt AcquireTimerfd() {
  return FdOrErrno(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC), "timerfd_create");
}

Attempt AcquireSignalfd() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  return FdOrErrno(signalfd(-1, &set, SFD_CLOEXEC), "signalfd");
}

Attempt AcquireInotify() {
  return FdOrErrno(inotify_init1(IN_CLOEXEC), "inotify_init1");
}

Attempt AcquireFanotify() {
  return FdOrErrno(fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC, O_RDONLY), "fanotify_init");
}

// clone3(CLONE_PIDFD) of a child that execs a binary that does not exist, reaped through the
// pidfd: the pidfd leak of DESIGN.md's incident. The child makes only async-signal-safe calls.
Attempt AcquirePidfd() {
  static const char kMissing[] = "/nonexistent/leaky-cases-no-such-binary";
  char* const argv[] = {const_cast<char*>(kMissing), nullptr};
  char* const envp[] = {nullptr};
  int pidfd = -1;
  clone_args args{};
  args.flags = CLONE_PIDFD;
  args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) {
    execve(kMissing, argv, envp);
    _exit(127);
  }
  if (pid < 0) return FromErrno("clone3(CLONE_PIDFD)", errno);
  siginfo_t info{};
  int r;
  while ((r = waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED)) <
             0 &&
         errno == EINTR) {
  }
  if (r != 0) {
    int err = errno;
    close(pidfd);
    return Failed(std::string("waitid(P_PIDFD): ") + std::strerror(err));
  }
  return Held([pidfd] { close(pidfd); });
}

Attempt AcquireMemfd() {
  return FdOrErrno(memfd_create("leaky-memfd", MFD_CLOEXEC), "memfd");
}

Attempt AcquireIoUring() {
  // A one-entry ring and no submissions: no io-wq worker thread is started, so exactly one FD.
  io_uring_params params{};
  return FdOrErrno(static_cast<int>(syscall(SYS_io_uring_setup, 1, &params)),
                   "io_uring_setup (see sysctl kernel.io_uring_disabled)");
}

Attempt AcquireBpf() {
  bpf_attr attr{};
  attr.map_type = BPF_MAP_TYPE_ARRAY;
  attr.key_size = 4;
  attr.value_size = 4;
  attr.max_entries = 1;
  attr.map_flags = 0;
  return FdOrErrno(static_cast<int>(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr)),
                   "bpf(BPF_MAP_CREATE)");
}

Attempt AcquirePerfEvent() {
  // A software "dummy" event on this process, user space only: allowed up to
  // kernel.perf_event_paranoid=2 without privilege, and it counts nothing.
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_DUMMY;
  attr.disabled = 1;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  return FdOrErrno(
      static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC)),
      "perf_event_open (see sysctl kernel.perf_event_paranoid)");
}

Attempt AcquireUserfaultfd() {
  int fd = static_cast<int>(syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK));
  if (fd < 0 && errno == EPERM) {
    // Unprivileged callers get only user-mode faults (vm.unprivileged_userfaultfd=0).
    fd = static_cast<int>(syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY));
  }
  return FdOrErrno(fd, "userfaultfd");
}

Attempt AcquireAnon() {
  // A namespace file: its link reads "net:[4026531840]", a shape leakwatch has no kind for.
  return FdOrErrno(open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), "open /proc/self/ns/net");
}

// --- threads and children ------------------------------------------------------------------

Attempt AcquireThread() {
  // A worker that waits for a stop request. The task exists once std::thread's constructor
  // returns (clone has run). Released, it is asked to stop and joined; leaked, it is detached
  // and waits until the process exits, which ends it. The thread itself keeps the promise alive,
  // so an abandoned worker is never woken by a broken promise.
  auto stop = std::make_shared<std::promise<void>>();
  std::shared_future<void> stopped = stop->get_future().share();
  auto thread = std::make_shared<std::thread>([stop, stopped] { stopped.wait(); });
  return Held(
      [stop, thread] {
        stop->set_value();
        thread->join();
      },
      [thread] { thread->detach(); });
}

Attempt AcquireChild() {
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    // Async-signal-safe calls only (we are a copy of a multithreaded process). The child dies
    // with the thread that forked it — the case's thread, GoogleTest's main thread — and holds
    // none of our descriptors, so it can neither outlive the test nor hold its output open.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);
    close_range(0, ~0U, 0);
    for (;;) pause();
  }
  if (pid < 0) return FromErrno("fork", errno);
  return Held([pid] {
    kill(pid, SIGKILL);
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  });
}

struct Planter {
  std::string_view key;
  Attempt (*acquire)();
};

constexpr Planter kPlanters[] = {
    {"file", AcquireFile},
    {"dir", AcquireDir},
    {"chr", AcquireChr},
    {"blk", AcquireBlk},
    {"fifo", AcquireFifo},
    {"pipe", AcquirePipe},
    {"tcp", AcquireTcp},
    {"tcp6", AcquireTcp6},
    {"udp", AcquireUdp},
    {"udp6", AcquireUdp6},
    {"unix", AcquireUnix},
    {"netlink", AcquireNetlink},
    {"socket", AcquireOtherSocket},
    {"eventpoll", AcquireEventpoll},
    {"eventfd", AcquireEventfd},
    {"timerfd", AcquireTimerfd},
    {"signalfd", AcquireSignalfd},
    {"inotify", AcquireInotify},
    {"fanotify", AcquireFanotify},
    {"pidfd", AcquirePidfd},
    {"memfd", AcquireMemfd},
    {"io_uring", AcquireIoUring},
    {"bpf", AcquireBpf},
    {"perf_event", AcquirePerfEvent},
    {"userfaultfd", AcquireUserfaultfd},
    {"anon", AcquireAnon},
    {"thread", AcquireThread},
    {"child", AcquireChild},
};

// One registered case: acquire one resource of `planter`'s kind, keep it when `leak`.
class PlantCase : public ::testing::Test {
 public:
  PlantCase(const Planter& planter, bool leak) : planter_(planter), leak_(leak) {}

  void TestBody() override {
    Attempt a = planter_.acquire();
    switch (a.outcome) {
      case Attempt::Outcome::kRefused:
        GTEST_SKIP() << kCannotPlantPrefix << planter_.key << " here: " << a.why;
      case Attempt::Outcome::kFailed:
        FAIL() << "acquiring one " << planter_.key << ": " << a.why;
      case Attempt::Outcome::kHeld:
        if (!leak_) {
          a.release();
        } else if (a.abandon) {
          a.abandon();
        }
        return;
    }
  }

 private:
  const Planter& planter_;
  const bool leak_;
};

// Registers Leaky.<Kind> and Clean.<Kind>/<i> for every kind, before main() runs, in the order
// of kPlantedKinds. A kind without a planter aborts at start: the table must be complete.
bool RegisterPlantCases() {
  for (const auto& kind : kPlantedKinds) {
    const Planter* planter = nullptr;
    for (const Planter& p : kPlanters) {
      if (p.key == kind.key) planter = &p;
    }
    if (planter == nullptr) {
      std::fprintf(stderr, "leaky_cases: no planter for kind %s\n", std::string(kind.key).c_str());
      std::abort();
    }
    std::string name(kind.case_name);
    ::testing::RegisterTest(
        "Leaky", name.c_str(), nullptr, nullptr, __FILE__, __LINE__,
        [planter]() -> ::testing::Test* { return new PlantCase(*planter, true); });
    for (int i = 0; i < kCleanRuns; ++i) {
      std::string clean = name + "/" + std::to_string(i);
      ::testing::RegisterTest(
          "Clean", clean.c_str(), nullptr, nullptr, __FILE__, __LINE__,
          [planter]() -> ::testing::Test* { return new PlantCase(*planter, false); });
    }
  }
  return true;
}

[[maybe_unused]] const bool kRegistered = RegisterPlantCases();

// --- repeat hunts ----------------------------------------------------------------------------

// Lazy initialisation (a cache, a connection pool, a logging pipe): an eventfd opened by the
// first run of the case and then reused. Leaks in a single run; with --gtest_repeat=3 and one
// warm-up it grows in no measured run, so a hunt must let it pass.
TEST(Hunt, LeaksOnFirstRunOnly) {
  static const int kLazyFd = eventfd(0, EFD_CLOEXEC);
  ASSERT_GE(kLazyFd, 0) << "eventfd: " << std::strerror(errno);
}

// A real leak: one eventfd more on every run, which a hunt must report.
TEST(Hunt, LeaksEveryRun) {
  int fd = eventfd(0, EFD_CLOEXEC);
  ASSERT_GE(fd, 0) << "eventfd: " << std::strerror(errno);
}

}  // namespace
