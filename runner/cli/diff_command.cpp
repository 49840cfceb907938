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

// The argument that stands for stdin, and the name parse errors give it.
constexpr std::string_view kStdinArg = "-";
constexpr std::string_view kStdinName = "<stdin>";

// Everything up to EOF, or an error whose message is the reason only (the caller names the input).
Result<std::string> ReadToEnd(int fd) {
  std::string text;
  char chunk[65536];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n == 0) return text;
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(ErrorCode::kIo, std::strerror(errno), errno);
    }
    text.append(chunk, static_cast<std::size_t>(n));
  }
}

Result<std::string> ReadWholeFile(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error(ErrorCode::kIo, std::strerror(errno), errno);
  return ReadToEnd(fd.get());
}

// A file that cannot be read or parsed is the user's input, hence a usage error (kExitUsage).
// `path` "-" reads stdin, named `<stdin>` in messages.
Result<Snapshot> LoadSnapshot(const std::string& path) {
  const bool from_stdin = path == kStdinArg;
  std::string_view name = from_stdin ? kStdinName : std::string_view(path);
  Result<std::string> text = from_stdin ? ReadToEnd(STDIN_FILENO) : ReadWholeFile(path);
  if (!text) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("cannot read {}: {}", name, text.error().message()));
  }
  return SnapshotFromJson(*text, name);
}

}  // namespace

CLI::App* AddDiffCommand(CLI::App& app, DiffArgs& args) {
  CLI::App* command = app.add_subcommand(
      "diff", "Show what was added and removed between two `snapshot --json` files");
  command->add_option("BEFORE", args.before_path, "Snapshot taken first (JSON); - reads stdin")
      ->required()
      ->type_name("FILE");
  command->add_option("AFTER", args.after_path, "Snapshot taken later (JSON); - reads stdin")
      ->required()
      ->type_name("FILE");
  // Stdin holds one snapshot only; a parse callback makes this a usage error like the others.
  command->parse_complete_callback([&args] {
    if (args.before_path == kStdinArg && args.after_path == kStdinArg) {
      throw CLI::ValidationError("BEFORE and AFTER",
                                 "only one of them can be - (stdin holds one snapshot)");
    }
  });
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
