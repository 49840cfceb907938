// interrupt.h — Ctrl-C and SIGTERM for `leakwatch run`, at the edge of the program.
//
// While an Interrupts object lives, SIGINT and SIGTERM write to an eventfd instead of killing the
// process; the engine polls that descriptor (it stays readable once written) and stops every
// module and server in order. The first signal resets the handlers (SA_RESETHAND), so a second
// Ctrl-C takes the default action at once; children die with us through their parent-death
// signal.
//
//   Interrupts interrupts;
//   RunFinished result = engine.Run(sink, interrupts.fd());
//   if (interrupts.signal() != 0) return 128 + interrupts.signal();
#pragma once

#include <signal.h>

#include "leakwatch/unique_fd.h"

namespace leakwatch::cli {

class Interrupts {
 public:
  Interrupts();
  ~Interrupts();  // restores the previous handlers
  Interrupts(const Interrupts&) = delete;
  Interrupts& operator=(const Interrupts&) = delete;

  int fd() const { return fd_.get(); }  // readable once a signal came
  int signal() const;                   // the signal that came (SIGINT, SIGTERM), or 0

 private:
  UniqueFd fd_;
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace leakwatch::cli
