// One case leaks a pipe, the next one does not. Under leakwatch's main() the first must fail with
// "leakwatch: case leaked ..." and the second must still pass: each case is judged on its own.
// Every project in setups/ builds these cases too.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

TEST(ConsumerLeaky, LeaksAPipe) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);  // never closed, on purpose
}

TEST(ConsumerLeaky, ClosesItsPipe) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  close(fds[0]);
  close(fds[1]);
}
