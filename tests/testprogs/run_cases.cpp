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
//   Workers.*      against a pre-fork demo-server (--workers N): 300 clean requests, a leaked
//                  socket in whichever worker serves it, a clean case after it, a worker
//                  retired (and replaced by the server) during a case, and a clean case after
//   Unchecked.*    a clean case, a case that makes the server non-dumpable (its /proc/PID/fd is
//                  then unreadable to another unprivileged user), and a clean case after
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

TEST(Workers, ThreeHundredCleanRequests) {
  for (int i = 0; i < 150; ++i) {
    ASSERT_EQ(demo::Get("/work").status, 200);
    ASSERT_EQ(demo::Get("/health").status, 200);
  }
}
TEST(Workers, LeaksASocketInAWorker) {
  demo::Answer answer = demo::Get("/leak/socket");
  EXPECT_EQ(answer.status, 200);
  std::printf("%s\n", answer.body.c_str());  // "leaked socket in pid N": the test compares
}
TEST(Workers, CleanAfterTheLeak) {
  EXPECT_EQ(demo::Get("/work").status, 200);
}
TEST(Workers, RetiresAWorker) {
  EXPECT_EQ(demo::Get("/retire").status, 200);
}
TEST(Workers, CleanAfterTheRetirement) {
  EXPECT_EQ(demo::Get("/work").status, 200);
}

TEST(Unchecked, Before) {
  EXPECT_EQ(demo::Get("/health").status, 200);
}
TEST(Unchecked, MakesTheServerNonDumpable) {
  EXPECT_EQ(demo::Get("/nondumpable").status, 200);
}
TEST(Unchecked, After) {
  EXPECT_EQ(demo::Get("/health").status, 200);
}
