#include "cli/command_line.h"

#include <fmt/core.h>

#include <cstdint>
#include <string>
#include <vector>

#include "exit_codes.h"

namespace leakwatch::cli {
namespace {

// The deepest subcommand that had started parsing when the error was thrown: its --help is the
// one that explains the bad flag.
std::string CommandPath(const CLI::App& app) {
  std::string path = app.get_name();
  const CLI::App* current = &app;
  for (;;) {
    std::vector<const CLI::App*> started =
        current->get_subcommands([](const CLI::App* sub) { return sub->parsed(); });
    if (started.empty()) return path;
    current = started.front();
    path += " " + current->get_name();
  }
}

}  // namespace

CLI::Validator PositiveInteger(std::int64_t max) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        std::string not_positive = fmt::format("expected a positive integer, got \"{}\"", text);
        if (text.empty()) return not_positive;
        std::int64_t value = 0;
        for (char c : text) {
          if (c < '0' || c > '9') return not_positive;
          int digit = c - '0';
          // Checked before multiplying, so that it can never overflow.
          if (value > (max - digit) / 10) {
            return fmt::format("\"{}\" is too large (at most {})", text, max);
          }
          value = value * 10 + digit;
        }
        return value >= 1 ? std::string() : not_positive;
      },
      "");
}

int ExitForParseError(const CLI::App& app, const CLI::ParseError& error) {
  if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
    // --help, --help-all, --version: CLI11 prints them the way users expect.
    return app.exit(error) == 0 ? kExitOk : kExitUsage;
  }
  std::string command = CommandPath(app);
  fmt::print(stderr, "{}: {}\nRun '{} --help' for more information.\n", command, error.what(),
             command);
  return kExitUsage;
}

}  // namespace leakwatch::cli
