# leakwatch_run_report: reporters that consume run events (runner/events), never the engine. Included by runner/CMakeLists.txt.
add_library(leakwatch_run_report STATIC
  report/baseline_reporter.cpp
  report/console_reporter.cpp
  report/json_events.cpp
  report/json_reporter.cpp
  report/junit_reporter.cpp
  report/report_text.cpp
  report/reporter.cpp
)
target_include_directories(leakwatch_run_report PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/report)
# nlohmann_json is public: json_events.h takes a parsed document.
target_link_libraries(leakwatch_run_report
  PUBLIC leakwatch_run_events nlohmann_json::nlohmann_json
  PRIVATE leakwatch_compile_options fmt::fmt)

if(LEAKWATCH_BUILD_TESTS)
  # Golden files live in report/testdata; LEAKWATCH_UPDATE_GOLDEN=1 rewrites them (see
  # report/golden.h).
  add_executable(run_report_tests
    report/console_reporter_test.cpp
    report/golden.cpp
    report/json_events_test.cpp
    report/json_reporter_test.cpp
    report/junit_reporter_test.cpp
    report/report_text_test.cpp
    report/reporter_test.cpp
    report/sample_run.cpp
  )
  target_compile_definitions(run_report_tests PRIVATE
    LEAKWATCH_REPORT_TESTDATA="${CMAKE_CURRENT_SOURCE_DIR}/report/testdata")
  target_link_libraries(run_report_tests PRIVATE
    leakwatch_run_report leakwatch_test_support leakwatch_compile_options
    nlohmann_json::nlohmann_json GTest::gmock GTest::gtest_main)
  gtest_discover_tests(run_report_tests DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS run TIMEOUT 60)
endif()
