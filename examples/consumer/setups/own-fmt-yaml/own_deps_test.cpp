// The project's own fmt and yaml-cpp, linked into the same test program as leakwatch.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

TEST(OwnDeps, UsesTheProjectsFmtAndYaml) {
  EXPECT_EQ(fmt::vformat_marker(), 9);
  EXPECT_EQ(YAML::Load_marker(), 7);
}
