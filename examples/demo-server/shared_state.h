// shared_state.h — SharedState, what every process of demo-server sees alike: one page mapped
// MAP_SHARED | MAP_ANONYMOUS before the workers are forked, so that what one worker writes there
// every other worker (and the master) reads.
//
//   SharedState shared;
//   if (Status s = shared.Map(); !s.ok()) Fail(s.message());   // before any fork
//   shared.SetDegraded();     // in the worker that served /degrade ...
//   shared.degraded();        // ... true in every worker from then on
//
// The single-process server uses it too, so that both modes run the same code.
#pragma once

#include "fd.h"

namespace demo_server {

class SharedState {
 public:
  SharedState() = default;
  SharedState(const SharedState&) = delete;
  SharedState& operator=(const SharedState&) = delete;
  ~SharedState();

  // Maps the page (once). Every other member needs it mapped.
  Status Map();

  bool degraded() const;
  void SetDegraded();

 private:
  struct Page;
  Page* page_ = nullptr;  // nullptr until Map; the same page in every process forked after it
};

}  // namespace demo_server
