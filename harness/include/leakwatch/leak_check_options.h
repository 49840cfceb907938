// leak_check_options.h — what the per-case leak check of a GoogleTest binary does, from flags and
// environment variables.
//
// Flags (each also read from an environment variable; a flag wins over the variable):
//   --leakwatch=off|warn|fail          LEAKWATCH              default fail
//   --leakwatch_slack=fd=0,thread=0    LEAKWATCH_SLACK        default 0 for every kind
//   --leakwatch_settle=500ms           LEAKWATCH_SETTLE       default 500ms
//   --leakwatch_suppressions=FILE      LEAKWATCH_SUPPRESSIONS default none
//   --leakwatch_warmup=N               LEAKWATCH_WARMUP       default 1 (with --gtest_repeat > 1)
//   --leakwatch_on_unchecked=fail|warn LEAKWATCH_ON_UNCHECKED default fail
//   --leakwatch_hunt=auto|off          LEAKWATCH_HUNT         default auto
//   --leakwatch_hunt_runs=N            LEAKWATCH_HUNT_RUNS    default 2
//   --leakwatch_write_suppressions=FILE LEAKWATCH_WRITE_SUPPRESSIONS default none
//
//   Result<LeakCheckOptions> options = ParseLeakCheckFlags(&argc, argv);  // removes its flags
//   if (!options) { std::cerr << options.error().message() << "\n"; return 2; }
#pragma once

#include <string>

#include "leakwatch/result.h"
#include "leakwatch/settle.h"
#include "leakwatch/slack.h"

namespace leakwatch {

enum class LeakCheckMode {
  kOff,   // no checks
  kWarn,  // report leaks on stderr, never fail a case
  kFail,  // a leak fails the case
};

struct LeakCheckOptions {
  LeakCheckMode mode = LeakCheckMode::kFail;
  Slack slack;
  SettlePolicy settle;
  std::string suppressions_path;  // empty: none
  // Repeat hunts (--gtest_repeat=N, N > 1): iterations [0, warmup) are not measured, and a case
  // leaks only if a kind grew in every measured iteration.
  int warmup = 1;
  // Automatic hunts (without --gtest_repeat): a case that grew is run again alone in a fresh
  // child of this binary, `warmup` + `hunt_runs` times, and leaks only if a kind grew in every
  // measured run, so that one-time initialisation (a lazily started thread, a cache) is not
  // blamed on whichever case was first to touch it. Clean cases pay nothing.
  bool hunt = true;
  int hunt_runs = 2;
  // Where to write the leaks this run reports as a suppressions file (a baseline); empty: nowhere.
  std::string write_suppressions_path;
  // A case whose snapshot failed (the process could not be read) cannot be called clean: kFail
  // fails it with the reason, kWarn says so on stderr.
  LeakCheckMode on_unchecked = LeakCheckMode::kFail;
};

// Reads the LEAKWATCH_* variables, then the --leakwatch* flags, and removes those flags from
// argv. Errors (kInvalidArgument) name the flag or variable and the bad value.
Result<LeakCheckOptions> ParseLeakCheckFlags(int* argc, char** argv);

// The flags above, formatted for --help.
std::string LeakCheckFlagsHelp();

}  // namespace leakwatch
