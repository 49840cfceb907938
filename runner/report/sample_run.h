// sample_run.h — a fixed event sequence for the reporter tests and golden files.
//
// One run of six modules with fixed timestamps (from 2025-03-01T12:00:00Z) that holds every case
// status and event type: PASS, FAIL, SKIP and FLAKY in demo-clean; in demo-leaks, whose server is
// a master with two workers, a LEAK in two workers (a tcp connection, an orphaned pidfd) and the
// test process (a thread), a LEAK of a child left running, an UNCHECKED case and the same case
// passed with on_unchecked: warn — leaks described by the harness from hand-built snapshots, as
// the check describes real ones; a CRASH of the server and the NOT RUN case after it in
// demo-crash; the respawn that follows; a TIMEOUT in demo-hang; a module whose pre-flight failed
// (demo-degraded); and a pytest module whose names and messages need escaping (demo-pytest).
//
//   for (const RunEvent& event : SampleRun()) reporter.Report(event);
#pragma once

#include <string_view>
#include <vector>

#include "events.h"

namespace leakwatch::run::testing {

std::vector<RunEvent> SampleRun();

// The case-finished event of `name` among `events` (a test failure when there is none).
const CaseFinished& SampleCase(const std::vector<RunEvent>& events, std::string_view name);

// The sample's start time plus `ms` milliseconds.
Clock::time_point SampleTime(int ms);

}  // namespace leakwatch::run::testing
