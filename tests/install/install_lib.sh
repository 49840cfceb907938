# install_lib.sh — helpers for tests/install's scripts, which source it after setting script_name.
#
#   fail MESSAGE...             print "<script_name>: FAILED: MESSAGE" and exit 1
#   step WHAT COMMAND...        run COMMAND with its output in $log; on failure show it and fail
#   make_work_dir PARENT        a fresh $work under PARENT (so parallel runs do not collide),
#                               removed at exit unless LEAKWATCH_KEEP_TEST_DIRS=1; $log in it
#   read_consumer_args ARG...  the nine arguments every consumer script takes first:
#                               PREFIX PROJECT_DIR WORK_PARENT CMAKE CTEST GENERATOR MAKE_PROGRAM
#                               CXX CONFIG; sets the variables of those names in lower case (and
#                               config_args), and makes $work under WORK_PARENT. The caller then
#                               does `shift 9` for its own arguments.
#   configure_consumer SOURCE BUILD [ARG...]
#                               configure a consumer project against $prefix only (no package
#                               registry), with $cmake, $generator, $make_program, $cxx and
#                               $config, and check that it found leakwatch there

fail() {
  echo "$script_name: FAILED: $*" >&2
  exit 1
}

step() {
  local what=$1
  shift
  echo "$script_name: $what"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    fail "$what (command: $*)"
  fi
}

make_work_dir() {
  work=$(mktemp -d "$1/$script_name.XXXXXX")
  log=$work/step.log
  trap remove_work_dir EXIT
}

remove_work_dir() {
  if [[ ${LEAKWATCH_KEEP_TEST_DIRS:-} == 1 ]]; then
    echo "$script_name: kept $work"
  else
    rm -rf "$work"
  fi
}

read_consumer_args() {
  if (($# < 9)); then
    echo "usage: $0 PREFIX PROJECT_DIR WORK_PARENT CMAKE CTEST GENERATOR MAKE_PROGRAM CXX CONFIG" \
         "..." >&2
    exit 2
  fi
  prefix=$1 project_dir=$2 cmake=$4 ctest=$5 generator=$6 make_program=$7 cxx=$8 config=$9
  config_args=()
  if [[ -n $config ]]; then
    config_args=(--config "$config")
  fi
  make_work_dir "$3"
}

configure_consumer() {
  local source=$1 build=$2
  shift 2
  step "configuring $source against $prefix" \
    "$cmake" -S "$source" -B "$build" -G "$generator" \
    "-DCMAKE_MAKE_PROGRAM=$make_program" "-DCMAKE_CXX_COMPILER=$cxx" \
    "-DCMAKE_BUILD_TYPE=$config" "-DCMAKE_PREFIX_PATH=$prefix" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF "$@"
  local found_dir
  found_dir=$(sed -n 's/^leakwatch_DIR:PATH=//p' "$build/CMakeCache.txt")
  [[ $found_dir == "$prefix/"* ]] ||
    fail "$source found leakwatch in '$found_dir', not under $prefix"
}
