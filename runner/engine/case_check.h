// case_check.h — the before/after check of one target (the server, or the test process) around
// one case, over its whole process tree.
//
// Begin() snapshots every process of the target's tree; End() settles (re-checks the whole tree
// with backoff while something is still beyond slack), diffs process by process and describes
// what stayed, one LeakReport per process that grew (leakwatch/leak_report.h). A check that
// cannot be made is an error, never "no leak": the case is then UNCHECKED.
//
//   TargetCheck server("server", server_pid, [&] { return process.ExtraTreeMembers(); },
//                      config.checks);
//   server.Begin();
//   ... the case runs ...
//   Result<std::vector<LeakReport>> leaks = server.End("Suite.Case");   // empty: clean
//   if (!leaks) ...   // unchecked: "server: cannot read /proc/4242/fd: Permission denied ..."
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "leakwatch/leak_report.h"
#include "leakwatch/result.h"
#include "leakwatch/suppressions.h"
#include "leakwatch/tree_snapshot.h"
#include "run_config.h"

namespace leakwatch::run {

class TargetCheck {
 public:
  // `extra` (may be empty) names the tree's members beyond the root's descendants.
  // `suppressions` (may be null) drop known resources from every diff before it is judged.
  // `known` (may be empty): the tree as last seen before this check's first case (the quiet
  // tree the worker waited for), so that a worker replaced just before that case is paired.
  TargetCheck(std::string target, pid_t root, TreeMembers extra, const ChecksConfig& checks,
              const Suppressions* suppressions = nullptr,
              std::optional<TreeSnapshot> known = std::nullopt)
      : target_(std::move(target)),
        root_(root),
        extra_(std::move(extra)),
        checks_(checks),
        suppressions_(suppressions),
        previous_(std::move(known)) {}

  // Takes the "before" snapshot; a failure is End()'s to report.
  void Begin();
  // The leaks since Begin (empty: none). `case_name` ("Suite.Case") is what suppressions with a
  // `test:` pattern match. Without `settle` one "after" snapshot is judged (growth that a settle
  // step would have waited out is reported). Errors, prefixed by the target: Begin's snapshot
  // failed (its error), or one of the "after" snapshots did.
  Result<std::vector<LeakReport>> End(const std::string& case_name = "", bool settle = true);

  const std::string& target() const { return target_; }
  // The tree at the end of the last case that was checked, if any.
  const std::optional<TreeSnapshot>& last_after() const { return last_after_; }

 private:
  Error Prefixed(const Error& error) const;

  std::string target_;
  pid_t root_;
  TreeMembers extra_;
  const ChecksConfig& checks_;
  const Suppressions* suppressions_;
  std::optional<TreeSnapshot> before_;
  std::optional<Error> begin_error_;  // why the last Begin failed
  // The tree of the last case: its "before", and the processes that appeared in its "after".
  // A worker retired in one case is often replaced in the next: DiffTrees pairs the two.
  std::optional<TreeSnapshot> previous_;
  std::optional<TreeSnapshot> last_after_;
};

}  // namespace leakwatch::run
