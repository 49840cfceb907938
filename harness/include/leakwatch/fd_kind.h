// fd_kind.h — the kinds of file descriptor leakwatch tells apart.
//
// A kind is derived from what procfs says about a descriptor: the text of the
// /proc/PID/fd/N link (`anon_inode:[pidfd]`, `socket:[123]`, `/memfd:x (deleted)`, a path), the
// file type from stat for paths, and the socket protocol from the `system.sockprotoname` xattr.
//
//   FdKind kind = ClassifyFdLink("anon_inode:[eventfd]", 0, "");   // FdKind::kEventfd
//   std::cout << FdKindName(kind);                                 // "eventfd"
//   std::optional<FdKind> k = ParseFdKind("pidfd");                // FdKind::kPidfd
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace leakwatch {

// The order is the order of tables and JSON objects: common kinds first, "other" kinds last.
enum class FdKind : unsigned char {
  kFile,
  kDir,
  kChr,
  kBlk,
  kFifo,
  kPipe,
  kTcp,
  kTcp6,
  kUdp,
  kUdp6,
  kUnix,
  kNetlink,
  kSocket,  // any other socket family or protocol
  kEventpoll,
  kEventfd,
  kTimerfd,
  kSignalfd,
  kInotify,
  kFanotify,
  kPidfd,
  kMemfd,
  kIoUring,
  kBpf,
  kPerfEvent,
  kUserfaultfd,
  kAnon,  // any other anonymous inode, namespace file, or link text we do not know
};

inline constexpr std::size_t kFdKindCount = static_cast<std::size_t>(FdKind::kAnon) + 1;

// All kinds in declaration order, for iteration.
const std::array<FdKind, kFdKindCount>& AllFdKinds();

// The lower-case name used in output, JSON and slack specs ("pidfd", "tcp6", "perf_event").
std::string_view FdKindName(FdKind kind);
std::optional<FdKind> ParseFdKind(std::string_view name);

// tcp, tcp6, udp, udp6, unix, netlink and socket.
bool IsSocketKind(FdKind kind);

// Classifies a descriptor. `link` is the readlink text of /proc/PID/fd/N. `mode` is st_mode from
// stat of the link target; it is read only for path links and may be 0 otherwise.
// `socket_protocol` is the value of the `system.sockprotoname` xattr ("TCP", "UNIX-STREAM", ...),
// read only for socket links; empty when unknown.
FdKind ClassifyFdLink(std::string_view link, mode_t mode, std::string_view socket_protocol);

// Which extra facts a classification needs, decided from the link text alone, so a snapshot
// makes only the syscalls it must.
enum class LinkShape : unsigned char {
  kPath,       // an absolute path: stat it for the file type and inode
  kSocket,     // socket:[ino]: read the protocol xattr
  kPipe,       // pipe:[ino]
  kAnonInode,  // anon_inode:...: the name says it all (pidfds also read fdinfo)
  kOther,      // e.g. a namespace file "net:[4026531840]"
};
LinkShape ShapeOfLink(std::string_view link);

// The inode number in "socket:[123]" / "pipe:[123]" / "net:[123]" links; 0 when there is none.
ino_t InodeFromLink(std::string_view link);

}  // namespace leakwatch
