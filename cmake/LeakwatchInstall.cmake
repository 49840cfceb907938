# Install and export rules: after `cmake --install`, an outside project can do
#
#   find_package(leakwatch CONFIG REQUIRED)
#   include(LeakWatch)
#   leakwatch_discover_tests(my_tests)
#   leakwatch_add_run(NAME server_checks CONFIG leakwatch.yaml)
#
# The installed tree:
#   bin/leakwatch            the CLI, imported as leakwatch::leakwatch
#   include/leakwatch/*.h    public headers of the harness, the GoogleTest listener and fixtures
#   lib/libleakwatch_*.a     leakwatch::harness, leakwatch::gtest, leakwatch::gtest_main,
#                            leakwatch::fixtures, leakwatch::fixtures_gtest
#   lib/cmake/leakwatch/     leakwatchConfig.cmake, its version file, the exported targets and
#                            LeakWatch.cmake (leakwatch_discover_tests, leakwatch_add_run)
#
# Included at the end of the top-level CMakeLists.txt, once every target exists, when
# LEAKWATCH_INSTALL is ON (the default only when leakwatch is the top-level project).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LEAKWATCH_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/leakwatch")

# Inside the build the libraries are used through their ALIAS names (leakwatch::harness, ...);
# the export names make the installed imported targets carry the same names.
set_target_properties(leakwatch_harness PROPERTIES EXPORT_NAME harness)
set_target_properties(leakwatch_gtest PROPERTIES EXPORT_NAME gtest)
set_target_properties(leakwatch_gtest_main PROPERTIES EXPORT_NAME gtest_main)
set_target_properties(leakwatch_fixtures PROPERTIES EXPORT_NAME fixtures)
set_target_properties(leakwatch_fixtures_gtest PROPERTIES EXPORT_NAME fixtures_gtest)

install(TARGETS leakwatch_harness leakwatch_gtest leakwatch_gtest_main leakwatch_fixtures
                leakwatch_fixtures_gtest leakwatch
  EXPORT leakwatchTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

# Fixed at `include`, not CMAKE_INSTALL_INCLUDEDIR: harness/CMakeLists.txt names the same
# directory in $<INSTALL_INTERFACE:include>, and the two must agree.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/harness/include/leakwatch"
                  "${PROJECT_SOURCE_DIR}/fixtures/include/leakwatch"
  DESTINATION include
  FILES_MATCHING PATTERN "*.h")

install(EXPORT leakwatchTargets
  NAMESPACE leakwatch::
  DESTINATION "${LEAKWATCH_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/leakwatchConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/leakwatchConfig.cmake"
  INSTALL_DESTINATION "${LEAKWATCH_INSTALL_CMAKEDIR}")
# 0.x releases are compatible with each other until 1.0 says otherwise.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/leakwatchConfigVersion.cmake"
  COMPATIBILITY SameMajorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/leakwatchConfig.cmake"
  "${PROJECT_BINARY_DIR}/leakwatchConfigVersion.cmake"
  "${CMAKE_CURRENT_LIST_DIR}/LeakWatch.cmake"
  DESTINATION "${LEAKWATCH_INSTALL_CMAKEDIR}")
