// leakwatch_gtest_main: GoogleTest's main() with a leak check around every test case.
// Link it instead of GTest::gtest_main (leakwatch_discover_tests does).
#include <gtest/gtest.h>

#include <cstdio>
#include <string_view>

#include "leakwatch/leak_check_listener.h"
#include "leakwatch/leak_check_options.h"

int main(int argc, char** argv) {
  bool help = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    help = help || arg == "--help" || arg == "-h" || arg == "-?" || arg == "/?" ||
           arg == "--gtest_help";
  }
  ::testing::InitGoogleTest(&argc, argv);
  if (help) {
    std::printf("\n%s", leakwatch::LeakCheckFlagsHelp().c_str());
    return 0;
  }
  leakwatch::Result<leakwatch::LeakCheckOptions> options =
      leakwatch::ParseLeakCheckFlags(&argc, argv);
  if (!options) {
    std::fprintf(stderr, "leakwatch: %s\n", options.error().message().c_str());
    return 2;
  }
  if (leakwatch::Status installed = leakwatch::InstallLeakChecks(*options); !installed) {
    std::fprintf(stderr, "leakwatch: %s\n", installed.error().message().c_str());
    return 2;
  }
  return RUN_ALL_TESTS();
}
