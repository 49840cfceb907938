// leaks.h — the code paths behind /work and /leak/<kind>.
//
// DoWork opens and closes one resource of every kind (a file, a pipe, TCP, UDP and Unix sockets,
// an eventfd, a timerfd, an epoll, a pidfd of a spawned /bin/true, a thread, a child) and leaves
// nothing behind. Each leak is a separate, named, never-inlined function that leaks exactly one
// resource the way real programs do (leakwatch prints the stacks of leaked resources, so the
// names are part of the demo):
//
//   fd         LoadConfigFile          a config file (/proc/self/status) opened, never closed
//   pidfd      SpawnRenderer           a missing helper spawned with clone3(CLONE_PIDFD); the
//                                      child is reaped through the pidfd, the pidfd never closed
//   eventpoll  SubscribeToUpdates      an epoll per subscription, never closed
//   socket     PrepareUpstreamSocket   a TCP socket for an upstream connection, never closed
//   eventfd    CreateWakeupEvent       an eventfd, never closed
//   timerfd    ScheduleRetryTimer      an armed timerfd, never closed
//   thread     StartBackgroundSync     a detached thread that blocks forever
//   child      StartWatchdogProcess    a child that blocks forever and is never reaped (it has
//                                      PR_SET_PDEATHSIG(SIGKILL), so it dies with the server)
//
//   if (Status s = Leak("pidfd"); !s.ok()) Reply(500, s.message());
//
// All of it runs on the server's (only) event-loop thread.
#pragma once

#include <array>
#include <string_view>

#include "fd.h"

namespace demo_server {

inline constexpr std::array<std::string_view, 8> kLeakKinds = {
    "fd", "pidfd", "eventpoll", "socket", "eventfd", "timerfd", "thread", "child"};

bool IsLeakKind(std::string_view kind);

// Leaks one resource of `kind` (one of kLeakKinds).
Status Leak(std::string_view kind);

// Opens and closes one resource of every kind. With `spawn_renderer`, also runs SpawnRenderer
// (the --leak-every path), which leaks one pidfd.
Status DoWork(bool spawn_renderer);

// The leaking functions, external and never inlined so that stacks name them.
[[gnu::noinline]] Status LoadConfigFile();
[[gnu::noinline]] Status SpawnRenderer();
[[gnu::noinline]] Status SubscribeToUpdates();
[[gnu::noinline]] Status PrepareUpstreamSocket();
[[gnu::noinline]] Status CreateWakeupEvent();
[[gnu::noinline]] Status ScheduleRetryTimer();
[[gnu::noinline]] Status StartBackgroundSync();
[[gnu::noinline]] Status StartWatchdogProcess();

}  // namespace demo_server
