# leakwatch_run_config: leakwatch.yaml -> RunConfig. Included by runner/CMakeLists.txt.
add_library(leakwatch_run_config STATIC
  config/config_checks.cpp
  config/config_loader.cpp
  config/config_modules.cpp
  config/config_reader.cpp
  config/config_server.cpp
  config/run_config.cpp
)
target_include_directories(leakwatch_run_config PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/config)
target_link_libraries(leakwatch_run_config
  PUBLIC leakwatch::harness leakwatch::fixtures
  PRIVATE leakwatch_compile_options yaml-cpp fmt::fmt)

if(LEAKWATCH_BUILD_TESTS)
  # The loader against real files in a temporary directory, and `leakwatch check-config` run as
  # the real binary.
  add_executable(run_config_tests
    config/check_config_test.cpp
    config/config_loader_test.cpp
  )
  target_link_libraries(run_config_tests PRIVATE
    leakwatch_run_config leakwatch_test_support leakwatch_compile_options
    GTest::gmock GTest::gtest_main)
  # The documented example configs are loaded from the source tree.
  target_compile_definitions(run_config_tests PRIVATE LEAKWATCH_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_dependencies(run_config_tests leakwatch)
  gtest_discover_tests(run_config_tests DISCOVERY_MODE PRE_TEST PROPERTIES LABELS run TIMEOUT 60)
endif()
