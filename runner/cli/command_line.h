// command_line.h — CLI11 glue shared by the commands: argument validators, and the mapping of a
// failed parse to leakwatch's exit codes.
//
// CLI11 reports --help and --version as "errors" with exit code 0 and real parse errors with its
// own codes (105 for a conversion error, 106 for a validation error, ...). leakwatch documents a
// single code for every usage error (kExitUsage), so all of them pass through here.
//
//   command->add_option("PID", args.pid, "The process")->check(PositiveInteger(kMaxPid));
//   try {
//     app.parse(argc, argv);
//   } catch (const CLI::ParseError& error) {
//     return leakwatch::cli::ExitForParseError(app, error);
//   }
#pragma once

#include <CLI/CLI.hpp>
#include <climits>
#include <cstdint>

namespace leakwatch::cli {

// pid_t is an int; the kernel's pid_max is far below this.
inline constexpr std::int64_t kMaxPid = INT_MAX;

// Plain decimal digits, 1..max. Checked before CLI11 converts, so that "abc", "0" and "12x" all
// get one readable message instead of CLI11's range text.
CLI::Validator PositiveInteger(std::int64_t max);

// Help and version go to stdout with kExitOk. Anything else prints CLI11's message and a hint to
// the --help of the (sub)command being parsed on stderr and returns kExitUsage.
int ExitForParseError(const CLI::App& app, const CLI::ParseError& error);

}  // namespace leakwatch::cli
