# leakwatch_run_events: the event model of `leakwatch run` (events, statuses, the run tally). The
# engine emits these events and the reporters consume them; both link this library and neither
# links the other. Included by runner/CMakeLists.txt.
add_library(leakwatch_run_events STATIC events/events.cpp)
target_include_directories(leakwatch_run_events PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/events)
target_link_libraries(leakwatch_run_events
  PUBLIC leakwatch::harness
  PRIVATE leakwatch_compile_options)
