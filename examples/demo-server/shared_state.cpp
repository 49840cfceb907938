// shared_state.cpp — the page every process of demo-server shares (see shared_state.h).
#include "shared_state.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <new>

namespace demo_server {

struct SharedState::Page {
  // Lock-free atomics hold no process-local state, so they work between processes.
  static_assert(std::atomic<bool>::is_always_lock_free);
  std::atomic<bool> degraded{false};
};

SharedState::~SharedState() {
  if (page_ == nullptr) return;
  page_->~Page();
  munmap(page_, static_cast<std::size_t>(sysconf(_SC_PAGESIZE)));
}

Status SharedState::Map() {
  if (page_ != nullptr) return Status::Ok();
  std::size_t size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* memory = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return Status::FromErrno("mmap(MAP_SHARED | MAP_ANONYMOUS)");
  page_ = new (memory) Page;
  return Status::Ok();
}

bool SharedState::degraded() const {
  return page_->degraded.load(std::memory_order_relaxed);
}

void SharedState::SetDegraded() {
  page_->degraded.store(true, std::memory_order_relaxed);
}

}  // namespace demo_server
