// protocol_listener.h — the GoogleTest listener's protocol mode (private to the GoogleTest
// integration): under `leakwatch run` (LEAKWATCH_CONTROL_FD set) the runner checks the test
// process and the server around every case, and this listener tells it where cases begin and end.
//
//   OnTestStart  -> "case-begin Suite.Case"           the runner snapshots, then answers
//   OnTestEnd    -> "case-end Suite.Case passed"      "leak <summary>" fails the case:
//
//   listener_cases.cpp:41: Failure
//   Failed
//   leakwatch: case leaked (checked by leakwatch run): server: pidfd +1 in pid 4242 (demo-server)
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "leakwatch/control_client.h"
#include "leakwatch/leak_check_options.h"

namespace leakwatch::internal {

// For GoogleTest's listener list, which owns it. `mode` is kWarn or kFail: with kWarn a leak
// the runner reports is printed on stderr instead of failing the case.
::testing::TestEventListener* NewProtocolListener(std::unique_ptr<control::ControlClient> client,
                                                  LeakCheckMode mode);

// The id a case has in the protocol: "Suite.Case", as --gtest_list_tests and --gtest_filter
// spell it ("Instance/Suite.Case/3" for parameterized cases).
std::string ProtocolCaseId(const ::testing::TestInfo& info);

}  // namespace leakwatch::internal
