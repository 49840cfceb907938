# cmake -DSCENARIO=... -DEXPECTED=regex -DSOURCE_DIR=... -DWORK_PARENT=... -DGENERATOR=...
#       -DMAKE_PROGRAM=... -DCXX_COMPILER=... -P check_scenario.cmake
#
# Configures tests/discover_errors/project with SCENARIO in a fresh directory under WORK_PARENT.
# With EXPECTED empty the configure must succeed and print "cases links: GTest::gtest;
# leakwatch::gtest"; otherwise it must fail with output that matches EXPECTED. The directory is
# removed at the end.
cmake_minimum_required(VERSION 3.25)

foreach(var SCENARIO EXPECTED SOURCE_DIR WORK_PARENT GENERATOR MAKE_PROGRAM CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_scenario: -D${var}=... is required")
  endif()
endforeach()

execute_process(COMMAND mktemp -d "${WORK_PARENT}/${SCENARIO}.XXXXXX"
  OUTPUT_VARIABLE work OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/discover_errors/project" -B "${work}"
    -G "${GENERATOR}" "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DLEAKWATCH_CMAKE_DIR=${SOURCE_DIR}/cmake" "-DSCENARIO=${SCENARIO}"
  OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE status)
file(REMOVE_RECURSE "${work}")
# Messages are wrapped at the terminal width: compare them as one line.
string(REGEX REPLACE "[ \n]+" " " flat "${out}")

if(EXPECTED STREQUAL "")
  if(NOT status EQUAL 0 OR NOT flat MATCHES "cases links: GTest::gtest;leakwatch::gtest")
    message(FATAL_ERROR "check_scenario: ${SCENARIO}: expected a configure that links "
                        "GTest::gtest;leakwatch::gtest, got (${status}):\n${out}")
  endif()
elseif(status EQUAL 0 OR NOT flat MATCHES "${EXPECTED}")
  message(FATAL_ERROR "check_scenario: ${SCENARIO}: expected the configure to fail with "
                      "'${EXPECTED}', got (${status}):\n${out}")
endif()
message(STATUS "check_scenario: ${SCENARIO}: passed")
