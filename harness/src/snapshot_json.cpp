#include "leakwatch/snapshot_json.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "json_locator.h"

namespace leakwatch {
namespace {

using nlohmann::ordered_json;

ordered_json FdJson(const FdInfo& fd) {
  ordered_json j = {
      {"fd", fd.fd}, {"kind", FdKindName(fd.kind)}, {"target", fd.target}, {"inode", fd.inode}};
  if (fd.kind == FdKind::kPidfd) j["pid"] = fd.pidfd_pid;
  if (!fd.protocol.empty()) j["protocol"] = fd.protocol;
  if (!fd.endpoint.empty()) j["endpoint"] = fd.endpoint;
  return j;
}

ordered_json ThreadJson(const ThreadInfo& t) {
  return {{"tid", t.tid}, {"name", t.name}};
}

ordered_json ProcessJson(const ProcessInfo& p) {
  return {{"pid", p.pid}, {"ppid", p.ppid},   {"state", ProcessStateName(p.state)},
          {"cmd", p.cmd}, {"depth", p.depth}, {"start_time", p.start_time}};
}

template <typename T, typename F>
ordered_json ArrayOf(const std::vector<T>& items, F to_json) {
  ordered_json a = ordered_json::array();
  for (const T& item : items) a.push_back(to_json(item));
  return a;
}

ordered_json KindCountsJson(const FdKindCounts& counts, bool only_nonzero) {
  ordered_json j = ordered_json::object();
  for (FdKind kind : AllFdKinds()) {
    if (!only_nonzero || counts[kind] != 0) j[std::string(FdKindName(kind))] = counts[kind];
  }
  return j;
}

// Raised inside SnapshotFromJson only; turned into an Error before it returns.
struct JsonFieldError {
  std::vector<std::string> path;
  std::string message;
};

// Typed access to a parsed document that remembers where it is, for error messages.
class Reader {
 public:
  Reader(const ordered_json& value, std::vector<std::string> path)
      : value_(value), path_(std::move(path)) {}

  Reader Field(const std::string& key, bool required = true) const {
    if (!value_.is_object()) Fail("expected an object");
    auto it = value_.find(key);
    if (it == value_.end()) {
      if (required) Fail(fmt::format("missing required field \"{}\"", key));
      return Reader(kNull, Child(key));
    }
    return Reader(*it, Child(key));
  }
  bool Has(const std::string& key) const { return value_.is_object() && value_.contains(key); }

  std::int64_t Int() const {
    if (!value_.is_number_integer()) Fail("expected an integer");
    return value_.get<std::int64_t>();
  }
  std::uint64_t Unsigned() const {
    if (!value_.is_number_unsigned()) Fail("expected a non-negative integer");
    return value_.get<std::uint64_t>();
  }
  std::string String() const {
    if (!value_.is_string()) Fail("expected a string");
    return value_.get<std::string>();
  }
  // Calls f(Reader) for every element; a missing optional array is empty.
  template <typename F>
  void ForEach(F f) const {
    if (value_.is_null()) return;
    if (!value_.is_array()) Fail("expected an array");
    for (std::size_t i = 0; i < value_.size(); ++i) f(Reader(value_[i], Child(std::to_string(i))));
  }
  [[noreturn]] void Fail(std::string message) const { throw JsonFieldError{path_, message}; }

 private:
  std::vector<std::string> Child(const std::string& step) const {
    std::vector<std::string> p = path_;
    p.push_back(step);
    return p;
  }
  static inline const ordered_json kNull = nullptr;
  const ordered_json& value_;
  std::vector<std::string> path_;
};

Snapshot ReadSnapshot(const Reader& root) {
  std::int64_t schema = root.Field("schema").Int();
  if (schema != kJsonSchemaVersion) {
    root.Field("schema").Fail(fmt::format("unsupported schema {} (this leakwatch reads schema {})",
                                          schema, kJsonSchemaVersion));
  }
  Snapshot snap;
  snap.pid = static_cast<pid_t>(root.Field("pid").Int());
  if (root.Has("command")) snap.command = root.Field("command").String();
  if (root.Has("taken_at_unix_ms")) snap.taken_at_unix_ms = root.Field("taken_at_unix_ms").Int();
  root.Field("fds").ForEach([&](const Reader& r) {
    FdInfo fd;
    fd.fd = static_cast<int>(r.Field("fd").Int());
    Reader kind = r.Field("kind");
    std::optional<FdKind> parsed = ParseFdKind(kind.String());
    if (!parsed) kind.Fail(fmt::format("unknown FD kind \"{}\"", kind.String()));
    fd.kind = *parsed;
    fd.target = r.Field("target").String();
    fd.inode = r.Field("inode").Unsigned();
    if (r.Has("pid")) fd.pidfd_pid = static_cast<pid_t>(r.Field("pid").Int());
    if (r.Has("protocol")) fd.protocol = r.Field("protocol").String();
    if (r.Has("endpoint")) fd.endpoint = r.Field("endpoint").String();
    snap.fds.push_back(std::move(fd));
  });
  root.Field("threads", false).ForEach([&](const Reader& r) {
    snap.threads.push_back({static_cast<pid_t>(r.Field("tid").Int()), r.Field("name").String()});
  });
  root.Field("children", false).ForEach([&](const Reader& r) {
    ProcessInfo p;
    p.pid = static_cast<pid_t>(r.Field("pid").Int());
    p.ppid = static_cast<pid_t>(r.Field("ppid").Int());
    p.state = ProcessStateFromName(r.Field("state").String());
    p.cmd = r.Field("cmd").String();
    if (r.Has("depth")) p.depth = static_cast<int>(r.Field("depth").Int());
    if (r.Has("start_time")) p.start_time = r.Field("start_time").Unsigned();
    snap.children.push_back(std::move(p));
  });
  if (root.Has("memory")) {
    Reader m = root.Field("memory");
    snap.memory.rss_kb = m.Field("rss_kb").Int();
    snap.memory.peak_rss_kb = m.Field("peak_rss_kb").Int();
    snap.memory.mappings = m.Field("mappings").Int();
  }
  if (root.Has("fd_soft_limit")) snap.fd_soft_limit = root.Field("fd_soft_limit").Int();
  return snap;
}

}  // namespace

std::string SnapshotToJson(const Snapshot& snap, int indent) {
  ResourceCounts counts = snap.Counts();
  ordered_json j = {
      {"schema", kJsonSchemaVersion},
      {"pid", snap.pid},
      {"command", snap.command},
      {"taken_at_unix_ms", snap.taken_at_unix_ms},
      {"counts",
       {{"fd", counts.TotalFds()},
        {"thread", counts.threads},
        {"child", counts.children},
        {"direct_children", snap.DirectChildCount()},
        {"fds_by_kind", KindCountsJson(counts.fds, false)}}},
      {"fds", ArrayOf(snap.fds, FdJson)},
      {"threads", ArrayOf(snap.threads, ThreadJson)},
      {"children", ArrayOf(snap.children, ProcessJson)},
      {"memory",
       {{"rss_kb", snap.memory.rss_kb},
        {"peak_rss_kb", snap.memory.peak_rss_kb},
        {"mappings", snap.memory.mappings}}},
      {"fd_soft_limit", snap.fd_soft_limit},
  };
  return j.dump(indent) + "\n";
}

Result<Snapshot> SnapshotFromJson(std::string_view text, std::string_view source) {
  ordered_json doc;
  try {
    doc = ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    internal::TextPosition p = internal::PositionOfOffset(text, offset);
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
    std::size_t colon = what.find(": ", what.find("parse error"));
    std::string reason = colon == std::string::npos ? what : what.substr(colon + 2);
    return Error(ErrorCode::kParseError,
                 fmt::format("{}:{}:{}: invalid JSON: {}", source, p.line, p.column, reason));
  }
  try {
    return ReadSnapshot(Reader(doc, {}));
  } catch (const JsonFieldError& e) {
    internal::TextPosition p =
        internal::PositionOfOffset(text, internal::OffsetOfPath(text, e.path));
    std::string pointer;
    for (const std::string& step : e.path) pointer += "/" + step;
    return Error(ErrorCode::kParseError,
                 fmt::format("{}:{}:{}: {}{}", source, p.line, p.column, e.message,
                             pointer.empty() ? "" : fmt::format(" (at {})", pointer)));
  }
}

std::string DiffToJson(const SnapshotDiff& diff, const std::vector<Growth>& growth,
                       const Slack& slack, int indent) {
  ordered_json beyond = ordered_json::array();
  for (const Growth& g : growth) {
    beyond.push_back({{"kind", g.key}, {"delta", g.delta}, {"slack", g.slack}});
  }
  ordered_json j = {
      {"schema", kJsonSchemaVersion},
      {"delta",
       {{"fd", diff.delta.TotalFds()},
        {"thread", diff.delta.threads},
        {"child", diff.delta.children},
        {"fds_by_kind", KindCountsJson(diff.delta.fds, true)}}},
      {"slack", FormatSlack(slack)},
      {"beyond_slack", beyond},
      {"fds_added", ArrayOf(diff.fds_added, FdJson)},
      {"fds_removed", ArrayOf(diff.fds_removed, FdJson)},
      {"threads_added", ArrayOf(diff.threads_added, ThreadJson)},
      {"threads_removed", ArrayOf(diff.threads_removed, ThreadJson)},
      {"children_added", ArrayOf(diff.children_added, ProcessJson)},
      {"children_removed", ArrayOf(diff.children_removed, ProcessJson)},
      {"rss_kb_delta", diff.rss_kb_delta},
      {"mappings_delta", diff.mappings_delta},
  };
  return j.dump(indent) + "\n";
}

}  // namespace leakwatch
