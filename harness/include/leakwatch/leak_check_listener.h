// leak_check_listener.h — a GoogleTest listener that checks every test case for leaks.
//
// Around every case it snapshots the test process (FDs by kind, threads, descendants), settles,
// applies suppressions and fails the case — as an ordinary GoogleTest failure, so it shows in the
// console and in the XML — when a kind grew beyond its slack:
//
//   leakwatch: case leaked 1 pidfd (slack 0): fd 7 pidfd anon_inode:[pidfd] -> pid 4242 (exited)
//
// Under Valgrind it also runs memcheck's leak check after every case and fails the case when
// definitely-lost bytes grew. With --gtest_repeat=N it hunts: deltas are kept per iteration and a
// case is reported in the last iteration only if a kind grew in every iteration after the
// warm-ups. Per-case verdicts assume cases do not overlap in time within the process (GoogleTest
// runs them serially; a thread a case leaves running is itself reported).
//
// Under `leakwatch run` (LEAKWATCH_CONTROL_FD names the control channel) it runs in protocol
// mode instead: it sends case-begin / case-end around every case, and the runner, which checks
// this process and the server from outside, answers; a "leak" answer fails the case the same way
// (docs/control-protocol.md). The in-process snapshot checks are off then; Valgrind's stays.
//
//   int main(int argc, char** argv) {
//     ::testing::InitGoogleTest(&argc, argv);
//     if (leakwatch::Status s = leakwatch::InstallLeakChecks(); !s) return 2;
//     return RUN_ALL_TESTS();
//   }
//
// Or link leakwatch_gtest_main, which parses the --leakwatch* flags and does the above.
#pragma once

#include "leakwatch/leak_check_options.h"
#include "leakwatch/result.h"

namespace leakwatch {

// Appends the leak-check listener to GoogleTest's listeners (after the default printer, so
// failures land on the right case). Call it after InitGoogleTest. Errors: the suppressions file
// cannot be read or parsed; a warm-up that leaves no measured run of --gtest_repeat. In protocol
// mode those options are the runner's and are not looked at; a LEAKWATCH_CONTROL_FD that names no
// usable channel is warned about and in-process mode used.
Status InstallLeakChecks(const LeakCheckOptions& options = {});

}  // namespace leakwatch
