#include "cli/watch_command.h"

#include <fmt/chrono.h>
#include <fmt/core.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>
#include <string>

#include "cli/command_line.h"
#include "cli/console_format.h"
#include "exit_codes.h"
#include "leakwatch/duration.h"
#include "leakwatch/snapshot.h"
#include "leakwatch/unique_fd.h"

namespace leakwatch::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Blocks SIGINT and SIGTERM for its lifetime so that they queue for the signalfd instead of
// killing the process. On the way out it discards whatever is still pending: unblocking a queued
// SIGTERM would kill us after we decided to exit 0.
class BlockedStopSignals {
 public:
  BlockedStopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigprocmask(SIG_BLOCK, &set_, &previous_);
  }
  ~BlockedStopSignals() {
    timespec no_wait{};
    while (sigtimedwait(&set_, nullptr, &no_wait) > 0) {
    }
    sigprocmask(SIG_SETMASK, &previous_, nullptr);
  }
  BlockedStopSignals(const BlockedStopSignals&) = delete;
  BlockedStopSignals& operator=(const BlockedStopSignals&) = delete;

  const sigset_t& set() const { return set_; }

 private:
  sigset_t set_;
  sigset_t previous_;
};

Result<UniqueFd> OpenPidfd(pid_t pid) {
  UniqueFd fd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (fd) return fd;
  if (errno == ESRCH) {
    return Error(ErrorCode::kNotFound, fmt::format("process {} does not exist", pid), errno);
  }
  if (errno == EINVAL) {
    // pidfd_open refuses thread ids that are not a thread-group leader.
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("{} is not a process id (is it a thread id?)", pid), errno);
  }
  return ErrnoError(errno, fmt::format("opening a pidfd for process {}", pid));
}

std::string ClockOf(const Snapshot& snapshot) {
  std::time_t seconds = snapshot.taken_at_unix_ms > 0
                            ? static_cast<std::time_t>(snapshot.taken_at_unix_ms / 1000)
                            : std::time(nullptr);
  return fmt::format("{:%H:%M:%S}", fmt::localtime(seconds));
}

// Milliseconds until `deadline`, rounded up (rounding down would wake early and spin), within
// what poll accepts.
int PollTimeoutMs(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  return left > INT_MAX ? INT_MAX : static_cast<int>(left);
}

int ProcessExited(pid_t pid) {
  fmt::print("process {} exited\n", pid);
  return FlushStdout("watch") ? kExitOk : kExitFailure;
}

}  // namespace

CLI::App* AddWatchCommand(CLI::App& app, WatchArgs& args) {
  CLI::App* command =
      app.add_subcommand("watch", "Print per-kind counts of a process once per interval");
  command->add_option("PID", args.pid, "The process to watch")
      ->required()
      ->check(PositiveInteger(kMaxPid));
  command
      ->add_option_function<std::string>(
          "--interval",
          [&args](const std::string& text) {
            Result<std::chrono::nanoseconds> interval = ParseDuration(text);
            if (!interval) throw CLI::ValidationError("--interval", interval.error().message());
            if (interval->count() <= 0) {
              throw CLI::ValidationError("--interval", "must be longer than 0, got " + text);
            }
            args.interval = *interval;
          },
          "Time between samples: 500ms, 1s, 2m (default 1s)")
      ->type_name("DURATION");
  command
      ->add_option("--count", args.count, "Stop after this many samples (default: until it exits)")
      ->check(PositiveInteger(INT64_MAX));
  return command;
}

int RunWatchCommand(const WatchArgs& args) {
  // Blocked before the first line is printed: whoever reads that line may signal us at once.
  BlockedStopSignals stop_signals;
  UniqueFd signal_fd(signalfd(-1, &stop_signals.set(), SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd) return ReportError("watch", ErrnoError(errno, "creating a signalfd"));
  Result<UniqueFd> process_fd = OpenPidfd(args.pid);
  if (!process_fd) return ReportError("watch", process_fd.error());

  Result<Snapshot> first = TakeSnapshot(args.pid);
  if (!first) return ReportError("watch", first.error());
  WatchSample baseline = WatchSampleOf(*first);
  fmt::print("{}\n", FormatWatchLine(ClockOf(*first), baseline, baseline));
  if (!FlushStdout("watch")) return kExitFailure;

  std::int64_t taken = 1;
  Clock::time_point next_sample = Clock::now() + args.interval;
  while (args.count == 0 || taken < args.count) {
    pollfd fds[2] = {{signal_fd.get(), POLLIN, 0}, {process_fd->get(), POLLIN, 0}};
    int ready = poll(fds, 2, PollTimeoutMs(next_sample));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return ReportError("watch", ErrnoError(errno, "waiting for the next sample"));
    }
    // A stop request wins over everything else: the user asked for quiet, immediate exit.
    if (fds[0].revents != 0) return kExitOk;
    if (fds[1].revents != 0) return ProcessExited(args.pid);
    if (Clock::now() < next_sample) continue;

    Result<Snapshot> now = TakeSnapshot(args.pid);
    if (!now) {
      // It may exit between poll and the snapshot; that is the same ending as a readable pidfd.
      if (now.error().code() == ErrorCode::kNotFound) return ProcessExited(args.pid);
      return ReportError("watch", now.error());
    }
    fmt::print("{}\n", FormatWatchLine(ClockOf(*now), WatchSampleOf(*now), baseline));
    if (!FlushStdout("watch")) return kExitFailure;
    ++taken;
    next_sample += args.interval;
    // On a loaded machine a snapshot can take longer than the interval: skip the missed ticks
    // rather than firing them back to back.
    if (next_sample < Clock::now()) next_sample = Clock::now() + args.interval;
  }
  return kExitOk;
}

}  // namespace leakwatch::cli
