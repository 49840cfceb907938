// lw-listener-cases — GoogleTest cases with planted leaks and clean twins, linked with
// leakwatch_gtest_main. leakwatch's own tests run it as a subprocess with filters and flags and
// assert on its exit status, output and XML.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

namespace {

// The classic: a helper that fails to exec is waited for, but its pidfd is never closed.
TEST(Leaky, Pidfd) {
  pid_t child = fork();
  if (child == 0) {
    execl("/nonexistent/helper", "helper", nullptr);
    _exit(127);
  }
  int fd = static_cast<int>(syscall(SYS_pidfd_open, child, 0));
  ASSERT_GE(fd, 0);
  siginfo_t info{};
  ASSERT_EQ(waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd), &info, WEXITED), 0);
}

// Neither reaped nor closed: a pidfd to a zombie, and the zombie itself.
TEST(Leaky, PidfdAndZombie) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  int fd = static_cast<int>(syscall(SYS_pidfd_open, child, 0));
  ASSERT_GE(fd, 0);
  siginfo_t info{};
  waitid(P_PID, child, &info, WEXITED | WNOWAIT);  // exited, left a zombie
}

TEST(Leaky, TwoPipesAndAThread) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  std::promise<void> named;
  std::thread([&named] {
    pthread_setname_np(pthread_self(), "stuck-worker");
    named.set_value();
    for (;;) pause();
  }).detach();
  named.get_future().wait();  // the case ends with the thread named, whatever the load
}

TEST(Leaky, Eventfd) {
  ASSERT_GE(eventfd(0, EFD_CLOEXEC), 0);
}

char* volatile g_sink;  // volatile: the allocation cannot be optimised away

TEST(Leaky, Memory) {
  // Definitely lost once the only pointer is overwritten (only Valgrind sees this one).
  g_sink = static_cast<char*>(std::malloc(4096));
  g_sink = nullptr;
}

TEST(Clean, OpenAndClose) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  close(p[0]);
  close(p[1]);
  std::thread([] {}).join();
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
}

// A clean case, then a leaky one in the same suite: the second case's "before" is the first
// case's "after", and the leak must still be caught.
TEST(Sequence, CleanFirst) {
  close(eventfd(0, EFD_CLOEXEC));
}
TEST(Sequence, LeaksSecond) {
  ASSERT_GE(eventfd(0, EFD_CLOEXEC), 0);
}
TEST(Sequence, CleanThird) {
  close(eventfd(0, EFD_CLOEXEC));
}

// Closes its eventfd 20 ms after the case ends: the settle step must not call that a leak.
TEST(Settles, ClosesShortlyAfter) {
  int fd = eventfd(0, EFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::thread([fd] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    close(fd);
  }).detach();
}

// Leaks descriptors up to the limit: the "after" snapshot needs one more, and there is none. The
// case cannot be checked, which the listener must say rather than pass it.
TEST(Exhausts, EveryDescriptor) {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  limit.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
  while (open("/dev/null", O_RDONLY | O_CLOEXEC) >= 0) {
  }
  ASSERT_EQ(errno, EMFILE);
}

// A cache created on first use: grows in the first run only.
TEST(Lazy, InitialisesOnce) {
  static int cache_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(cache_fd, 0);
}

// Many trivial cases: the listener's own descriptors must never show as a leak, neither within
// a case nor between cases (Last compares with the count before the first case).
class Many : public ::testing::TestWithParam<int> {};
TEST_P(Many, Trivial) {
  EXPECT_GE(GetParam(), 0);
}
INSTANTIATE_TEST_SUITE_P(Cases, Many, ::testing::Range(0, 1000));

std::size_t OpenFdCount() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

class FdCountAtStart : public ::testing::Environment {
 public:
  void SetUp() override { count = OpenFdCount(); }
  static inline std::size_t count = 0;
};
[[maybe_unused]] ::testing::Environment* const kFdCountAtStart =
    ::testing::AddGlobalTestEnvironment(new FdCountAtStart);

TEST(Last, FdCountUnchangedSinceStart) {
  EXPECT_EQ(OpenFdCount(), FdCountAtStart::count);
}

}  // namespace
