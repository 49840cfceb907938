// golden.cpp — compare with (or rewrite) runner/report/testdata/*.
#include "golden.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace leakwatch::run::testing {

std::string GoldenPath(const std::string& name) {
  return std::string(LEAKWATCH_REPORT_TESTDATA) + "/" + name;
}

void ExpectMatchesGolden(const std::string& name, const std::string& actual) {
  const std::string path = GoldenPath(name);
  const char* update = std::getenv("LEAKWATCH_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << actual;
    ASSERT_TRUE(out.good()) << "cannot write " << path;
    std::cout << "updated golden file " << path << "\n";
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << "no golden file " << path
                         << " (create it with LEAKWATCH_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  // On a mismatch, keep the new output next to the test's temporary files for a `diff`.
  std::string saved;
  if (expected.str() != actual) {
    saved = ::testing::TempDir() + name + ".actual";
    std::ofstream(saved, std::ios::binary | std::ios::trunc) << actual;
  }
  EXPECT_EQ(expected.str(), actual)
      << "output differs from " << path << "; it is saved as " << saved
      << " (LEAKWATCH_UPDATE_GOLDEN=1 rewrites the golden file)";
}

}  // namespace leakwatch::run::testing
