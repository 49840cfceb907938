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
# the in-tree target `leakwatch` when there is one, else the installed bin/leakwatch next to this
# package (or LEAKWATCH_EXECUTABLE, or the first leakwatch on PATH).
include_guard(GLOBAL)
include(GoogleTest)

# Inside a function CMAKE_CURRENT_LIST_DIR is the caller's; keep this file's own directory.
set(_LEAKWATCH_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")

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

function(leakwatch_add_run)
  cmake_parse_arguments(PARSE_ARGV 0 LW "" "NAME;CONFIG" "ARGS;LABELS")
  if(LW_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "leakwatch_add_run: unknown arguments ${LW_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT LW_NAME OR NOT LW_CONFIG)
    message(FATAL_ERROR "leakwatch_add_run: NAME and CONFIG are required")
  endif()

  if(TARGET leakwatch)
    set(leakwatch_exe "$<TARGET_FILE:leakwatch>")
  else()
    # Installed: lib/cmake/leakwatch/ (or lib/<multiarch>/cmake/leakwatch/) next to bin/.
    find_program(LEAKWATCH_EXECUTABLE leakwatch
      HINTS "${_LEAKWATCH_CMAKE_DIR}/../../../bin" "${_LEAKWATCH_CMAKE_DIR}/../../../../bin"
      NO_DEFAULT_PATH)
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
