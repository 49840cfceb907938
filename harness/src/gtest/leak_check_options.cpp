#include "leakwatch/leak_check_options.h"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "leakwatch/duration.h"

namespace leakwatch {
namespace {

// Applies one setting; `origin` names the flag or variable in errors.
Status Apply(std::string_view key, std::string_view value, std::string_view origin,
             LeakCheckOptions& options) {
  auto invalid = [&](const std::string& why) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(origin) + "=" + std::string(value) + ": " + why);
  };
  if (key == "mode") {
    if (value == "off")
      options.mode = LeakCheckMode::kOff;
    else if (value == "warn")
      options.mode = LeakCheckMode::kWarn;
    else if (value == "fail")
      options.mode = LeakCheckMode::kFail;
    else
      return invalid("expected off, warn or fail");
  } else if (key == "slack") {
    Result<Slack> slack = ParseSlack(value);
    if (!slack) return invalid(slack.error().message());
    options.slack = *slack;
  } else if (key == "settle") {
    Result<std::chrono::nanoseconds> d = ParseDuration(value);
    if (!d) return invalid(d.error().message());
    options.settle.deadline = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  } else if (key == "suppressions") {
    options.suppressions_path = std::string(value);
  } else if (key == "write_suppressions") {
    options.write_suppressions_path = std::string(value);
  } else if (key == "on_unchecked") {
    if (value == "warn")
      options.on_unchecked = LeakCheckMode::kWarn;
    else if (value == "fail")
      options.on_unchecked = LeakCheckMode::kFail;
    else
      return invalid("expected warn or fail");
  } else if (key == "hunt") {
    if (value == "auto")
      options.hunt = true;
    else if (value == "off")
      options.hunt = false;
    else
      return invalid("expected auto or off");
  } else if (key == "hunt_runs") {
    int n = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || ptr != value.data() + value.size() || n < 1) {
      return invalid("expected a whole number >= 1");
    }
    options.hunt_runs = n;
  } else if (key == "warmup") {
    int n = -1;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || ptr != value.data() + value.size() || n < 0) {
      return invalid("expected a non-negative integer");
    }
    options.warmup = n;
  }
  return Ok{};
}

struct Setting {
  std::string_view key;
  std::string_view flag;  // after "--"
  const char* env;
};
constexpr Setting kSettings[] = {
    {"mode", "leakwatch", "LEAKWATCH"},
    {"slack", "leakwatch_slack", "LEAKWATCH_SLACK"},
    {"settle", "leakwatch_settle", "LEAKWATCH_SETTLE"},
    {"suppressions", "leakwatch_suppressions", "LEAKWATCH_SUPPRESSIONS"},
    {"warmup", "leakwatch_warmup", "LEAKWATCH_WARMUP"},
    {"on_unchecked", "leakwatch_on_unchecked", "LEAKWATCH_ON_UNCHECKED"},
    {"hunt", "leakwatch_hunt", "LEAKWATCH_HUNT"},
    {"hunt_runs", "leakwatch_hunt_runs", "LEAKWATCH_HUNT_RUNS"},
    {"write_suppressions", "leakwatch_write_suppressions", "LEAKWATCH_WRITE_SUPPRESSIONS"},
};

}  // namespace

Result<LeakCheckOptions> ParseLeakCheckFlags(int* argc, char** argv) {
  LeakCheckOptions options;
  for (const Setting& s : kSettings) {
    if (const char* value = std::getenv(s.env)) {
      Status st = Apply(s.key, value, s.env, options);
      if (!st) return st.error();
    }
  }
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, 11) != "--leakwatch") {
      argv[kept++] = argv[i];
      continue;
    }
    std::size_t eq = arg.find('=');
    std::string_view name = arg.substr(2, eq == std::string_view::npos ? arg.npos : eq - 2);
    const Setting* setting = nullptr;
    for (const Setting& s : kSettings) {
      if (s.flag == name) setting = &s;
    }
    if (!setting) {
      return Error(ErrorCode::kInvalidArgument, "unknown flag --" + std::string(name) +
                                                    "; leakwatch's flags are:\n" +
                                                    LeakCheckFlagsHelp());
    }
    if (eq == std::string_view::npos) {
      return Error(ErrorCode::kInvalidArgument,
                   "--" + std::string(name) + " needs a value: --" + std::string(name) + "=VALUE");
    }
    Status st = Apply(setting->key, arg.substr(eq + 1), "--" + std::string(name), options);
    if (!st) return st.error();
  }
  *argc = kept;
  argv[kept] = nullptr;
  return options;
}

std::string LeakCheckFlagsHelp() {
  return "Leak checks (leakwatch):\n"
         "  --leakwatch=off|warn|fail\n"
         "      Check every test case for leaked FDs, threads and child processes. warn reports\n"
         "      leaks without failing the case. Default: fail. Env: LEAKWATCH.\n"
         "  --leakwatch_slack=fd=0,pidfd=1,thread=0,child=0\n"
         "      Growth tolerated per kind; fd= sets every FD kind not named. Default: 0.\n"
         "      Env: LEAKWATCH_SLACK.\n"
         "  --leakwatch_settle=500ms\n"
         "      How long to re-check a suspected leak before reporting it. Env: LEAKWATCH_SETTLE.\n"
         "  --leakwatch_suppressions=FILE\n"
         "      YAML file of accepted leaks (docs/suppressions.md). Env: LEAKWATCH_SUPPRESSIONS.\n"
         "  --leakwatch_warmup=N\n"
         "      With --gtest_repeat, the first N iterations are warm-ups; a case leaks only if a\n"
         "      kind grew in every later iteration. Default: 1. Env: LEAKWATCH_WARMUP.\n"
         "  --leakwatch_hunt=auto|off\n"
         "      auto: a case that grew is run again alone in a fresh child of this binary "
         "(warm-up\n"
         "      runs, then measured runs) and leaks only if a kind grew in every measured run, so\n"
         "      that one-time initialisation is not blamed. Default: auto. Env: LEAKWATCH_HUNT.\n"
         "  --leakwatch_hunt_runs=N\n"
         "      Measured runs of an automatic hunt. Default: 2. Env: LEAKWATCH_HUNT_RUNS.\n"
         "  --leakwatch_write_suppressions=FILE\n"
         "      Write the leaks this run reports as a suppressions file (a baseline): give it to\n"
         "      --leakwatch_suppressions so that only new leaks fail. Env:\n"
         "      LEAKWATCH_WRITE_SUPPRESSIONS.\n"
         "  --leakwatch_on_unchecked=fail|warn\n"
         "      A case that could not be checked (the process could not be read) fails, or with\n"
         "      warn is only reported. Default: fail. Env: LEAKWATCH_ON_UNCHECKED.\n";
}

}  // namespace leakwatch
