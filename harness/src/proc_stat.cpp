#include "leakwatch/proc_stat.h"

#include <fcntl.h>
#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <charconv>

#include "proc_reader.h"

namespace leakwatch {
namespace {

bool IsBlank(char c) {
  return c == ' ' || c == '\n' || c == '\t';
}

// Parses all of `token` as an integer into `out`.
template <typename T>
bool ParseWhole(std::string_view token, T& out) {
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
  return ec == std::errc() && ptr == token.data() + token.size();
}

Error StatParseError(std::string_view why) {
  return Error(ErrorCode::kParseError, fmt::format("not a /proc/PID/stat line: {}", why));
}

}  // namespace

Result<ProcStat> ParseProcStat(std::string_view text) {
  const std::size_t open = text.find('(');
  const std::size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return StatParseError("no (comm)");
  }
  ProcStat stat;
  std::string_view pid = text.substr(0, open);
  while (!pid.empty() && IsBlank(pid.back())) pid.remove_suffix(1);
  if (!ParseWhole(pid, stat.pid)) return StatParseError("no pid before the (comm)");
  stat.comm = std::string(text.substr(open + 1, close - open - 1));

  // After the comm, blank-separated fields: 3 is the state, 4 the ppid, ..., 22 the start time.
  constexpr int kFirst = 3;
  constexpr int kLast = 22;
  std::array<std::string_view, kLast - kFirst + 1> fields{};
  std::size_t count = 0;
  const std::string_view rest = text.substr(close + 1);
  for (std::size_t i = 0; i < rest.size() && count < fields.size();) {
    while (i < rest.size() && IsBlank(rest[i])) ++i;
    std::size_t end = i;
    while (end < rest.size() && !IsBlank(rest[end])) ++end;
    if (end > i) fields[count++] = rest.substr(i, end - i);
    i = end;
  }
  if (count < 2) return StatParseError("no state and ppid after the (comm)");
  stat.state = fields[0][0];
  // A field the text ends before stays 0; one that is there must be a number.
  int bad_field = 0;
  auto number = [&](int field, auto& out) {
    const std::size_t index = static_cast<std::size_t>(field - kFirst);
    if (bad_field == 0 && index < count && !ParseWhole(fields[index], out)) bad_field = field;
  };
  number(4, stat.ppid);
  number(5, stat.pgid);
  number(6, stat.sid);
  number(9, stat.flags);
  number(kLast, stat.start_time);
  if (bad_field != 0) return StatParseError(fmt::format("field {} is not a number", bad_field));
  return stat;
}

Result<ProcStat> ReadProcStat(pid_t pid) {
  const std::string path = fmt::format("/proc/{}/stat", pid);
  std::string text;
  const int err = internal::ReadFileAt(AT_FDCWD, path.c_str(), text);
  // A reaped process: no directory (ENOENT), or gone between the open and the read (ESRCH, or
  // nothing to read).
  if (err == ENOENT || err == ESRCH || (err == 0 && text.empty())) {
    return Error(ErrorCode::kNotFound, fmt::format("process {} does not exist", pid),
                 err != 0 ? err : ESRCH);
  }
  if (err != 0) return ErrnoError(err, "reading " + path);
  Result<ProcStat> stat = ParseProcStat(text);
  if (!stat) {
    return Error(ErrorCode::kParseError,
                 fmt::format("cannot parse {}: {}", path, stat.error().message()));
  }
  return stat;
}

}  // namespace leakwatch
