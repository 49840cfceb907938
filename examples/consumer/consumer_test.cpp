// Ordinary cases that clean up after themselves: leakwatch must let every one of them pass.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

// From the installed include/leakwatch: proves the exported include directory works.
#include "leakwatch/unique_fd.h"

TEST(ConsumerTest, ClosesThePipeItOpens) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  leakwatch::UniqueFd read_end(fds[0]);
  leakwatch::UniqueFd write_end(fds[1]);
  ASSERT_EQ(write(write_end.get(), "x", 1), 1);
  char c = 0;
  ASSERT_EQ(read(read_end.get(), &c, 1), 1);
  EXPECT_EQ(c, 'x');
}

TEST(ConsumerTest, JoinsTheThreadItStarts) {
  int result = 0;
  std::thread worker([&result] { result = 42; });
  worker.join();
  EXPECT_EQ(result, 42);
}

TEST(ConsumerTest, ReadsAFile) {
  std::ifstream status("/proc/self/status");
  ASSERT_TRUE(status);
  std::string first_line;
  std::getline(status, first_line);
  EXPECT_EQ(first_line.rfind("Name:", 0), 0u);
}
