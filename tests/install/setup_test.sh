#!/usr/bin/env bash
# Configures, builds and runs under ctest one project of examples/consumer/setups (a way a project
# may be set up: its CMake style, where its GoogleTest comes from, its own main or dependencies)
# against a leakwatch installed in PREFIX by install_package.sh. Registered by
# tests/install/CMakeLists.txt:
#
#   setup_test.sh PREFIX PROJECT_DIR WORK_PARENT CMAKE CTEST GENERATOR MAKE_PROGRAM CXX CONFIG \
#                 LAZY_INIT_EXPECTED [CONSUMER_CMAKE_ARG...]
#
# Every setup builds the cases of examples/consumer/consumer_leaky.cpp and setups/common/
# lazy_init_test.cpp, registered by leakwatch_discover_tests. Checks: the project finds leakwatch
# in PREFIX, configures and builds; under ctest, ConsumerLeaky.LeaksAPipe fails with leakwatch's
# message naming the pipe, ConsumerLeaky.ClosesItsPipe passes, LazyInit.StartsTheLoggerThread
# ends as LAZY_INIT_EXPECTED says (Passed, or Failed with leakwatch's message naming the thread),
# and every other case passes.
#
# Everything happens in a unique directory under WORK_PARENT that is removed at the end; set
# LEAKWATCH_KEEP_TEST_DIRS=1 to keep it for a look. On failure it prints what failed and the
# output of that step, and exits 1.
set -euo pipefail
script_name=setup_test
source "$(dirname "$0")/install_lib.sh"

read_consumer_args "$@"
lazy_init_expected=${10:?LAZY_INIT_EXPECTED is missing}
shift 10
script_name=setup_test.$(basename "$project_dir")
build=$work/build

configure_consumer "$project_dir" "$build" "$@"
step "building $project_dir" "$cmake" --build "$build" --parallel 2

# The planted leak fails a case, so ctest itself fails: the outcome of each case is what counts.
echo "$script_name: running its ctest"
"$ctest" --test-dir "$build" --output-on-failure --no-tests=error -j2 "${config_args[@]}" \
  >"$log" 2>&1 || true
ctest_output=$(<"$log")
# "1/3 Test #1: Suite.Case ..........***Failed  0.52 sec" -> "Suite.Case Failed"
outcomes=$(sed -nE 's/^ *[0-9]+\/[0-9]+ +Test +#[0-9]+: ([^ ]+) \.+ *(\*\*\*)?([A-Za-z]+).*/\1 \3/p' \
           <<<"$ctest_output")

# expect CASE STATUS: the case ran under ctest and ended with STATUS (Passed, Failed).
expect() {
  local got
  got=$(awk -v c="$1" '$1 == c { print $2 }' <<<"$outcomes")
  if [[ $got != "$2" ]]; then
    echo "$ctest_output" >&2
    fail "$1 ended '${got:-(not run)}' under ctest, expected $2"
  fi
}

# expect_message CASE REGEX: run alone, the case prints a line that matches REGEX.
expect_message() {
  "$ctest" --test-dir "$build" --output-on-failure -R "^${1//./[.]}\$" "${config_args[@]}" \
    >"$log" 2>&1 || true
  if ! grep -qE "$2" "$log"; then
    cat "$log" >&2
    fail "$1 did not print '$2'"
  fi
}

expect ConsumerLeaky.LeaksAPipe Failed
expect_message ConsumerLeaky.LeaksAPipe 'leakwatch: case leaked 2 pipe'
expect LazyInit.StartsTheLoggerThread "$lazy_init_expected"
if [[ $lazy_init_expected == Failed ]]; then
  expect_message LazyInit.StartsTheLoggerThread 'leakwatch: case leaked 1 thread'
fi
expect ConsumerLeaky.ClosesItsPipe Passed
# Every other case passes (OwnDeps.* in own-fmt-yaml).
while read -r case status; do
  [[ $case == ConsumerLeaky.LeaksAPipe || $case == LazyInit.StartsTheLoggerThread ]] && continue
  [[ $status == Passed ]] || { echo "$ctest_output" >&2; fail "$case ended $status"; }
done <<<"$outcomes"

echo "$ctest_output"
echo "$script_name: passed"
