#include "cli/diff_command.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "cli/console_format.h"
#include "exit_codes.h"
#include "leakwatch/fd_kind.h"
#include "leakwatch/snapshot_diff.h"
#include "leakwatch/snapshot_json.h"
#include "leakwatch/unique_fd.h"

namespace leakwatch::cli {
namespace {

// The keys --slack accepts, for its help text.
std::string SlackKeys() {
  std::string keys = "fd";
  for (FdKind kind : AllFdKinds()) keys += fmt::format(", {}", FdKindName(kind));
  return keys + fmt::format(", {}, {}", kThreadKey, kChildKey);
}

// The whole file, or an error whose message is the reason only (the caller names the file).
Result<std::string> ReadWholeFile(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error(ErrorCode::kIo, std::strerror(errno), errno);
  std::string text;
  char chunk[65536];
  for (;;) {
    ssize_t n = read(fd.get(), chunk, sizeof chunk);
    if (n == 0) return text;
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(ErrorCode::kIo, std::strerror(errno), errno);
    }
    text.append(chunk, static_cast<std::size_t>(n));
  }
}

// A file that cannot be read or parsed is the user's input, hence a usage error (kExitUsage).
Result<Snapshot> LoadSnapshot(const std::string& path) {
  Result<std::string> text = ReadWholeFile(path);
  if (!text) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("cannot read {}: {}", path, text.error().message()));
  }
  return SnapshotFromJson(*text, path);
}

}  // namespace

CLI::App* AddDiffCommand(CLI::App& app, DiffArgs& args) {
  CLI::App* command = app.add_subcommand(
      "diff", "Show what was added and removed between two `snapshot --json` files");
  command->add_option("BEFORE", args.before_path, "Snapshot taken first (JSON)")
      ->required()
      ->type_name("FILE");
  command->add_option("AFTER", args.after_path, "Snapshot taken later (JSON)")
      ->required()
      ->type_name("FILE");
  command
      ->add_option_function<std::string>(
          "--slack",
          [&args](const std::string& spec) {
            Result<Slack> slack = ParseSlack(spec);
            if (!slack) throw CLI::ValidationError("--slack", slack.error().message());
            args.slack = *slack;
          },
          "Growth tolerated per kind, e.g. fd=0,pidfd=1,thread=2 (default: none). Keys: " +
              SlackKeys())
      ->type_name("SPEC");
  command->add_flag("--json", args.json, "Print the diff as JSON");
  return command;
}

int RunDiffCommand(const DiffArgs& args) {
  Result<Snapshot> before = LoadSnapshot(args.before_path);
  if (!before) return ReportError("diff", before.error());
  Result<Snapshot> after = LoadSnapshot(args.after_path);
  if (!after) return ReportError("diff", after.error());

  if (before->pid != after->pid) {
    // Legitimate (a restarted server), but worth knowing: every FD will look new.
    fmt::print(stderr, "leakwatch diff: note: BEFORE is process {}, AFTER is process {}\n",
               before->pid, after->pid);
  }
  SnapshotDiff diff = DiffSnapshots(*before, *after);
  std::vector<Growth> growth = GrowthBeyondSlack(diff.delta, args.slack);
  if (args.json) {
    PrintJson(DiffToJson(diff, growth, args.slack));
  } else {
    fmt::print("{}", FormatDiffReport(*before, *after, diff, growth, args.slack));
  }
  if (!FlushStdout("diff")) return kExitFailure;
  return growth.empty() ? kExitOk : kExitGrowth;
}

}  // namespace leakwatch::cli
