# Compile options for leakwatch's own code (not for users' code: that is cmake/LeakWatch.cmake).
# Warnings are errors; frame pointers stay so that our own frames show in user stacks.
add_library(leakwatch_compile_options INTERFACE)
# -Wno-missing-field-initializers: gcc 12 warns when a designated initializer leaves members to
# their defaults ({.argv = {...}}), which is the point of writing one; gcc 13 no longer does.
target_compile_options(leakwatch_compile_options INTERFACE
  -Wall -Wextra -Werror -Wno-missing-field-initializers -fno-omit-frame-pointer)

# ASan + UBSan, switched on by the `asan` preset.
option(LEAKWATCH_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(LEAKWATCH_SANITIZE)
  target_compile_options(leakwatch_compile_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined)
  target_link_options(leakwatch_compile_options INTERFACE -fsanitize=address,undefined)
endif()
