// memcheck.h — Valgrind memcheck's count of definitely-lost bytes, for per-case memory checks.
//
// The client requests are compiled into the core library, so code that calls these (the
// GoogleTest listener, built in each user's project) needs no Valgrind headers.
//
//   unsigned long before = 0;
//   if (leakwatch::RunningOnValgrind()) before = leakwatch::DefinitelyLostBytes();
//   ... the case ...
//   if (leakwatch::RunningOnValgrind() && leakwatch::DefinitelyLostBytes() > before) ...
#pragma once

namespace leakwatch {

// True when the process runs under Valgrind (any tool); a few instructions otherwise.
bool RunningOnValgrind();

// Runs memcheck's leak check and returns the definitely-lost bytes. The check is an "added" one:
// memcheck prints only the loss records that grew since its last check. 0 outside memcheck.
unsigned long DefinitelyLostBytes();

}  // namespace leakwatch
