#include "cli/snapshot_command.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>

#include "cli/command_line.h"
#include "cli/console_format.h"
#include "exit_codes.h"
#include "leakwatch/snapshot.h"
#include "leakwatch/snapshot_json.h"

namespace leakwatch::cli {

CLI::App* AddSnapshotCommand(CLI::App& app, SnapshotArgs& args) {
  CLI::App* command = app.add_subcommand("snapshot",
                                         "Show what a process holds: FDs by kind, "
                                         "threads, children, memory");
  CLI::Option* pid = command->add_option("PID", args.pid, "The process to snapshot")
                         ->check(PositiveInteger(kMaxPid));
  CLI::Option* self = command->add_flag("--self", args.self, "Snapshot leakwatch itself");
  pid->excludes(self);
  command->add_flag("--json", args.json,
                    "Print the full snapshot as JSON (schema 1), the input of `leakwatch diff`");
  command->add_flag("--sockets", args.sockets,
                    "Resolve socket endpoints from /proc/PID/net and list socket FDs");
  command->parse_complete_callback([pid, self] {
    if (pid->count() == 0 && self->count() == 0) throw CLI::RequiredError("PID (or --self)");
  });
  return command;
}

int RunSnapshotCommand(const SnapshotArgs& args) {
  SnapshotOptions options;
  options.resolve_socket_endpoints = args.sockets;
  pid_t pid = args.self ? getpid() : args.pid;
  Result<Snapshot> snapshot = TakeSnapshot(pid, options);
  if (!snapshot) return ReportError("snapshot", snapshot.error());

  if (args.json) {
    PrintJson(SnapshotToJson(*snapshot));
  } else {
    SnapshotTableOptions table;
    table.show_socket_endpoints = args.sockets;
    fmt::print("{}", FormatSnapshotTable(*snapshot, table));
  }
  return FlushStdout("snapshot") ? kExitOk : kExitFailure;
}

}  // namespace leakwatch::cli
