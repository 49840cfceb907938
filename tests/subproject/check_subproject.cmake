# cmake -DSOURCE_DIR=... -DWORK_PARENT=... -DGENERATOR=... -DMAKE_PROGRAM=... -DC_COMPILER=...
#       -DCXX_COMPILER=... -P check_subproject.cmake
#
# Configures tests/subproject/parent (leakwatch by add_subdirectory) in a fresh directory under
# WORK_PARENT and checks: LEAKWATCH_INSTALL defaults to OFF there; `cmake --install` then installs
# the parent's file and nothing of leakwatch; with -DLEAKWATCH_INSTALL=ON the install rules of
# leakwatch's package are generated again. Nothing is built. The directory is removed at the end.
cmake_minimum_required(VERSION 3.25)

foreach(var SOURCE_DIR WORK_PARENT GENERATOR MAKE_PROGRAM C_COMPILER CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_subproject: -D${var}=... is required")
  endif()
endforeach()

execute_process(COMMAND mktemp -d "${WORK_PARENT}/subproject-test.XXXXXX"
  OUTPUT_VARIABLE work OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
set(build "${work}/build")
set(prefix "${work}/prefix")

macro(fail)
  file(REMOVE_RECURSE "${work}")
  message(FATAL_ERROR "check_subproject: " ${ARGN})
endmacro()

# Runs a cmake command line; stops with its output when it fails.
function(run_cmake what)
  message(STATUS "check_subproject: ${what}")
  execute_process(COMMAND "${CMAKE_COMMAND}" ${ARGN}
    OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    fail("${what} failed (${status}):\n${out}")
  endif()
endfunction()

set(configure_args -S "${SOURCE_DIR}/tests/subproject/parent" -B "${build}" -G "${GENERATOR}"
  "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}" "-DCMAKE_C_COMPILER=${C_COMPILER}"
  "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DLEAKWATCH_SOURCE_DIR=${SOURCE_DIR}")

run_cmake("configuring the parent project" ${configure_args})
file(STRINGS "${build}/CMakeCache.txt" option REGEX "^LEAKWATCH_INSTALL:")
if(NOT option STREQUAL "LEAKWATCH_INSTALL:BOOL=OFF")
  fail("LEAKWATCH_INSTALL in a subproject is '${option}', expected LEAKWATCH_INSTALL:BOOL=OFF")
endif()

run_cmake("installing the parent project" --install "${build}" --prefix "${prefix}")
file(GLOB_RECURSE installed LIST_DIRECTORIES false RELATIVE "${prefix}" "${prefix}/*")
if(NOT installed STREQUAL "share/leakwatch_parent/CMakeLists.txt")
  fail("installing the parent installed [${installed}], expected only its own file")
endif()

# The option still turns them on: the install script then names leakwatch's package files.
run_cmake("configuring with -DLEAKWATCH_INSTALL=ON" ${configure_args} -DLEAKWATCH_INSTALL=ON)
file(READ "${build}/leakwatch/cmake_install.cmake" script)
string(FIND "${script}" "leakwatchConfig.cmake" at)
if(at EQUAL -1)
  fail("with LEAKWATCH_INSTALL=ON, leakwatch's install script does not install its package")
endif()

file(REMOVE_RECURSE "${work}")
message(STATUS "check_subproject: passed")
