# Install and export rules: after `cmake --install`, an outside project can do
#
#   find_package(GTest REQUIRED)              # or the project's own GoogleTest
#   find_package(leakwatch CONFIG REQUIRED)
#   include(LeakWatch)
#   leakwatch_discover_tests(my_tests)
#   leakwatch_add_run(NAME server_checks CONFIG leakwatch.yaml)
#
# The installed tree:
#   bin/leakwatch            the CLI, imported as leakwatch::leakwatch
#   include/leakwatch/*.h    public headers of the harness, the GoogleTest listener and fixtures
#   lib/libleakwatch_*.so*   leakwatch::harness and leakwatch::fixtures: shared libraries that
#                            export only leakwatch's API (cmake/LeakwatchSharedLibrary.cmake)
#   share/leakwatch/src/     the sources of leakwatch::gtest, leakwatch::gtest_main and
#                            leakwatch::fixtures_gtest, which leakwatchConfig.cmake builds in the
#                            user's project against its own GoogleTest
#   lib/cmake/leakwatch/     leakwatchConfig.cmake, its version file, the exported targets,
#                            LeakWatch.cmake (leakwatch_discover_tests, leakwatch_add_run) and
#                            LeakwatchGTestLibraries.cmake
#
# Included at the end of the top-level CMakeLists.txt, once every target exists, when
# LEAKWATCH_INSTALL is ON (the default only when leakwatch is the top-level project).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LEAKWATCH_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/leakwatch")
set(LEAKWATCH_INSTALL_SRCDIR "${CMAKE_INSTALL_DATADIR}/leakwatch/src")

# Inside the build the libraries are used through their ALIAS names (leakwatch::harness, ...);
# the export names make the installed imported targets carry the same names.
set_target_properties(leakwatch_harness PROPERTIES EXPORT_NAME harness)
set_target_properties(leakwatch_fixtures PROPERTIES EXPORT_NAME fixtures)
# Found where they are installed, wherever the prefix is moved to.
set_target_properties(leakwatch_fixtures PROPERTIES INSTALL_RPATH "$ORIGIN")
file(RELATIVE_PATH bin_to_lib "/${CMAKE_INSTALL_BINDIR}" "/${CMAKE_INSTALL_LIBDIR}")
set_target_properties(leakwatch PROPERTIES INSTALL_RPATH "$ORIGIN/${bin_to_lib}")

install(TARGETS leakwatch_harness leakwatch_fixtures leakwatch
  EXPORT leakwatchTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

# Fixed at `include`, not CMAKE_INSTALL_INCLUDEDIR: harness/CMakeLists.txt names the same
# directory in $<INSTALL_INTERFACE:include>, and the two must agree.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/harness/include/leakwatch"
                  "${PROJECT_SOURCE_DIR}/fixtures/include/leakwatch"
  DESTINATION include
  FILES_MATCHING PATTERN "*.h")

# Each GoogleTest library's sources (as listed in its CMakeLists.txt, headers included) go to
# share/leakwatch/src/<target>/; their file names reach leakwatchConfig.cmake as
# LEAKWATCH_<TARGET>_FILES.
foreach(library leakwatch_gtest leakwatch_gtest_main leakwatch_fixtures_gtest)
  get_target_property(sources ${library} SOURCES)
  get_target_property(source_dir ${library} SOURCE_DIR)
  list(TRANSFORM sources PREPEND "${source_dir}/")
  install(FILES ${sources} DESTINATION "${LEAKWATCH_INSTALL_SRCDIR}/${library}")
  list(TRANSFORM sources REPLACE "^.*/" "")
  string(TOUPPER "${library}_FILES" files_variable)
  set(${files_variable} ${sources})
endforeach()

install(EXPORT leakwatchTargets
  NAMESPACE leakwatch::
  DESTINATION "${LEAKWATCH_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/leakwatchConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/leakwatchConfig.cmake"
  INSTALL_DESTINATION "${LEAKWATCH_INSTALL_CMAKEDIR}"
  PATH_VARS LEAKWATCH_INSTALL_SRCDIR)
# 0.x releases are compatible with each other until 1.0 says otherwise.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/leakwatchConfigVersion.cmake"
  COMPATIBILITY SameMajorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/leakwatchConfig.cmake"
  "${PROJECT_BINARY_DIR}/leakwatchConfigVersion.cmake"
  "${CMAKE_CURRENT_LIST_DIR}/LeakWatch.cmake"
  "${CMAKE_CURRENT_LIST_DIR}/LeakwatchGTestLibraries.cmake"
  DESTINATION "${LEAKWATCH_INSTALL_CMAKEDIR}")
