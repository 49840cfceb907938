// Cases for tests/discover_labels: only their ctest labels are checked, so they just pass.
#include <gtest/gtest.h>

TEST(DiscoverLabels, First) {
  SUCCEED();
}

TEST(DiscoverLabels, Second) {
  SUCCEED();
}
