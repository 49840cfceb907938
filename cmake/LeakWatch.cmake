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
#
#   leakwatch_add_run(NAME server_checks CONFIG leakwatch.yaml [ARGS --jobs 2] [LABELS run])
#
# registers a whole `leakwatch run -c <config> --no-progress <ARGS>` as one ctest test, with a
# JUnit report in ${CMAKE_CURRENT_BINARY_DIR}/<NAME>.junit.xml. The test fails when the run exits
# non-zero (1: a case failed or leaked; 2: config error; 3: infrastructure error). leakwatch is
# the target leakwatch::leakwatch: the in-tree executable, or the installed bin/leakwatch imported
# by find_package(leakwatch); without either, LEAKWATCH_EXECUTABLE or the first leakwatch on PATH.
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

  # One name per call, so that two calls on one target keep their lists apart.
  get_property(calls TARGET ${target} PROPERTY LEAKWATCH_DISCOVER_CALLS)
  if(NOT calls)
    set(calls 0)
  endif()
  math(EXPR calls "${calls} + 1")
  set_property(TARGET ${target} PROPERTY LEAKWATCH_DISCOVER_CALLS ${calls})
  set(test_list "${target}_LEAKWATCH_TESTS_${calls}")

  gtest_discover_tests(${target}
    EXTRA_ARGS ${args}
    DISCOVERY_MODE PRE_TEST
    TEST_LIST ${test_list}
    PROPERTIES ${LW_PROPERTIES})

  if(LW_LABELS)
    # Not through PROPERTIES: gtest_discover_tests (CMake 3.25) re-splits a list value there, so
    # `LABELS a b` would set LABELS to a alone. A ctest include that runs after the discovered
    # tests' own sets the whole list on them. (A name with [ or ] is left out of TEST_LIST.)
    set(labels_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_leakwatch_labels_${calls}.cmake")
    file(WRITE "${labels_file}"
      "if(NOT \"\${${test_list}}\" STREQUAL \"\")\n"
      "  set_tests_properties(\${${test_list}} PROPERTIES LABELS [==[${LW_LABELS}]==])\n"
      "endif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${labels_file}")
  endif()
endfunction()

function(leakwatch_add_run)
  cmake_parse_arguments(PARSE_ARGV 0 LW "" "NAME;CONFIG" "ARGS;LABELS")
  if(LW_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "leakwatch_add_run: unknown arguments ${LW_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT LW_NAME OR NOT LW_CONFIG)
    message(FATAL_ERROR "leakwatch_add_run: NAME and CONFIG are required")
  endif()

  if(TARGET leakwatch::leakwatch)
    # The build tree's alias, or the installed package's imported executable.
    set(leakwatch_exe "$<TARGET_FILE:leakwatch::leakwatch>")
  else()
    # LeakWatch.cmake without the package (copied into a project): PATH or LEAKWATCH_EXECUTABLE.
    find_program(LEAKWATCH_EXECUTABLE leakwatch)
    if(NOT LEAKWATCH_EXECUTABLE)
      message(FATAL_ERROR "leakwatch_add_run(${LW_NAME}): no leakwatch executable found; "
                          "set LEAKWATCH_EXECUTABLE")
    endif()
    set(leakwatch_exe "${LEAKWATCH_EXECUTABLE}")
  endif()

  # A relative CONFIG is relative to the current source dir; a generated one (file(GENERATE),
  # configure_file) is named by its absolute path in the binary dir.
  cmake_path(ABSOLUTE_PATH LW_CONFIG BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
             OUTPUT_VARIABLE config)
  add_test(NAME ${LW_NAME}
    COMMAND "${leakwatch_exe}" run -c "${config}" --no-progress
            --junit "${CMAKE_CURRENT_BINARY_DIR}/${LW_NAME}.junit.xml" ${LW_ARGS})
  if(LW_LABELS)
    set_tests_properties(${LW_NAME} PROPERTIES LABELS "${LW_LABELS}")
  endif()
endfunction()
