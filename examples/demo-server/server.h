// server.h — demo-server's event loop: one thread, one epoll, level-triggered, non-blocking
// sockets, HTTP/1.1 keep-alive and pipelining. The single-process server runs one; in pre-fork
// mode (worker_pool.h) every worker runs its own on the shared listening socket.
//
//   Server server(std::move(signals), ServerOptions{.leak_every = 3}, shared);
//   Status ready = server.Init();               // before listening: see Init
//   Status stopped = server.Run(std::move(listener));  // returns on SIGTERM/SIGINT or /retire
//
// Routes (GET only, others 405; unknown paths 404); <pid> is the pid of the process that serves:
//   /health          200 {"status":"ok"}, or {"status":"degraded","reason":"..."} after /degrade
//   /whoami          200 "pid <pid>"
//   /work            opens and closes one resource of every kind; 200 "ok"
//   /leak/<kind>     leaks one resource of that kind; 200 "leaked <kind> in pid <pid>"
//   /degrade         health turns degraded, in every process of the server; 200 "degraded"
//   /retire          200 "retiring pid <pid>" (with Connection: close); once every answer is
//                    written, Run returns and the process exits 0
//   /nondumpable     prctl(PR_SET_DUMPABLE, 0); 200 "pid <pid> is not dumpable"
//   /crash           a failed assertion: message on stderr, then abort()
//   /hang            the loop blocks forever: no request is answered any more, and SIGTERM stays
//                    pending (only SIGKILL ends the process)
// Every request is logged on stdout: "demo-server: GET /health -> 200" (with the worker's tag in
// a worker, log.h).
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "fd.h"
#include "http.h"
#include "shared_state.h"

namespace demo_server {

struct ServerOptions {
  int leak_every = 0;  // every Nth /work request also leaks a pidfd; 0: never
  bool ignore_sigterm = false;
  // Other processes accept on the same listening socket: watch it with EPOLLEXCLUSIVE, so that
  // a new connection wakes one of them rather than all.
  bool shared_listener = false;
};

class Server {
 public:
  // `signals` is a signalfd for SIGTERM and SIGINT, non-blocking and close-on-exec. `shared`
  // holds the health state (shared with the other workers) and outlives the server.
  Server(Fd signals, ServerOptions options, SharedState& shared);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Creates the epoll. Called before the server says it is listening, so that every descriptor
  // of an idle server exists by then: a snapshot taken right after that line is its baseline.
  Status Init();
  // Serves on `listener` (listening, non-blocking, close-on-exec) until a stop signal arrives, or
  // until /retire has been answered and every queued answer written. Fails only when the loop
  // itself cannot go on.
  Status Run(Fd listener);

 private:
  struct Connection {
    Fd fd;
    std::string in;                   // read, not yet parsed
    std::string out;                  // answered, not yet written
    bool peer_done = false;           // the client has shut down its side (read returned 0)
    bool close_when_flushed = false;  // the last queued response says "Connection: close"
    // On close_when_flushed: the client may still be sending (a refused request), so shut down
    // our side and read until its EOF instead of closing at once, which would reset the
    // connection and could destroy the error response before the client reads it.
    bool linger = false;
    bool draining = false;       // shut down for writing, discarding input until EOF
    std::size_t drained = 0;     // bytes discarded while draining
    std::uint32_t interest = 0;  // the epoll events registered for fd
  };

  Status Watch(int fd, std::uint32_t events);
  void AcceptAll();
  // Returns true when the loop should stop.
  bool HandleSignals();
  void HandleConnectionEvent(int fd, std::uint32_t events);
  // Parses and answers what can be answered, writes what can be written, then closes the
  // connection or updates its epoll interest. May erase `connection`.
  void Advance(Connection& connection);
  // Answers complete requests from connection.in; returns true when it queued any response.
  bool AnswerRequests(Connection& connection);
  Response Route(const Request& request);
  Response LeakRoute(std::string_view kind);
  Response WorkRoute();
  // True once nothing answered is still waiting to be written.
  bool AllFlushed() const;
  // Returns false when the connection is broken.
  bool Flush(Connection& connection);
  void Drain(Connection& connection);
  void SetInterest(Connection& connection, std::uint32_t events);
  void CloseConnection(Connection& connection);

  Fd listener_;
  Fd signals_;
  const ServerOptions options_;
  SharedState& shared_;
  Fd epoll_;  // created by Init
  // Set by /retire: no new connection is accepted, and Run returns once all is written.
  bool retiring_ = false;
  std::uint64_t work_requests_ = 0;
  int last_accept_errno_ = 0;  // so that a persistent accept error is logged once
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;  // by fd
};

}  // namespace demo_server
