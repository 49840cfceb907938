// orders_test.cpp — a clean module: every case talks to the server and leaves nothing behind.
#include <gtest/gtest.h>

#include "demo_client.h"

TEST(Orders, HealthIsOk) {
  demo::Answer answer = demo::Get("/health");
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, R"({"status":"ok"})");
}

TEST(Orders, WorkOpensAndClosesEverything) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(demo::Get("/work").status, 200);
}

TEST(Orders, UnknownPathIsNotFound) {
  EXPECT_EQ(demo::Get("/no-such-order").status, 404);
}
