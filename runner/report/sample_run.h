// sample_run.h — a fixed event sequence for the reporter tests and golden files.
//
// One run of six modules with fixed timestamps (from 2025-03-01T12:00:00Z) that holds every case
// status and event type: PASS, FAIL, SKIP and FLAKY in demo-clean; a LEAK in both the server
// (an orphaned pidfd) and the test process (a thread) in demo-leaks; a CRASH of the server and the
// NOT RUN case after it in demo-crash; the respawn that follows; a TIMEOUT in demo-hang; a module
// whose pre-flight failed (demo-degraded); and a pytest module whose names and messages need
// escaping (demo-pytest).
//
//   for (const RunEvent& event : SampleRun()) reporter.Report(event);
#pragma once

#include <vector>

#include "events.h"

namespace leakwatch::run::testing {

std::vector<RunEvent> SampleRun();

// The sample's start time plus `ms` milliseconds.
Clock::time_point SampleTime(int ms);

}  // namespace leakwatch::run::testing
