#!/usr/bin/env bash
# Installs a leakwatch build into PREFIX (emptied first) and checks the installed package; the
# consumer tests (consumer_test.sh, setup_test.sh) then build against PREFIX. Registered by
# tests/install/CMakeLists.txt:
#
#   install_package.sh BUILD_DIR SOURCE_DIR PREFIX CMAKE CONFIG VERSION
#
# Checks, in order: the install succeeds; bin/leakwatch --version reports VERSION (so it finds its
# shared libraries where they were installed); no installed text file names the source or build
# tree; the package imports bin/leakwatch as leakwatch::leakwatch; nothing leakwatch uses
# privately reaches a project: no fmt, yaml-cpp, nlohmann_json or GoogleTest in the exported
# targets or looked for by leakwatchConfig.cmake, and the shared libraries export only leakwatch's
# symbols and need no libfmt or GoogleTest; the shipped GoogleTest sources (built in a project's
# tree, against its GoogleTest) include nothing but GoogleTest, system and standard headers,
# leakwatch's installed headers and each other.
#
# On failure it prints what failed and the output of that step, and exits 1.
set -euo pipefail
script_name=install_package
source "$(dirname "$0")/install_lib.sh"

if (($# != 6)); then
  echo "usage: $0 BUILD_DIR SOURCE_DIR PREFIX CMAKE CONFIG VERSION" >&2
  exit 2
fi
build_dir=$1 source_dir=$2 prefix=$3 cmake=$4 config=$5 version=$6
log=$(mktemp)
trap 'rm -f "$log"' EXIT

config_args=()
if [[ -n $config ]]; then
  config_args=(--config "$config")
fi

rm -rf "$prefix"
step "installing $build_dir into $prefix" \
  "$cmake" --install "$build_dir" --prefix "$prefix" "${config_args[@]}"

step "running $prefix/bin/leakwatch --version" "$prefix/bin/leakwatch" --version
[[ $(<"$log") == "leakwatch $version" ]] ||
  fail "leakwatch --version printed '$(<"$log")', expected 'leakwatch $version'"

# Installed files must be relocatable: a path of this machine's checkout or build would break the
# package anywhere else. Binaries are skipped (-I): debug info names the sources, as it should.
echo "$script_name: looking for $source_dir and $build_dir in installed text files"
if leaked_paths=$(grep -rIlF -e "$source_dir" -e "$build_dir" "$prefix"); then
  grep -rInF -e "$source_dir" -e "$build_dir" "$prefix" >&2 || true
  fail "installed files name the source or build tree: $leaked_paths"
fi

package_dir=$(dirname "$(find "$prefix" -name leakwatchConfig.cmake)")
# leakwatch_add_run runs the package's imported executable, as it runs the target in the build.
grep -qF "add_executable(leakwatch::leakwatch IMPORTED)" "$package_dir/leakwatchTargets.cmake" ||
  fail "the installed package does not define the imported target leakwatch::leakwatch"

# A project with its own fmt::fmt or yaml-cpp target would get those in place of leakwatch's (or a
# configure error, when the package looked for them): the exported link interface names none.
private_names='fmt|yaml|nlohmann|GTest|gtest|gmock'
if grep -nE "$private_names" "$package_dir"/leakwatchTargets*.cmake >&2; then
  fail "the exported targets name a private dependency (above)"
fi
if grep -nE "find_(dependency|package)\([^)]*($private_names)" "$package_dir/leakwatchConfig.cmake" \
    >&2; then
  fail "leakwatchConfig.cmake looks for a private dependency (above)"
fi

# The same for symbols: a project linking its own fmt or yaml-cpp must not meet leakwatch's copy.
libraries=$(find "$prefix" -name 'libleakwatch_*.so.*' -type f)
[[ -n $libraries ]] || fail "no libleakwatch_*.so installed"
for library in $libraries; do
  echo "$script_name: checking the dynamic symbols and dependencies of $library"
  exported=$(nm -DC --defined-only "$library" | cut -c20-)
  [[ -n $exported ]] || fail "$library exports nothing"
  if foreign=$(grep -vE '^((typeinfo|typeinfo name|vtable|VTT|guard variable) for )?leakwatch::' \
                 <<<"$exported"); then
    fail "$library exports symbols that are not leakwatch's: $(head -5 <<<"$foreign")"
  fi
  if readelf -d "$library" | grep -E 'NEEDED.*lib(fmt|gtest|gmock)' >&2; then
    fail "$library needs a library that must stay private (above)"
  fi
done

# The shipped GoogleTest sources are compiled in a project that has only leakwatch's installed
# headers, its own GoogleTest, and maybe its own fmt: each #include must be one of those kinds.
include_dir=$prefix/include
for file in $(find "$prefix/share/leakwatch/src" -type f); do
  while read -r header; do
    case $header in
      \<gtest/*\> | \<gmock/*\>) ;;
      \"leakwatch/*\")
        [[ -f $include_dir/${header//\"/} ]] ||
          fail "$file includes $header, which is not installed" ;;
      \"*\")
        [[ -f $(dirname "$file")/${header//\"/} ]] ||
          fail "$file includes $header, which is not shipped beside it" ;;
      *)
        # The C++ library (<string>), the C and POSIX headers (<unistd.h>, <sys/types.h>).
        [[ $header =~ ^\<[a-z_]+\>$ || $header =~ ^\<((sys|linux|netinet|arpa)/)?[a-z0-9_]+\.h\>$ ]] ||
          fail "$file includes $header: the shipped sources may use only GoogleTest, the" \
               "standard and system headers and leakwatch's installed headers"
        ;;
    esac
  done < <(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*([<"][^>"]+[>"]).*/\1/p' "$file")
done

echo "$script_name: passed"
