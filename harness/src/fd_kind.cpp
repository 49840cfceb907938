#include "leakwatch/fd_kind.h"

#include <sys/stat.h>

#include <charconv>
#include <string_view>

namespace leakwatch {
namespace {

constexpr std::string_view kNames[kFdKindCount] = {
    "file",     "dir",     "chr",        "blk",         "fifo",     "pipe",   "tcp",
    "tcp6",     "udp",     "udp6",       "unix",        "netlink",  "socket", "eventpoll",
    "eventfd",  "timerfd", "signalfd",   "inotify",     "fanotify", "pidfd",  "memfd",
    "io_uring", "bpf",     "perf_event", "userfaultfd", "anon",
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

FdKind ClassifyAnonInode(std::string_view name) {
  // The kernel names some anonymous inodes with brackets ("[eventfd]") and some without
  // ("inotify", "bpf-map"); strip the brackets and match the bare name.
  if (StartsWith(name, "[") && name.size() >= 2 && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  if (name == "eventpoll") return FdKind::kEventpoll;
  if (name == "eventfd") return FdKind::kEventfd;
  if (name == "timerfd") return FdKind::kTimerfd;
  if (name == "signalfd") return FdKind::kSignalfd;
  if (name == "inotify") return FdKind::kInotify;
  if (name == "fanotify") return FdKind::kFanotify;
  if (name == "pidfd") return FdKind::kPidfd;
  if (name == "io_uring") return FdKind::kIoUring;
  if (name == "perf_event") return FdKind::kPerfEvent;
  if (name == "userfaultfd") return FdKind::kUserfaultfd;
  // bpf-map, bpf-prog, bpf_link, bpf_iter, bpf-token, ...
  if (StartsWith(name, "bpf")) return FdKind::kBpf;
  return FdKind::kAnon;
}

FdKind ClassifySocket(std::string_view protocol) {
  if (protocol == "TCP") return FdKind::kTcp;
  if (protocol == "TCPv6") return FdKind::kTcp6;
  if (protocol == "UDP") return FdKind::kUdp;
  if (protocol == "UDPv6") return FdKind::kUdp6;
  // "UNIX" on older kernels; "UNIX-STREAM", "UNIX-DGRAM", "UNIX-SEQPACKET" on newer ones.
  if (StartsWith(protocol, "UNIX")) return FdKind::kUnix;
  if (protocol == "NETLINK") return FdKind::kNetlink;
  return FdKind::kSocket;
}

FdKind ClassifyMode(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return FdKind::kDir;
    case S_IFCHR:
      return FdKind::kChr;
    case S_IFBLK:
      return FdKind::kBlk;
    case S_IFIFO:
      return FdKind::kFifo;
    case S_IFSOCK:
      return FdKind::kSocket;
    default:
      return FdKind::kFile;
  }
}

}  // namespace

const std::array<FdKind, kFdKindCount>& AllFdKinds() {
  static const std::array<FdKind, kFdKindCount> kAll = [] {
    std::array<FdKind, kFdKindCount> all{};
    for (std::size_t i = 0; i < kFdKindCount; ++i) all[i] = static_cast<FdKind>(i);
    return all;
  }();
  return kAll;
}

bool IsSocketKind(FdKind kind) {
  return kind >= FdKind::kTcp && kind <= FdKind::kSocket;
}

std::string_view FdKindName(FdKind kind) {
  return kNames[static_cast<std::size_t>(kind)];
}

std::optional<FdKind> ParseFdKind(std::string_view name) {
  for (std::size_t i = 0; i < kFdKindCount; ++i) {
    if (kNames[i] == name) return static_cast<FdKind>(i);
  }
  return std::nullopt;
}

LinkShape ShapeOfLink(std::string_view link) {
  if (StartsWith(link, "/")) return LinkShape::kPath;
  if (StartsWith(link, "socket:[")) return LinkShape::kSocket;
  if (StartsWith(link, "pipe:[")) return LinkShape::kPipe;
  if (StartsWith(link, "anon_inode:")) return LinkShape::kAnonInode;
  // pidfs (Linux 6.9+) may name pidfds "pidfd:[ino]" in some configurations.
  if (StartsWith(link, "pidfd:")) return LinkShape::kAnonInode;
  return LinkShape::kOther;
}

FdKind ClassifyFdLink(std::string_view link, mode_t mode, std::string_view socket_protocol) {
  switch (ShapeOfLink(link)) {
    case LinkShape::kPath:
      // memfds live on an internal tmpfs mount; their link reads "/memfd:NAME (deleted)".
      if (StartsWith(link, "/memfd:")) return FdKind::kMemfd;
      return ClassifyMode(mode);
    case LinkShape::kSocket:
      return ClassifySocket(socket_protocol);
    case LinkShape::kPipe:
      return FdKind::kPipe;
    case LinkShape::kAnonInode:
      if (StartsWith(link, "pidfd:")) return FdKind::kPidfd;
      return ClassifyAnonInode(link.substr(std::string_view("anon_inode:").size()));
    case LinkShape::kOther:
      break;
  }
  return FdKind::kAnon;
}

ino_t InodeFromLink(std::string_view link) {
  std::size_t open = link.find(":[");
  if (open == std::string_view::npos || link.back() != ']') return 0;
  std::string_view digits = link.substr(open + 2, link.size() - open - 3);
  ino_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return 0;
  return value;
}

}  // namespace leakwatch
