#!/usr/bin/env bash
# Installs a leakwatch build into a fresh prefix, then configures, builds and tests
# examples/consumer against that prefix only. Registered by tests/install/CMakeLists.txt:
#
#   install_test.sh BUILD_DIR SOURCE_DIR WORK_PARENT CMAKE CTEST GENERATOR MAKE_PROGRAM CXX \
#                   CONFIG VERSION [CONSUMER_CMAKE_ARG...]
#
# Checks, in order: the install succeeds; bin/leakwatch --version reports VERSION; no installed
# text file names the source or build tree; the package imports bin/leakwatch as
# leakwatch::leakwatch; the consumer finds leakwatch in the fresh prefix (not elsewhere), builds,
# and its ctest run passes every test, among them the discovered cases (each with both of its
# labels) and the `leakwatch run`s of leakwatch_add_run, which run the installed bin/leakwatch;
# and consumer_leaky's leaking case is failed by leakwatch while its clean case passes.
#
# Everything happens in a unique directory under WORK_PARENT (so parallel runs do not collide)
# that is removed at the end; set LEAKWATCH_KEEP_TEST_DIRS=1 to keep it for a look.
# On failure it prints what failed and the output of that step, and exits 1.
set -euo pipefail

if (($# < 10)); then
  echo "usage: $0 BUILD_DIR SOURCE_DIR WORK_PARENT CMAKE CTEST GENERATOR MAKE_PROGRAM CXX" \
       "CONFIG VERSION [CONSUMER_CMAKE_ARG...]" >&2
  exit 2
fi
build_dir=$1 source_dir=$2 work_parent=$3 cmake=$4 ctest=$5 generator=$6 make_program=$7
cxx=$8 config=$9 version=${10}
shift 10
consumer_args=("$@")

work=$(mktemp -d "$work_parent/install-test.XXXXXX")
cleanup() {
  if [[ ${LEAKWATCH_KEEP_TEST_DIRS:-} == 1 ]]; then
    echo "install_test: kept $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
prefix=$work/prefix
consumer_build=$work/consumer-build
log=$work/step.log

fail() {
  echo "install_test: FAILED: $*" >&2
  exit 1
}

# Runs a step with its output in $log; on failure shows that output and stops.
step() {
  local what=$1
  shift
  echo "install_test: $what"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    fail "$what (command: $*)"
  fi
}

config_args=()
if [[ -n $config ]]; then
  config_args=(--config "$config")
fi

step "installing $build_dir into $prefix" \
  "$cmake" --install "$build_dir" --prefix "$prefix" "${config_args[@]}"

step "running $prefix/bin/leakwatch --version" "$prefix/bin/leakwatch" --version
[[ $(<"$log") == "leakwatch $version" ]] ||
  fail "leakwatch --version printed '$(<"$log")', expected 'leakwatch $version'"

# Installed files must be relocatable: a path of this machine's checkout or build would break the
# package anywhere else. Binaries are skipped (-I): debug info names the sources, as it should.
echo "install_test: looking for $source_dir and $build_dir in installed text files"
if leaked_paths=$(grep -rIlF -e "$source_dir" -e "$build_dir" "$prefix"); then
  grep -rInF -e "$source_dir" -e "$build_dir" "$prefix" >&2 || true
  fail "installed files name the source or build tree: $leaked_paths"
fi

# leakwatch_add_run runs the package's imported executable, as it runs the target in the build.
grep -rqF "add_executable(leakwatch::leakwatch IMPORTED)" "$prefix" ||
  fail "the installed package does not define the imported target leakwatch::leakwatch"

# The consumer must find leakwatch in $prefix only: no package registry, and the check below.
step "configuring examples/consumer against $prefix" \
  "$cmake" -S "$source_dir/examples/consumer" -B "$consumer_build" -G "$generator" \
  "-DCMAKE_MAKE_PROGRAM=$make_program" "-DCMAKE_CXX_COMPILER=$cxx" \
  "-DCMAKE_BUILD_TYPE=$config" "-DCMAKE_PREFIX_PATH=$prefix" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF "${consumer_args[@]}"
found_dir=$(sed -n 's/^leakwatch_DIR:PATH=//p' "$consumer_build/CMakeCache.txt")
[[ $found_dir == "$prefix/"* ]] ||
  fail "the consumer found leakwatch in '$found_dir', not under $prefix"

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
echo "install_test: running consumer_leaky directly"
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

echo "install_test: passed"
