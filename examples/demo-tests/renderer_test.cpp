// renderer_test.cpp — case 3 of 5 leaks one pidfd in the server: the failed-helper-spawn path
// (the server spawns a renderer binary that does not exist and forgets the pidfd). leakwatch
// must blame that case, and only that case.
#include <gtest/gtest.h>

#include "demo_client.h"

TEST(Renderer, Health) {
  EXPECT_EQ(demo::Get("/health").status, 200);
}
TEST(Renderer, RendersAPage) {
  EXPECT_EQ(demo::Get("/work").status, 200);
}
TEST(Renderer, RendersAPreview) {
  EXPECT_EQ(demo::Get("/leak/pidfd").status, 200);
}
TEST(Renderer, RendersAThumbnail) {
  EXPECT_EQ(demo::Get("/work").status, 200);
}
TEST(Renderer, HealthAfterwards) {
  EXPECT_EQ(demo::Get("/health").status, 200);
}
