# cmake -DCTEST=ctest -DTEST_DIR=dir -DPREFIX=Suite. -DCOUNT=n -DEXPECTED_LABELS=a;b \
#       -P check_labels.cmake
#
# Fails unless exactly COUNT of TEST_DIR's ctest tests have names starting with PREFIX and each
# has EXPECTED_LABELS (in that order) as its LABELS property.
cmake_minimum_required(VERSION 3.25)  # script mode: today's policies (quoted if() arguments)

foreach(var CTEST TEST_DIR PREFIX COUNT EXPECTED_LABELS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_labels: -D${var}=... is required")
  endif()
endforeach()

execute_process(COMMAND "${CTEST}" --test-dir "${TEST_DIR}" --show-only=json-v1
  OUTPUT_VARIABLE json ERROR_VARIABLE error RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "check_labels: ctest --show-only=json-v1 failed (${status}): ${error}")
endif()

# The indices 0..N-1 of the JSON array at `path...`, in `out` (empty for an empty array).
function(json_indices out)
  string(JSON count ERROR_VARIABLE missing LENGTH "${json}" ${ARGN})
  set(indices)
  if(NOT missing AND count GREATER 0)
    math(EXPR last "${count} - 1")
    foreach(i RANGE ${last})
      list(APPEND indices ${i})
    endforeach()
  endif()
  set(${out} ${indices} PARENT_SCOPE)
endfunction()

set(matched 0)
json_indices(tests tests)
foreach(t IN LISTS tests)
  string(JSON name GET "${json}" tests ${t} name)
  string(FIND "${name}" "${PREFIX}" at)
  if(NOT at EQUAL 0)
    continue()
  endif()
  math(EXPR matched "${matched} + 1")
  set(labels)
  json_indices(properties tests ${t} properties)
  foreach(p IN LISTS properties)
    string(JSON property GET "${json}" tests ${t} properties ${p} name)
    if(property STREQUAL "LABELS")
      json_indices(values tests ${t} properties ${p} value)
      foreach(v IN LISTS values)
        string(JSON label GET "${json}" tests ${t} properties ${p} value ${v})
        list(APPEND labels "${label}")
      endforeach()
    endif()
  endforeach()
  if(NOT labels STREQUAL EXPECTED_LABELS)
    message(FATAL_ERROR
      "check_labels: ${name} has labels [${labels}], expected [${EXPECTED_LABELS}]")
  endif()
  message(STATUS "${name}: labels [${labels}]")
endforeach()

if(NOT matched EQUAL COUNT)
  message(FATAL_ERROR "check_labels: ${matched} tests named ${PREFIX}*, expected ${COUNT}")
endif()
