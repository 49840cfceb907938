// startup.h — what demo-server does before it serves: get a listening socket (bind, or take one
// passed by systemd-style socket activation), start the daemonising helper, tell a supervisor
// that it is ready.
//
//   Fd listener;
//   if (Status s = ListenOnLoopback(port, listener); !s.ok()) Fail(s.message());
//   Endpoint endpoint = LocalEndpoint(listener.get());   // learns the port of --port 0
//   Status ready = NotifyReady(std::getenv("NOTIFY_SOCKET"));
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "fd.h"

namespace demo_server {

// Binds 127.0.0.1:port (0: the kernel picks one) and listens, non-blocking and close-on-exec.
// The error reads "bind 127.0.0.1:8080: Address already in use".
Status ListenOnLoopback(int port, Fd& listener);

// Checks the socket-activation environment (LISTEN_PID == getpid(), LISTEN_FDS >= 1) and that fd
// 3 is a listening IPv4 TCP socket; marks it close-on-exec at once (so no child inherits it),
// closes any further passed fds (4 and up) and removes LISTEN_PID, LISTEN_FDS and
// LISTEN_FDNAMES from the environment. Call it before
// anything else opens a descriptor. Errors are usage errors (exit status 2).
Status CheckListenFds();
// Takes fd 3, checked by CheckListenFds, as the listener: makes it non-blocking.
Status TakeListenFd(Fd& listener);

struct Endpoint {
  std::string address;  // "127.0.0.1"
  int port = 0;
};
// The local address of an IPv4 socket.
Status LocalEndpoint(int fd, Endpoint& endpoint);

// Checks the form of $NOTIFY_SOCKET: an absolute path, or "@name" for the abstract namespace.
Status CheckNotifySocket(std::string_view notify_socket);
// Sends "READY=1\nMAINPID=<pid>" as one datagram to `notify_socket` (checked as above).
Status NotifyReady(std::string_view notify_socket);

// Double-forks a helper that escapes: the grandchild calls setsid(), points stdio at /dev/null,
// closes every other descriptor and blocks forever; the intermediate child exits at once and is
// reaped here. The grandchild sends its own pid through a pipe once it is set up and then closes
// the pipe, which is read until EOF: by the time `helper_pid` is known the helper leads its own
// session, is named demo-helper and holds nothing but stdio. It has no PR_SET_PDEATHSIG: it
// outlives the server on purpose, and whoever runs the server must find and kill it.
// Call it while the process is still single-threaded.
Status StartDaemonHelper(pid_t& helper_pid);

}  // namespace demo_server
