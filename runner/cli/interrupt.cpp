// interrupt.cpp — async-signal-safe handlers that write to an eventfd.
#include "cli/interrupt.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace leakwatch::cli {
namespace {

// Read by the handler, which may run on any thread: only lock-free atomics.
std::atomic<int> g_fd{-1};
std::atomic<int> g_signal{0};

void OnSignal(int signal) {
  g_signal.store(signal);
  std::uint64_t one = 1;
  int fd = g_fd.load();
  if (fd >= 0) [[maybe_unused]]
    ssize_t n = ::write(fd, &one, sizeof one);
}

}  // namespace

Interrupts::Interrupts() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  g_fd.store(fd_.get());
  g_signal.store(0);
  struct sigaction action {};
  action.sa_handler = OnSignal;
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, &old_int_);
  ::sigaction(SIGTERM, &action, &old_term_);
}

Interrupts::~Interrupts() {
  ::sigaction(SIGINT, &old_int_, nullptr);
  ::sigaction(SIGTERM, &old_term_, nullptr);
  g_fd.store(-1);
}

int Interrupts::signal() const {
  return g_signal.load();
}

}  // namespace leakwatch::cli
