// socket_table.h — socket endpoints by inode, from /proc/PID/net (private to the harness).
//
// Only read when a caller asks for endpoints: the tables hold every socket of the network
// namespace, so reading them costs far more than classifying a process's own FDs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <unordered_map>

namespace leakwatch::internal {

// inode -> "127.0.0.1:41234 -> 127.0.0.1:8080 ESTABLISHED" (a connection made), "127.0.0.1:8080
// <- 127.0.0.1:41234 ESTABLISHED" (one accepted on a port the namespace listens on),
// "[::1]:9000 LISTEN", "/run/x.sock".
// Tables that cannot be read are skipped.
std::unordered_map<std::uint64_t, std::string> ReadSocketEndpoints(pid_t pid);

}  // namespace leakwatch::internal
