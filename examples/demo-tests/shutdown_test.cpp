// shutdown_test.cpp — shuts the server's worker pool down: the process stays up, but its health
// says degraded. The next module's pre-flight names the reason, and leakwatch respawns.
#include <gtest/gtest.h>

#include "demo_client.h"

TEST(Shutdown, StopsTheWorkerPool) {
  EXPECT_EQ(demo::Get("/degrade").status, 200);
}
