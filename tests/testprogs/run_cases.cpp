// run_cases.cpp — GoogleTest cases for the end-to-end tests of `leakwatch run`, linked with
// leakwatch_gtest_main (protocol mode under the runner). Modules pick suites with GTEST_FILTER:
//   Attribution.*  five cases; the third leaks an eventfd in the test process, and with
//                  LW_SERVER_LEAK=1 also a pidfd in the server (GET /leak/pidfd)
//   Hang.*         the case never ends (for the case timeout)
//   Abort.*        the second case aborts the test process
//   Flaky.*        FailsOnce fails while LW_FLAKY_FILE does not exist (and creates it);
//                  AlwaysFails always does
//   Hunt.*         OnceOnly opens an eventfd the first time it runs in a process (a cache), and
//                  then never again; EveryRun leaks one each time it runs
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "demo_client.h"

namespace {

std::vector<int> leaked;  // kept open on purpose: the planted leak

bool Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && std::string(value) == "1";
}

}  // namespace

TEST(Attribution, Case1) {
  EXPECT_EQ(demo::Get("/health").status, 200);
}
TEST(Attribution, Case2) {
  EXPECT_EQ(demo::Get("/work").status, 200);
}
TEST(Attribution, Case3) {
  leaked.push_back(eventfd(0, EFD_CLOEXEC));
  if (Env("LW_SERVER_LEAK")) {
    EXPECT_EQ(demo::Get("/leak/pidfd").status, 200);
  }
}
TEST(Attribution, Case4) {
  EXPECT_EQ(demo::Get("/work").status, 200);
}
TEST(Attribution, Case5) {
  EXPECT_EQ(demo::Get("/health").status, 200);
}

// With LW_FIFO set, says "hanging" into that FIFO first: the test's synchronisation point.
TEST(Hang, Forever) {
  if (const char* fifo = std::getenv("LW_FIFO")) {
    FILE* out = std::fopen(fifo, "w");
    if (out != nullptr) {
      std::fputs("hanging\n", out);
      std::fclose(out);
    }
  }
  for (;;) pause();
}

TEST(Abort, Case1) {
  SUCCEED();
}
TEST(Abort, Case2) {
  abort();
}
TEST(Abort, Case3) {
  SUCCEED();
}

TEST(Flaky, FailsOnce) {
  const char* marker = std::getenv("LW_FLAKY_FILE");
  ASSERT_NE(marker, nullptr);
  if (access(marker, F_OK) != 0) {
    if (FILE* created = std::fopen(marker, "w")) std::fclose(created);
    FAIL() << "first attempt fails";
  }
}
TEST(Flaky, AlwaysFails) {
  FAIL() << "every attempt fails";
}

TEST(Hunt, OnceOnly) {
  static const int cache = eventfd(0, EFD_CLOEXEC);  // one-time initialisation, not a leak
  EXPECT_GE(cache, 0);
}
TEST(Hunt, EveryRun) {
  leaked.push_back(eventfd(0, EFD_CLOEXEC));
}
