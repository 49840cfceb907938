# leakwatch_shared_library(<target>) — the rules leakwatch's installed libraries (leakwatch::harness,
# leakwatch::fixtures) are built by, so that using them adds nothing to a project but leakwatch:
#
#   - only leakwatch:: symbols are exported (leakwatch_exports.map); with -Wl,--exclude-libs,ALL
#     nothing from a static archive is either;
#   - fmt is compiled in header-only (leakwatch_private_fmt below): a project with its own fmt
#     (another version, or fmt itself) links and runs beside it;
#   - private dependencies stay private: a shared library's PRIVATE links are not part of the
#     exported link interface, so the package needs no find_dependency for fmt, yaml-cpp or
#     nlohmann_json.
#
# Link leakwatch_private_fmt and leakwatch_private_yaml_cpp instead of fmt::fmt and yaml-cpp in
# these libraries.
include_guard(GLOBAL)

add_library(leakwatch_private_fmt INTERFACE)
target_link_libraries(leakwatch_private_fmt INTERFACE fmt::fmt-header-only)

# yaml-cpp by its file: the export of a shared library names the shared-library targets it links
# (IMPORTED_LINK_DEPENDENT_LIBRARIES), and in a project with a yaml-cpp target of its own that
# name would be the project's. A shared library still: Debian's libyaml-cpp.a is built as PIE,
# which cannot be linked into a shared object.
add_library(leakwatch_private_yaml_cpp INTERFACE)
target_link_libraries(leakwatch_private_yaml_cpp INTERFACE "$<TARGET_LINKER_FILE:yaml-cpp>")
target_include_directories(leakwatch_private_yaml_cpp
  INTERFACE "$<TARGET_PROPERTY:yaml-cpp,INTERFACE_INCLUDE_DIRECTORIES>")

function(leakwatch_shared_library target)
  set(exports "${PROJECT_SOURCE_DIR}/cmake/leakwatch_exports.map")
  # 0.x releases may change the ABI with every minor version; 1.0 will promise more.
  set_target_properties(${target} PROPERTIES
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
    LINK_DEPENDS "${exports}")
  target_link_options(${target} PRIVATE
    "LINKER:--version-script=${exports}" "LINKER:--exclude-libs,ALL")
  # Every symbol resolved at link time: a missing private dependency fails here, not in a user's
  # link. Sanitized builds resolve the sanitizer runtime from the executable, so not there.
  if(NOT LEAKWATCH_SANITIZE)
    target_link_options(${target} PRIVATE "LINKER:--no-undefined")
  endif()
endfunction()
