# LeakWatch.cmake — register GoogleTest cases with ctest, each checked for leaks by leakwatch.
#
#   find_package(leakwatch CONFIG REQUIRED)   # or add_subdirectory of a leakwatch source tree
#   include(LeakWatch)
#   add_executable(my_tests my_tests.cpp)
#   leakwatch_discover_tests(my_tests SLACK "thread=1" SUPPRESSIONS leakwatch.supp.yaml
#                            LABELS unit)
#
# links leakwatch::gtest_main (GoogleTest's main plus the per-case leak check) and registers every
# case with ctest through gtest_discover_tests. Options:
#   SLACK spec          --leakwatch_slack (e.g. "fd=0,pidfd=1,thread=2")
#   SUPPRESSIONS file   --leakwatch_suppressions (relative to the current source dir)
#   SETTLE duration     --leakwatch_settle (e.g. 200ms)
#   MODE off|warn|fail  --leakwatch
#   LABELS l...         ctest labels
#   EXTRA_ARGS a...     more arguments for every case
#   PROPERTIES k v...   more test properties
include_guard(GLOBAL)
include(GoogleTest)

function(leakwatch_discover_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 LW "" "SLACK;SUPPRESSIONS;SETTLE;MODE"
                        "LABELS;EXTRA_ARGS;PROPERTIES")
  if(LW_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "leakwatch_discover_tests(${target}): unknown arguments "
                        "${LW_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "leakwatch_discover_tests: ${target} is not a target")
  endif()
  target_link_libraries(${target} PRIVATE leakwatch::gtest_main)

  set(args)
  if(DEFINED LW_SLACK)
    list(APPEND args "--leakwatch_slack=${LW_SLACK}")
  endif()
  if(DEFINED LW_SUPPRESSIONS)
    cmake_path(ABSOLUTE_PATH LW_SUPPRESSIONS BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
               OUTPUT_VARIABLE suppressions)
    list(APPEND args "--leakwatch_suppressions=${suppressions}")
  endif()
  if(DEFINED LW_SETTLE)
    list(APPEND args "--leakwatch_settle=${LW_SETTLE}")
  endif()
  if(DEFINED LW_MODE)
    list(APPEND args "--leakwatch=${LW_MODE}")
  endif()
  list(APPEND args ${LW_EXTRA_ARGS})

  set(properties ${LW_PROPERTIES})
  if(LW_LABELS)
    list(JOIN LW_LABELS "\\;" labels)
    list(APPEND properties LABELS "${labels}")
  endif()
  gtest_discover_tests(${target}
    EXTRA_ARGS ${args}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES ${properties})
endfunction()
