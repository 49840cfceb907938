# leakwatch_run_engine: plans and runs modules against servers, and emits events (runner/events);
# it knows no reporter. Included by runner/CMakeLists.txt.
add_library(leakwatch_run_engine STATIC
  engine/after_ready.cpp
  engine/case_check.cpp
  engine/case_verdict.cpp
  engine/control_server.cpp
  engine/hunt.cpp
  engine/module_session.cpp
  engine/plan.cpp
  engine/rerun.cpp
  engine/run_engine.cpp
  engine/server_policy.cpp
  engine/worker.cpp
)
target_include_directories(leakwatch_run_engine PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/engine)
target_link_libraries(leakwatch_run_engine
  PUBLIC leakwatch_run_config leakwatch_run_events leakwatch::fixtures leakwatch::harness
  PRIVATE leakwatch_compile_options fmt::fmt)

if(LEAKWATCH_BUILD_TESTS)
  # Unit tests of the engine's pure parts; the engine as a whole is tested end to end (tests/run).
  add_executable(run_engine_tests
    engine/case_verdict_test.cpp
    engine/hunt_test.cpp
    engine/server_policy_test.cpp
  )
  target_link_libraries(run_engine_tests PRIVATE
    leakwatch_run_engine leakwatch_compile_options GTest::gtest_main)
  gtest_discover_tests(run_engine_tests DISCOVERY_MODE PRE_TEST PROPERTIES LABELS run TIMEOUT 60)
endif()
