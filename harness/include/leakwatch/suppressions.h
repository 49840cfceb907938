// suppressions.h — known, accepted leaks that a check must not report.
//
// A suppressions file (YAML, see docs/suppressions.md) lists entries that match a resource by kind
// and a regular expression on what identifies it: an FD's target, a thread's name or a child's
// command; optionally only in tests whose full name ("Suite.Case") matches a pattern. Every match
// is counted, so a run can print which suppressions were used, as LeakSanitizer does.
//
//   Result<Suppressions> s = Suppressions::Load("leakwatch.supp.yaml");
//   if (!s) Die(s.error().message());                  // "file:3:7: unknown key \"kidn\" ..."
//   SnapshotDiff diff = DiffSnapshots(before, after);
//   s->Apply("Suite.Case", diff);                      // drops matched resources from the diff
//   for (const auto& [name, count] : s->Used()) ...
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leakwatch/result.h"
#include "leakwatch/snapshot_diff.h"
#include "leakwatch/tree_diff.h"

namespace leakwatch {

struct Suppression {
  std::string name;  // from the file, or "<file>:<line>" when it has none
  // "fd" (any FD), an FD kind name ("pidfd"), "thread" or "child".
  std::string kind;
  // Unset: matches every resource of the kind. Searched (not anchored) like grep.
  std::optional<std::regex> target;   // FDs: the link text
  std::optional<std::regex> thread;   // threads: the name
  std::optional<std::regex> command;  // children: the command line
  std::optional<std::regex> test;     // only in tests whose full name matches
  // Textual patterns as written, for messages.
  std::string pattern_text;
};

class Suppressions {
 public:
  Suppressions() = default;

  // Errors (kParseError) name "file:line:col": YAML syntax, unknown keys (with the nearest valid
  // key), an unknown kind, a regex that does not compile, a pattern key that does not fit the kind.
  static Result<Suppressions> Load(const std::string& path);
  static Result<Suppressions> Parse(std::string_view yaml_text, std::string_view source);

  // Removes every added FD, thread and child of `diff` that an entry matches, lowers the deltas
  // to match, and counts the matches. `test_name` is "Suite.Case" (may be empty: entries with a
  // `test` pattern then never match).
  void Apply(std::string_view test_name, SnapshotDiff& diff);
  // As Apply, without counting: for the intermediate diffs of a settle step.
  void Filter(std::string_view test_name, SnapshotDiff& diff) const;

  // The same for every process of a tree diff: an appeared process is matched as a child (by its
  // command) and dropped from the diff when an entry claims it. The growth is recounted.
  void Apply(std::string_view test_name, TreeDiff& diff);
  void Filter(std::string_view test_name, TreeDiff& diff) const;

  // (name, times matched) for every entry that matched at least once, in file order.
  std::vector<std::pair<std::string, std::int64_t>> Used() const;
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<Suppression> entries_;
  std::vector<std::int64_t> used_;  // parallel to entries_
};

// A leak to accept in a baseline (`leakwatch run --write-suppressions`, the GoogleTest listener's
// --leakwatch_write_suppressions): a team adopting leakwatch on an old suite records the leaks
// it has once, so that only new ones fail.
struct BaselineLeak {
  std::string test;  // "Suite.Case", a pytest node id, or a plain module's name
  std::string kind;  // an FD kind name, "thread" or "child"
  std::string seen;  // what was found, for the entry's comment: "server: pidfd +1 in pid 42 (srv)"
};

// The text of a suppressions file that accepts `leaks`: one entry per case and kind (repeats
// merged), each matching that case exactly and every resource of that kind, with a comment
// saying what was seen; a header says what wrote it (`origin`) and when. Load reads it back.
std::string FormatBaseline(const std::vector<BaselineLeak>& leaks, const std::string& origin);

// `text` as a regular expression that matches exactly it: "A.b(1)" -> "^A\\.b\\(1\\)$".
std::string ExactRegex(std::string_view text);

}  // namespace leakwatch
