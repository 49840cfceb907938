// platform_canaries — the platform's (libc's, the kernel's) resource baseline, pinned.
//
// Every case repeats one pattern that real programs run all the time (spawn and reap, clone3 with
// a pidfd, fork+exec with an exec-error pipe, epoll on worker threads, std::thread, std::async,
// eventfd/timerfd/signalfd/inotify, socketpair, loopback TCP, popen) kIterations times and asserts
// that afterwards the process holds exactly what it held before: no FD kind, no thread and no
// child more. Each case checks that itself with leakwatch::TakeSnapshot around the loop (so the
// failure names the kind even when the binary runs without the listener), and the listener
// checks each case again, because the binary is registered with leakwatch_discover_tests.
//
// A failure here means the platform or our use of it changed, not the code under test: a libc
// that stops reaping the child of a failed posix_spawn, a kernel that keeps a pidfd open, a
// thread that still shows in /proc after join. Each case names the real-world leak class it pins.
//
//   ctest -L canary                       # all canaries
//   build/bin/platform_canaries --gtest_filter='Clone3.*'
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/sched.h>  // struct clone_args: glibc 2.36 has no clone3 wrapper
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"
#include "leakwatch/resource_counts.h"
#include "leakwatch/settle.h"
#include "leakwatch/slack.h"
#include "leakwatch/snapshot.h"
#include "leakwatch/snapshot_diff.h"

extern char** environ;

namespace {

using leakwatch::testing::TempDir;

// How often each pattern runs. A leak of one resource per run shows as a delta of kIterations,
// far beyond any slack; 50 runs of the slowest pattern (popen: a shell) take well under a second.
constexpr int kIterations = 50;

// A path that exists nowhere: the spawn of a helper binary that is not installed.
constexpr const char* kMissingBinary = "/nonexistent/leakwatch-canary-no-such-binary";

// The resources a diff added, one per line, at most kMaxListed (a leak per run adds
// kIterations of the same thing).
std::string Describe(const leakwatch::SnapshotDiff& diff) {
  constexpr int kMaxListed = 8;
  std::vector<std::string> lines;
  for (const leakwatch::FdInfo& fd : diff.fds_added) {
    lines.push_back("fd " + std::to_string(fd.fd) + " " +
                    std::string(leakwatch::FdKindName(fd.kind)) + " " + fd.target);
  }
  for (const leakwatch::ThreadInfo& t : diff.threads_added) {
    lines.push_back("thread " + std::to_string(t.tid) + " " + t.name);
  }
  for (const leakwatch::ProcessInfo& p : diff.children_added) {
    lines.push_back("child " + std::to_string(p.pid) + " " +
                    std::string(leakwatch::ProcessStateName(p.state)) + " " + p.cmd);
  }
  std::ostringstream out;
  for (std::size_t i = 0; i < lines.size() && i < kMaxListed; ++i) out << "\n  " << lines[i];
  if (lines.size() > kMaxListed) out << "\n  ... and " << lines.size() - kMaxListed << " more";
  return out.str();
}

// Runs `pattern` kIterations times and fails the case, naming each kind that grew, when the
// process holds more FDs of any kind, threads or descendants afterwards than before. The "after"
// snapshot settles (leakwatch::Settle) because a joined thread or a reaped child leaves /proc a
// moment after join/wait return; only what is still there after the settle deadline counts.
void ExpectNoGrowth(const std::function<void()>& pattern) {
  auto take = [] { return leakwatch::TakeSnapshot(getpid()); };
  leakwatch::Result<leakwatch::Snapshot> before = take();
  ASSERT_TRUE(before) << before.error().message();
  for (int i = 0; i < kIterations; ++i) {
    pattern();
    // One failed run says all there is to say; stop before it repeats kIterations times.
    if (::testing::Test::HasFailure()) return;
  }
  leakwatch::Result<leakwatch::SettleResult> settled =
      leakwatch::Settle(*before, take, leakwatch::Slack{});
  ASSERT_TRUE(settled) << settled.error().message();
  EXPECT_TRUE(settled->growth.empty())
      << "platform canary: " << kIterations << " runs left "
      << leakwatch::SummarizeGrowth(settled->growth) << " behind:" << Describe(settled->diff);
}

// Waits for `pid` and returns its exit code, -1 (with a test failure) when it did not exit.
int WaitExitCode(pid_t pid) {
  int status = 0;
  pid_t r;
  while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (r != pid) {
    ADD_FAILURE() << "waitpid(" << pid << "): " << std::strerror(errno);
    return -1;
  }
  if (!WIFEXITED(status)) {
    ADD_FAILURE() << "child " << pid << " did not exit normally, status " << status;
    return -1;
  }
  return WEXITSTATUS(status);
}

// waitid(P_PIDFD): reaps the child a pidfd refers to and returns its exit code.
int WaitPidfdExitCode(int pidfd) {
  siginfo_t info{};
  int r;
  while ((r = waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED)) <
             0 &&
         errno == EINTR) {
  }
  if (r != 0) {
    ADD_FAILURE() << "waitid(P_PIDFD, " << pidfd << "): " << std::strerror(errno);
    return -1;
  }
  if (info.si_code != CLD_EXITED) {
    ADD_FAILURE() << "child " << info.si_pid << " did not exit normally, si_code " << info.si_code;
    return -1;
  }
  return info.si_status;
}

int PidfdOpen(pid_t pid) {
  // glibc 2.36's <sys/pidfd.h> lacks extern "C" for C++: call the syscall directly.
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

// clone3(CLONE_PIDFD) + execve(path). Returns the child's PID (and its pidfd in *pidfd), or -1.
// The child runs in a copy of a multithreaded process, so between clone3 and execve/_exit it only
// makes async-signal-safe calls (execve, _exit) on data prepared before the clone.
pid_t Clone3Exec(const char* path, int* pidfd) {
  char* const argv[] = {const_cast<char*>(path), nullptr};
  clone_args args{};
  args.flags = CLONE_PIDFD;
  args.pidfd = reinterpret_cast<std::uint64_t>(pidfd);
  args.exit_signal = SIGCHLD;
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) {
    execve(path, argv, environ);
    _exit(127);
  }
  return static_cast<pid_t>(pid);
}

// fork + execve(path) with no pidfd; the child exits 127 when the exec fails.
pid_t ForkExec(const char* path) {
  char* const argv[] = {const_cast<char*>(path), nullptr};
  pid_t pid = fork();
  if (pid == 0) {
    execve(path, argv, environ);
    _exit(127);
  }
  return pid;
}

// --- posix_spawn --------------------------------------------------------------------------

// Pins: spawning helper programs from a long-running server (the class of the ~3.6 pidfds/hour
// incident). glibc's posix_spawn (clone(CLONE_VM|CLONE_VFORK)) must leave neither an FD nor,
// once waited for, a child behind.
TEST(PosixSpawn, TrueIsSpawnedAndReaped) {
  ExpectNoGrowth([] {
    pid_t pid = -1;
    char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
    int err = posix_spawn(&pid, "/bin/true", nullptr, nullptr, argv, environ);
    ASSERT_EQ(err, 0) << "posix_spawn /bin/true: " << std::strerror(err);
    EXPECT_EQ(WaitExitCode(pid), 0);
  });
}

// Pins: exactly the incident in DESIGN.md — a library spawned a helper binary that did not
// exist, and what the failed spawn left (there: a pidfd) was never released. glibc reports the
// failed exec as ENOENT from posix_spawn itself and must reap the failed child on its own: a
// regression shows here as a zombie child (or an FD) per call.
TEST(PosixSpawn, MissingBinaryFailsWithEnoentAndLeavesNothing) {
  ExpectNoGrowth([] {
    pid_t pid = -1;
    char* const argv[] = {const_cast<char*>(kMissingBinary), nullptr};
    int err = posix_spawn(&pid, kMissingBinary, nullptr, nullptr, argv, environ);
    EXPECT_EQ(err, ENOENT) << "posix_spawn of a missing binary: " << std::strerror(err);
  });
}

// Pins: the same, through a PATH search (posix_spawnp walks every PATH entry and fails last).
TEST(PosixSpawn, MissingBinaryOnPathFailsWithEnoentAndLeavesNothing) {
  ExpectNoGrowth([] {
    pid_t pid = -1;
    char* const argv[] = {const_cast<char*>("leakwatch-canary-no-such-binary"), nullptr};
    int err = posix_spawnp(&pid, argv[0], nullptr, nullptr, argv, environ);
    EXPECT_EQ(err, ENOENT) << "posix_spawnp of a missing binary: " << std::strerror(err);
  });
}

// --- clone3(CLONE_PIDFD) and pidfd_open + waitid(P_PIDFD) ------------------------------------

// Pins: process supervision through pidfds (what systemd, Python's asyncio child watcher and
// our own fixtures do): the pidfd from clone3 is ours to close, and waitid(P_PIDFD) reaps.
TEST(Clone3, PidfdOfExitedChildIsClosedAfterWaitid) {
  ExpectNoGrowth([] {
    int pidfd = -1;
    pid_t pid = Clone3Exec("/bin/true", &pidfd);
    ASSERT_GT(pid, 0) << "clone3: " << std::strerror(errno);
    ASSERT_GE(pidfd, 0);
    EXPECT_EQ(WaitPidfdExitCode(pidfd), 0);
    EXPECT_EQ(close(pidfd), 0);
  });
}

// Pins: the failed-exec variant of the DESIGN.md incident with a pidfd: a child that cannot exec
// its program exits 127; the supervisor must still see its exit through the pidfd and reap it.
// The pidfd must become readable (poll) when the child exits, or event loops that wait on it
// never close it.
TEST(Clone3, PidfdOfChildThatFailedToExecIsClosedAfterWaitid) {
  ExpectNoGrowth([] {
    int pidfd = -1;
    pid_t pid = Clone3Exec(kMissingBinary, &pidfd);
    ASSERT_GT(pid, 0) << "clone3: " << std::strerror(errno);
    ASSERT_GE(pidfd, 0);
    pollfd p{pidfd, POLLIN, 0};
    int ready;
    while ((ready = poll(&p, 1, -1)) < 0 && errno == EINTR) {
    }
    EXPECT_EQ(ready, 1) << "poll on the pidfd: " << std::strerror(errno);
    EXPECT_EQ(WaitPidfdExitCode(pidfd), 127);
    EXPECT_EQ(close(pidfd), 0);
  });
}

// Pins: pidfd_open on a child started by other means (a library's fork/posix_spawn), then
// waitid(P_PIDFD): the pidfd is the caller's to close, the reap must remove the child.
TEST(PidfdOpen, PidfdOfSpawnedChildIsClosedAfterWaitid) {
  ExpectNoGrowth([] {
    pid_t pid = -1;
    char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
    int err = posix_spawn(&pid, "/bin/true", nullptr, nullptr, argv, environ);
    ASSERT_EQ(err, 0) << "posix_spawn /bin/true: " << std::strerror(err);
    int pidfd = PidfdOpen(pid);
    if (pidfd < 0) {
      ADD_FAILURE() << "pidfd_open(" << pid << "): " << std::strerror(errno);
      WaitExitCode(pid);  // reap it anyway: a canary never leaves a child behind
      return;
    }
    EXPECT_EQ(WaitPidfdExitCode(pidfd), 0);
    EXPECT_EQ(close(pidfd), 0);
  });
}

// Pins: pidfd_open on a child that failed to exec (forked, exec of a missing binary).
TEST(PidfdOpen, PidfdOfChildThatFailedToExecIsClosedAfterWaitid) {
  ExpectNoGrowth([] {
    pid_t pid = ForkExec(kMissingBinary);
    ASSERT_GT(pid, 0) << "fork: " << std::strerror(errno);
    int pidfd = PidfdOpen(pid);
    if (pidfd < 0) {
      ADD_FAILURE() << "pidfd_open(" << pid << "): " << std::strerror(errno);
      WaitExitCode(pid);
      return;
    }
    EXPECT_EQ(WaitPidfdExitCode(pidfd), 127);
    EXPECT_EQ(close(pidfd), 0);
  });
}

// --- fork + exec with a CLOEXEC error pipe ----------------------------------------------------

// fork + exec with the classic exec-error pipe: the child writes errno into a CLOEXEC pipe when
// execve fails; EOF means the exec succeeded (CLOEXEC closed the child's end). Returns the errno
// the child reported, 0 after a successful exec; the child is reaped either way.
int ForkExecWithErrorPipe(const char* path) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return -1;
  }
  char* const argv[] = {const_cast<char*>(path), nullptr};
  pid_t pid = fork();
  if (pid == 0) {
    execve(path, argv, environ);
    int exec_errno = errno;
    ssize_t ignored = write(pipe_fds[1], &exec_errno, sizeof exec_errno);
    (void)ignored;
    _exit(127);
  }
  close(pipe_fds[1]);
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    close(pipe_fds[0]);
    return -1;
  }
  int exec_errno = 0;
  ssize_t n;
  while ((n = read(pipe_fds[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
  }
  close(pipe_fds[0]);
  int code = WaitExitCode(pid);
  if (n == 0) {
    EXPECT_EQ(code, 0) << path << " exec'd but did not exit 0";
    return 0;
  }
  EXPECT_EQ(n, static_cast<ssize_t>(sizeof exec_errno)) << "short read from the error pipe";
  EXPECT_EQ(code, 127);
  return exec_errno;
}

// Pins: pipe FDs of subprocess launchers (Python's subprocess, Boost.Process, our fixtures):
// without CLOEXEC the error pipe's write end survives the exec, the parent never sees EOF, and
// both ends pile up in parent and child. Here EOF must come from the exec itself.
TEST(ForkExec, CloexecErrorPipeSeesEofOnSuccessfulExec) {
  ExpectNoGrowth([] { EXPECT_EQ(ForkExecWithErrorPipe("/bin/true"), 0); });
}

// Pins: the failure path of the same launcher: the errno arrives through the pipe, and the
// pipe and the failed child are released like on the success path.
TEST(ForkExec, CloexecErrorPipeReportsEnoentOfMissingBinary) {
  ExpectNoGrowth([] { EXPECT_EQ(ForkExecWithErrorPipe(kMissingBinary), ENOENT); });
}

// --- epoll on worker threads ---------------------------------------------------------------

// Pins: per-thread event loops (asyncio loops in worker threads, per-connection reactors) whose
// epoll FD must be closed before the thread ends; and the threads themselves, which must be gone
// from /proc once joined.
TEST(Epoll, CreatedAndClosedOnWorkerThreads) {
  ExpectNoGrowth([] {
    constexpr int kWorkers = 4;
    std::array<int, kWorkers> results{};
    std::vector<std::thread> workers;
    for (int w = 0; w < kWorkers; ++w) {
      workers.emplace_back([&results, w] {
        int ep = epoll_create1(EPOLL_CLOEXEC);
        int ev = eventfd(1, EFD_CLOEXEC);
        epoll_event want{};
        want.events = EPOLLIN;
        epoll_event got{};
        // Register a ready eventfd and collect it, as a loop's first turn would.
        bool ok = ep >= 0 && ev >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, ev, &want) == 0 &&
                  epoll_wait(ep, &got, 1, 0) == 1;
        int err = ok ? 0 : errno;  // before close() can overwrite it
        if (ev >= 0) close(ev);
        if (ep >= 0) close(ep);
        results[w] = ok ? 1 : -err;
      });
    }
    for (std::thread& t : workers) t.join();
    for (int w = 0; w < kWorkers; ++w) {
      EXPECT_EQ(results[w], 1) << "worker " << w << ": " << std::strerror(-results[w]);
    }
  });
}

// --- threads ---------------------------------------------------------------------------------

// Pins: thread start/join in the C++ runtime: a joined std::thread must leave /proc/self/task
// (the thread counts of session objects released on disconnect depend on it).
TEST(Thread, StartAndJoin) {
  ExpectNoGrowth([] {
    int ran = 0;
    std::thread t([&ran] { ran = 1; });
    t.join();
    EXPECT_EQ(ran, 1);
  });
}

// Pins: std::async(launch::async): libstdc++ joins the thread when the future's shared state
// goes away; a regression leaves one thread per call.
TEST(Thread, StdAsyncThreadEndsWithItsFuture) {
  ExpectNoGrowth([] {
    std::future<int> f = std::async(std::launch::async, [] { return 42; });
    EXPECT_EQ(f.get(), 42);
  });
}

// --- anonymous-inode FDs -------------------------------------------------------------------

// Pins: eventfds used as wake-up handles by event loops (one per loop, one per connection).
TEST(AnonFds, EventfdCreateUseClose) {
  ExpectNoGrowth([] {
    int fd = eventfd(0, EFD_CLOEXEC);
    ASSERT_GE(fd, 0) << "eventfd: " << std::strerror(errno);
    std::uint64_t one = 1, got = 0;
    EXPECT_EQ(write(fd, &one, sizeof one), static_cast<ssize_t>(sizeof one));
    EXPECT_EQ(read(fd, &got, sizeof got), static_cast<ssize_t>(sizeof got));
    EXPECT_EQ(got, 1u);
    EXPECT_EQ(close(fd), 0);
  });
}

// Pins: timerfds behind per-request timeouts (one per request in some loops).
TEST(AnonFds, TimerfdCreateArmClose) {
  ExpectNoGrowth([] {
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    ASSERT_GE(fd, 0) << "timerfd_create: " << std::strerror(errno);
    itimerspec spec{};
    spec.it_value.tv_sec = 3600;  // armed, never expires during the test
    EXPECT_EQ(timerfd_settime(fd, 0, &spec, nullptr), 0) << std::strerror(errno);
    EXPECT_EQ(close(fd), 0);
  });
}

// Pins: signalfds of child watchers (SIGCHLD) created per watcher.
TEST(AnonFds, SignalfdCreateClose) {
  ExpectNoGrowth([] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    ASSERT_GE(fd, 0) << "signalfd: " << std::strerror(errno);
    signalfd_siginfo info{};
    EXPECT_EQ(read(fd, &info, sizeof info), -1);  // nothing pending
    EXPECT_EQ(errno, EAGAIN);
    EXPECT_EQ(close(fd), 0);
  });
}

// Pins: inotify instances of file watchers (config reloaders); each also costs one of the
// per-user max_user_instances (128 by default), so a leak here breaks other processes too.
TEST(AnonFds, InotifyWatchEventClose) {
  TempDir dir;
  ExpectNoGrowth([&dir] {
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    ASSERT_GE(fd, 0) << "inotify_init1: " << std::strerror(errno);
    EXPECT_GE(inotify_add_watch(fd, dir.path().c_str(), IN_CREATE), 0) << std::strerror(errno);
    int file = open(dir.File("x").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    EXPECT_GE(file, 0) << std::strerror(errno);
    if (file >= 0) close(file);
    unlink(dir.File("x").c_str());
    alignas(inotify_event) char buffer[4096];
    EXPECT_GT(read(fd, buffer, sizeof buffer), 0) << "no IN_CREATE event: " << std::strerror(errno);
    EXPECT_EQ(close(fd), 0);
  });
}

// --- sockets -------------------------------------------------------------------------------

// Pins: socketpairs used as control channels to helpers (our own control protocol).
TEST(Sockets, SocketpairCreateUseClose) {
  ExpectNoGrowth([] {
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0) << std::strerror(errno);
    char out = 'x', in = 0;
    EXPECT_EQ(send(sv[0], &out, 1, 0), 1);
    EXPECT_EQ(recv(sv[1], &in, 1, 0), 1);
    EXPECT_EQ(in, 'x');
    EXPECT_EQ(close(sv[0]), 0);
    EXPECT_EQ(close(sv[1]), 0);
  });
}

// Pins: the client/server socket lifecycle of every network test: listener, connected client
// and accepted peer, all closed. Port 0: the kernel picks a free port, so parallel runs never
// collide.
TEST(Sockets, LoopbackTcpConnectAcceptClose) {
  ExpectNoGrowth([] {
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0) << "socket: " << std::strerror(errno);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bool ok = bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
              listen(listener, 1) == 0 &&
              getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    EXPECT_TRUE(ok) << "listening on 127.0.0.1:0: " << std::strerror(errno);
    int client = ok ? socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
    // A blocking connect to a listening loopback socket completes from the backlog at once.
    bool connected =
        client >= 0 && connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    EXPECT_TRUE(connected) << "connect: " << std::strerror(errno);
    int peer = connected ? accept4(listener, nullptr, nullptr, SOCK_CLOEXEC) : -1;
    EXPECT_TRUE(!connected || peer >= 0) << "accept4: " << std::strerror(errno);
    if (peer >= 0) {
      char out = 'x', in = 0;
      EXPECT_EQ(send(client, &out, 1, 0), 1);
      EXPECT_EQ(recv(peer, &in, 1, 0), 1);
      EXPECT_EQ(close(peer), 0);
    }
    if (client >= 0) {
      EXPECT_EQ(close(client), 0);
    }
    EXPECT_EQ(close(listener), 0);
  });
}

// --- popen -----------------------------------------------------------------------------------

// Pins: popen/pclose (shell helpers in tests and tools): popen's pipe and its shell child must
// both be gone after pclose, which returns the command's status.
TEST(Popen, PcloseReleasesPipeAndReapsShell) {
  ExpectNoGrowth([] {
    FILE* f = popen("echo canary", "re");
    ASSERT_NE(f, nullptr) << "popen: " << std::strerror(errno);
    char line[32] = {};
    EXPECT_NE(fgets(line, sizeof line, f), nullptr);
    EXPECT_STREQ(line, "canary\n");
    int status = pclose(f);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "pclose status " << status;
  });
}

}  // namespace
