// A test program's own main(), as projects write when they set things up before any test runs.
// With leakwatch it parses the --leakwatch* flags and installs the listener itself; the CMake
// side is `leakwatch_discover_tests(<target> NO_MAIN)`.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "leakwatch/leak_check_listener.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  setenv("TZ", "UTC", 1);  // the project's own set-up
  // leakwatch's --leakwatch* flags, then its listener.
  leakwatch::Result<leakwatch::LeakCheckOptions> options =
      leakwatch::ParseLeakCheckFlags(&argc, argv);
  leakwatch::Status installed = options ? leakwatch::InstallLeakChecks(*options) : options.error();
  if (!installed) {
    std::fprintf(stderr, "leakwatch: %s\n", installed.error().message().c_str());
    return 2;
  }
  return RUN_ALL_TESTS();
}
