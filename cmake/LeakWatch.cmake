# LeakWatch.cmake — register GoogleTest cases with ctest, each checked for leaks by leakwatch.
#
#   find_package(leakwatch CONFIG REQUIRED)   # or add_subdirectory of a leakwatch source tree
#   include(LeakWatch)
#   add_executable(my_tests my_tests.cpp)
#   leakwatch_discover_tests(my_tests SLACK "thread=1" SUPPRESSIONS leakwatch.supp.yaml
#                            LABELS unit)
#
# links leakwatch::gtest_main (GoogleTest's main plus the per-case leak check) and registers every
# case with ctest through gtest_discover_tests. It works whichever target_link_libraries signature
# the target already uses (plain or keyword), and with the project's own GoogleTest (found,
# fetched or vendored): leakwatch's GoogleTest libraries are built against it. A target that
# links GoogleTest's own main (GTest::gtest_main, gmock_main, ...) is a configure error: two
# mains, one silently unused. Options:
#   NO_MAIN             the target has its own main(), which calls leakwatch::InstallLeakChecks:
#                       link only the listener, leakwatch::gtest
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
  cmake_parse_arguments(PARSE_ARGV 1 LW "NO_MAIN" "SLACK;SUPPRESSIONS;SETTLE;MODE"
                        "LABELS;EXTRA_ARGS;PROPERTIES")
  if(LW_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "leakwatch_discover_tests(${target}): unknown arguments "
                        "${LW_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "leakwatch_discover_tests: ${target} is not a target")
  endif()
  set(library leakwatch::gtest_main)
  if(LW_NO_MAIN)
    set(library leakwatch::gtest)
  endif()
  # Not target_link_libraries: a call with a keyword fails on a target that used the plain
  # signature before, and one without fails after a keyword. The property is what both set.
  set_property(TARGET ${target} APPEND PROPERTY LINK_LIBRARIES ${library})
  # Checked once the directory is done, so that links added after this call count too. EVAL
  # passes the values of now: a deferred call's arguments are evaluated when it runs.
  get_property(checked TARGET ${target} PROPERTY LEAKWATCH_GTEST_CHECKED)
  if(NOT checked)
    set_property(TARGET ${target} PROPERTY LEAKWATCH_GTEST_CHECKED TRUE)
    cmake_language(EVAL CODE
      "cmake_language(DEFER CALL _leakwatch_check_gtest_links [[${target}]] [[${library}]])")
  endif()

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

# Fails the configure when `target` cannot get leakwatch's main and listener right: it links a
# GoogleTest main (two mains), or no GoogleTest target is visible to build them against.
function(_leakwatch_check_gtest_links target library)
  _leakwatch_linked_gtest_main(main ${target})
  if(main AND library STREQUAL "leakwatch::gtest")
    message(FATAL_ERROR "leakwatch_discover_tests(${target} NO_MAIN): ${target} links ${main}, "
      "GoogleTest's own main(), but NO_MAIN says it has a main() of its own: one of the two "
      "would be silently unused. Remove ${main} from what ${target} links.")
  elseif(main)
    message(FATAL_ERROR "leakwatch_discover_tests(${target}): ${target} links ${main}, "
      "GoogleTest's own main(), and leakwatch_discover_tests links leakwatch's, which runs the "
      "cases the same way with a leak check around each: one of the two would be silently "
      "unused. Remove ${main} from what ${target} links; if ${target} has a main() of its own "
      "that calls leakwatch::InstallLeakChecks, pass NO_MAIN instead.")
  endif()
  if(NOT TARGET GTest::gtest AND NOT TARGET gtest)
    message(FATAL_ERROR "leakwatch_discover_tests(${target}): no GoogleTest target (GTest::gtest "
      "or gtest) in ${CMAKE_CURRENT_SOURCE_DIR}; leakwatch's listener is built against your "
      "GoogleTest: add find_package(GTest REQUIRED), or GoogleTest's sources (FetchContent, "
      "add_subdirectory), in this directory or a parent.")
  endif()
endfunction()

# The GoogleTest main `target` links, directly or through the libraries it links ("gmock_main
# (through test_helpers)"); "" if none.
function(_leakwatch_linked_gtest_main out target)
  set(main_pattern "^(GTest::(gtest_main|gmock_main|Main)|gtest_main|gmock_main)$")
  set(seen ${target})
  set(linked_by ${target})  # linked_by[i]: what links seen[i]
  set(queue ${target})
  while(queue)
    list(POP_FRONT queue current)
    get_target_property(real ${current} ALIASED_TARGET)
    if(NOT real)
      set(real ${current})
    endif()
    if(NOT current STREQUAL target AND
       (current MATCHES "${main_pattern}" OR real MATCHES "${main_pattern}"))
      set(through "")
      list(FIND seen ${current} i)
      list(GET linked_by ${i} parent)
      while(NOT parent STREQUAL target)
        list(PREPEND through ${parent})
        list(FIND seen ${parent} i)
        list(GET linked_by ${i} parent)
      endwhile()
      if(through)
        list(JOIN through ", " through)
        set(current "${current} (through ${through})")
      endif()
      set(${out} ${current} PARENT_SCOPE)
      return()
    endif()
    foreach(property LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
      get_target_property(items ${real} ${property})
      foreach(item IN LISTS items)
        # A static library's private links appear as $<LINK_ONLY:name>; other generator
        # expressions are not followed.
        if(item MATCHES "^\\$<LINK_ONLY:([^$<>]+)>$")
          set(item ${CMAKE_MATCH_1})
        endif()
        if(TARGET "${item}" AND NOT item IN_LIST seen)
          list(APPEND seen ${item})
          list(APPEND linked_by ${current})
          list(APPEND queue ${item})
        endif()
      endforeach()
    endforeach()
  endwhile()
  set(${out} "" PARENT_SCOPE)
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
