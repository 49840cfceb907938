#include "socket_table.h"

#include <arpa/inet.h>
#include <fcntl.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <set>
#include <sstream>
#include <string_view>
#include <vector>

#include "leakwatch/unique_fd.h"
#include "proc_reader.h"

namespace leakwatch::internal {
namespace {

std::string_view TcpStateName(unsigned state) {
  static constexpr std::array<std::string_view, 12> kNames = {
      "?",         "ESTABLISHED", "SYN_SENT",   "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
      "TIME_WAIT", "CLOSE",       "CLOSE_WAIT", "LAST_ACK", "LISTEN",    "CLOSING"};
  return state < kNames.size() ? kNames[state] : "?";
}

// "0100007F:1F90" (IPv4) or 32 hex digits + ":port" (IPv6), each 32-bit word in host order.
std::string FormatAddress(const std::string& hex, bool v6) {
  std::size_t colon = hex.find(':');
  if (colon == std::string::npos) return hex;
  unsigned port = static_cast<unsigned>(std::stoul(hex.substr(colon + 1), nullptr, 16));
  char text[INET6_ADDRSTRLEN] = "?";
  if (!v6 && colon == 8) {
    in_addr addr{};
    addr.s_addr = static_cast<in_addr_t>(std::stoul(hex.substr(0, 8), nullptr, 16));
    inet_ntop(AF_INET, &addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(port);
  }
  if (v6 && colon == 32) {
    in6_addr addr{};
    for (int word = 0; word < 4; ++word) {
      auto value = static_cast<std::uint32_t>(std::stoul(hex.substr(word * 8, 8), nullptr, 16));
      std::memcpy(&addr.s6_addr[word * 4], &value, 4);
    }
    inet_ntop(AF_INET6, &addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(port);
  }
  return hex;
}

struct InetRow {
  std::string local, remote;
  unsigned state = 0;
  std::uint64_t inode = 0;
};

std::string PortOf(const std::string& hex) {
  std::size_t colon = hex.find(':');
  return colon == std::string::npos ? "" : hex.substr(colon + 1);
}

// A connected socket reads "local -> peer", or "local <- peer" when its local port is one this
// table listens on: a connection the server accepted rather than one it made.
void ReadInetTable(int net_dir, const char* name, bool v6, bool tcp,
                   std::unordered_map<std::uint64_t, std::string>& out) {
  std::string text;
  if (ReadFileAt(net_dir, name, text) != 0) return;
  constexpr unsigned kListen = 10;
  std::vector<InetRow> rows;
  std::set<std::string> listening_ports;
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string slot, state, queues, timer, retransmits, uid, timeout;
    InetRow row;
    fields >> slot >> row.local >> row.remote >> state >> queues >> timer >> retransmits >> uid >>
        timeout >> row.inode;
    if (!fields || row.inode == 0) continue;
    row.state = static_cast<unsigned>(std::stoul(state, nullptr, 16));
    if (tcp && row.state == kListen) listening_ports.insert(PortOf(row.local));
    rows.push_back(std::move(row));
  }
  for (const InetRow& row : rows) {
    std::string endpoint = FormatAddress(row.local, v6);
    bool connected = row.remote.find_first_not_of("0:") != std::string::npos;
    if (connected) {
      bool accepted = tcp && listening_ports.contains(PortOf(row.local));
      endpoint += (accepted ? " <- " : " -> ") + FormatAddress(row.remote, v6);
    }
    if (tcp) endpoint += std::string(" ") + std::string(TcpStateName(row.state));
    out[row.inode] = std::move(endpoint);
  }
}

void ReadUnixTable(int net_dir, std::unordered_map<std::uint64_t, std::string>& out) {
  std::string text;
  if (ReadFileAt(net_dir, "unix", text) != 0) return;
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string num, refs, protocol, flags, type, state, path;
    std::uint64_t inode = 0;
    fields >> num >> refs >> protocol >> flags >> type >> state >> inode;
    if (!fields || inode == 0) continue;
    fields >> path;  // absent for unnamed sockets
    if (!path.empty()) out[inode] = path;
  }
}

}  // namespace

std::unordered_map<std::uint64_t, std::string> ReadSocketEndpoints(pid_t pid) {
  std::unordered_map<std::uint64_t, std::string> out;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/net", pid);
  UniqueFd net_dir(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!net_dir) return out;
  ReadInetTable(net_dir.get(), "tcp", false, true, out);
  ReadInetTable(net_dir.get(), "tcp6", true, true, out);
  ReadInetTable(net_dir.get(), "udp", false, false, out);
  ReadInetTable(net_dir.get(), "udp6", true, false, out);
  ReadUnixTable(net_dir.get(), out);
  return out;
}

}  // namespace leakwatch::internal
