// ui_crash_test.cpp — the second case crashes the server (a failed assertion in its UI loop);
// the third never runs. The next module must run on a fresh server.
#include <gtest/gtest.h>

#include "demo_client.h"

TEST(UiLoop, Opens) {
  EXPECT_EQ(demo::Get("/health").status, 200);
}
TEST(UiLoop, ClosesAWidgetTwice) {
  demo::Get("/crash");
}
TEST(UiLoop, NeverReached) {
  EXPECT_EQ(demo::Get("/health").status, 200);
}
