#!/usr/bin/env bash
# Configures, builds and tests examples/consumer against a leakwatch installed in PREFIX by
# install_package.sh. Registered by tests/install/CMakeLists.txt:
#
#   consumer_test.sh PREFIX PROJECT_DIR WORK_PARENT CMAKE CTEST GENERATOR MAKE_PROGRAM CXX \
#                    CONFIG [CONSUMER_CMAKE_ARG...]
#
# PROJECT_DIR is examples/consumer.
#
# Checks, in order: the consumer finds leakwatch in PREFIX (not elsewhere), builds, and its ctest
# run passes every test, among them the discovered cases (each with both of its labels) and the
# `leakwatch run`s of leakwatch_add_run, which run the installed bin/leakwatch; and
# consumer_leaky's leaking case is failed by leakwatch while its clean case passes.
#
# Everything happens in a unique directory under WORK_PARENT that is removed at the end; set
# LEAKWATCH_KEEP_TEST_DIRS=1 to keep it for a look. On failure it prints what failed and the
# output of that step, and exits 1.
set -euo pipefail
script_name=consumer_test
source "$(dirname "$0")/install_lib.sh"

read_consumer_args "$@"
shift 9
consumer_build=$work/consumer-build

configure_consumer "$project_dir" "$consumer_build" "$@"

step "building examples/consumer" "$cmake" --build "$consumer_build" --parallel 2

step "running the consumer's ctest" \
  "$ctest" --test-dir "$consumer_build" --output-on-failure --no-tests=error -j2 \
  "${config_args[@]}"
cat "$log"
# Every case must have been discovered and run, not only "no failures".
for test_name in ConsumerTest.ClosesThePipeItOpens ConsumerTest.JoinsTheThreadItStarts \
                 ConsumerTest.ReadsAFile consumer_leaky_is_caught consumer_server_tests \
                 consumer_run_clean consumer_run_clean_junit consumer_run_leaking \
                 consumer_run_leaking_junit; do
  grep -qE "Test +#[0-9]+: $test_name \.+ +Passed" "$log" ||
    fail "the consumer's ctest did not pass $test_name"
done

# leakwatch_add_run must have run the installed leakwatch (the imported leakwatch::leakwatch),
# not one found elsewhere.
step "listing consumer_run_clean's command" \
  "$ctest" --test-dir "$consumer_build" -N -V -R '^consumer_run_clean$' "${config_args[@]}"
grep -qF "Test command: $prefix/bin/leakwatch " "$log" ||
  fail "consumer_run_clean does not run $prefix/bin/leakwatch: $(grep 'Test command' "$log")"

# leakwatch_discover_tests(consumer_tests LABELS consumer unit): each case has both labels.
for label in consumer unit; do
  step "listing the consumer's tests labelled $label" \
    "$ctest" --test-dir "$consumer_build" -N -L "^$label\$" "${config_args[@]}"
  for test_name in ConsumerTest.ClosesThePipeItOpens ConsumerTest.JoinsTheThreadItStarts \
                   ConsumerTest.ReadsAFile; do
    grep -qE "Test +#[0-9]+: $test_name\$" "$log" ||
      fail "$test_name does not carry the label $label"
  done
done

# consumer_leaky_is_caught only matched the message; here the details: the process fails, the
# message lands inside the leaking case, and the clean case after it still passes.
echo "$script_name: running consumer_leaky directly"
leaky_status=0
"$consumer_build/consumer_leaky" >"$log" 2>&1 || leaky_status=$?
leaky_output=$(<"$log")
show_leaky() { echo "$leaky_output" >&2; }
if ((leaky_status == 0 || leaky_status >= 128)); then
  show_leaky
  fail "consumer_leaky exited with $leaky_status; expected a test failure (1)"
fi
# The lines from the case's RUN line to its FAILED line.
leaking_case=$(awk '/^\[ RUN      \] ConsumerLeaky\.LeaksAPipe$/ { inside = 1 }
                    inside { print }
                    inside && /^\[  FAILED  \] ConsumerLeaky\.LeaksAPipe/ { exit }' \
               <<<"$leaky_output")
if ! grep -qE '^\[  FAILED  \] ConsumerLeaky\.LeaksAPipe' <<<"$leaking_case" ||
   ! grep -qE 'leakwatch: case leaked .*pipe' <<<"$leaking_case"; then
  show_leaky
  fail "ConsumerLeaky.LeaksAPipe was not failed with 'leakwatch: case leaked ... pipe'"
fi
if ! grep -qE '^\[       OK \] ConsumerLeaky\.ClosesItsPipe' <<<"$leaky_output"; then
  show_leaky
  fail "ConsumerLeaky.ClosesItsPipe did not pass after the leaking case"
fi

echo "$script_name: passed"
