# leakwatch_gtest_library(<target> ALIAS <name> LINK <library>... SOURCES <file>...)
#
# Builds part of leakwatch's GoogleTest integration (the listener, its main(), the fixtures'
# GoogleTest helpers) as a static library of the project that builds it, linked with that
# project's GoogleTest. GoogleTest has no stable ABI and projects bring their own (a find_package,
# a FetchContent, a vendored copy), so these parts are never shipped compiled: the installed
# package carries their sources, and leakwatchConfig.cmake calls this function on them, as
# harness/ and fixtures/ do in leakwatch's own build. What they use of leakwatch (LINK) is in the
# core libraries, which do not use GoogleTest.
#
# Headers may be listed in SOURCES: they are installed with the sources.
include_guard(GLOBAL)

function(leakwatch_gtest_library target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "ALIAS" "LINK;SOURCES")
  if(ARG_UNPARSED_ARGUMENTS OR NOT ARG_ALIAS OR NOT ARG_SOURCES)
    message(FATAL_ERROR "leakwatch_gtest_library(${target}): bad arguments ${ARGN}")
  endif()
  # Built only when a target links it: a project without GoogleTest still uses the rest.
  add_library(${target} STATIC EXCLUDE_FROM_ALL ${ARG_SOURCES})
  add_library(${ARG_ALIAS} ALIAS ${target})
  target_compile_features(${target} PRIVATE cxx_std_20)
  # GTest::gtest comes from find_package(GTest) and, as an alias, from GoogleTest 1.11+ added by
  # FetchContent or add_subdirectory; older GoogleTest trees define only gtest. Chosen at generate
  # time, so GoogleTest may be added after leakwatch is found. With neither, `gtest` is a plain
  # -lgtest, which leakwatch_discover_tests reports as a missing GoogleTest target.
  target_link_libraries(${target} PUBLIC ${ARG_LINK}
    "$<IF:$<TARGET_EXISTS:GTest::gtest>,GTest::gtest,gtest>")
endfunction()
