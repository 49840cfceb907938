#include "leakwatch/suppressions.h"

#include <gtest/gtest.h>

#include "child_process.h"

namespace leakwatch {
namespace {

using testing::TempDir;
using testing::WriteFile;
using Used = std::vector<std::pair<std::string, std::int64_t>>;

// Test inputs are written one YAML line per C++ line, so a "LINE:COL" in an expectation can be
// checked by eye: line N is the N-th string, column C is the C-th character of it.

Suppressions MustParse(std::string_view yaml) {
  Result<Suppressions> s = Suppressions::Parse(yaml, "s.yaml");
  EXPECT_TRUE(s) << s.error().message();
  return s ? std::move(*s) : Suppressions();
}

// The message of the parse error, or "(parsed)" when the text was accepted.
std::string ErrorOf(std::string_view yaml) {
  Result<Suppressions> s = Suppressions::Parse(yaml, "s.yaml");
  if (s) return "(parsed)";
  EXPECT_EQ(s.error().code(), ErrorCode::kParseError) << s.error().message();
  return s.error().message();
}

FdInfo Fd(int number, FdKind kind, std::string target) {
  FdInfo fd;
  fd.fd = number;
  fd.kind = kind;
  fd.target = std::move(target);
  return fd;
}

ThreadInfo Thread(pid_t tid, std::string name) {
  ThreadInfo t;
  t.tid = tid;
  t.name = std::move(name);
  return t;
}

ProcessInfo Child(pid_t pid, std::string cmd) {
  ProcessInfo p;
  p.pid = pid;
  p.ppid = 1;
  p.state = ProcessState::kSleeping;
  p.cmd = std::move(cmd);
  return p;
}

// A diff in which everything listed was added, with the deltas to match.
SnapshotDiff Added(std::vector<FdInfo> fds, std::vector<ThreadInfo> threads = {},
                   std::vector<ProcessInfo> children = {}) {
  SnapshotDiff d;
  for (const FdInfo& fd : fds) ++d.delta.fds[fd.kind];
  d.delta.threads = static_cast<std::int64_t>(threads.size());
  d.delta.children = static_cast<std::int64_t>(children.size());
  d.fds_added = std::move(fds);
  d.threads_added = std::move(threads);
  d.children_added = std::move(children);
  return d;
}

std::vector<int> FdNumbers(const SnapshotDiff& d) {
  std::vector<int> numbers;
  for (const FdInfo& fd : d.fds_added) numbers.push_back(fd.fd);
  return numbers;
}

// --- valid files -------------------------------------------------------------------------------

TEST(SuppressionsParseTest, EmptyFilesAndEmptyListsHaveNoEntries) {
  for (const char* yaml : {"", "\n", "# only a comment\n", "suppressions: []\n", "suppressions:\n",
                           "---\nsuppressions: []\n"}) {
    Result<Suppressions> s = Suppressions::Parse(yaml, "s.yaml");
    ASSERT_TRUE(s) << "[" << yaml << "] " << s.error().message();
    EXPECT_TRUE(s->empty()) << yaml;
    EXPECT_TRUE(s->Used().empty());
  }
}

TEST(SuppressionsParseTest, AcceptsTheDocumentedExample) {
  // The example of docs/suppressions.md, word for word: keep the two in step.
  Suppressions s = MustParse(
      "# leakwatch suppressions\n"
      "suppressions:\n"
      "  # libnss_sss keeps a socket to sssd open once the first getpwnam() has run.\n"
      "  - name: nss-sssd-socket\n"
      "    kind: unix\n"
      "    target: \"^socket:\"\n"
      "    test: \"^NetTest\\\\.\"\n"
      "\n"
      "  # gRPC's timer thread (\"grpc_global_timer\", cut to 15 characters) starts once per "
      "process\n"
      "  # and is never joined.\n"
      "  - name: grpc-timer-thread\n"
      "    kind: thread\n"
      "    thread: \"^grpc_global_tim\"\n"
      "\n"
      "  # Started on purpose by the agent tests; they check it themselves.\n"
      "  - name: ssh-agent\n"
      "    kind: child\n"
      "    command: \"^/usr/bin/ssh-agent( |$)\"\n"
      "\n"
      "  # No name: shown as \"<file>:21\" in the report (the line where the entry starts).\n"
      "  - kind: pidfd\n"
      "    test: \"^SpawnTest\\\\.MissingHelper$\"\n"
      "\n"
      "  # Every FD kind, but only in one suite.\n"
      "  - name: any-fd-in-legacy-suite\n"
      "    kind: fd\n"
      "    test: \"^LegacyTest\\\\.\"\n");
  EXPECT_EQ(s.size(), 5u);
  SnapshotDiff d = Added({Fd(3, FdKind::kUnix, "socket:[7]"), Fd(4, FdKind::kPidfd, "pidfd:[9]")},
                         {Thread(11, "grpc_global_tim")},
                         {Child(21, "/usr/bin/ssh-agent -D"), Child(22, "/usr/bin/ssh-agentx")});
  s.Apply("SpawnTest.MissingHelper", d);
  EXPECT_EQ(FdNumbers(d), (std::vector<int>{3})) << "the socket is suppressed in NetTest only";
  ASSERT_EQ(d.children_added.size(), 1u);
  EXPECT_EQ(d.children_added[0].pid, 22);
  EXPECT_EQ(s.Used(), (Used{{"grpc-timer-thread", 1}, {"ssh-agent", 1}, {"s.yaml:21", 1}}))
      << "the doc names the unnamed entry <file>:21";
}

TEST(SuppressionsParseTest, AcceptsFlowStyleAndPlainScalars) {
  Suppressions s = MustParse(
      "suppressions: [{kind: eventfd}, {kind: tcp6, target: 'socket:'}, {kind: child, command: "
      "sleep}]\n");
  EXPECT_EQ(s.size(), 3u);
}

// --- matching ----------------------------------------------------------------------------------

TEST(SuppressionsApplyTest, RemovesMatchedResourcesLowersDeltasAndCountsUses) {
  Suppressions s = MustParse(
      "suppressions:\n"
      "  - name: unix-sockets\n"
      "    kind: unix\n"
      "    target: \"^socket:\"\n"
      "  - name: grpc-timer\n"
      "    kind: thread\n"
      "    thread: \"^grpc_global_tim\"\n"
      "  - name: agent\n"
      "    kind: child\n"
      "    command: \"^/usr/bin/ssh-agent\"\n"
      "  - name: never-used\n"
      "    kind: inotify\n");
  SnapshotDiff d =
      Added({Fd(3, FdKind::kUnix, "socket:[101]"), Fd(4, FdKind::kPidfd, "anon_inode:[pidfd]"),
             Fd(5, FdKind::kUnix, "socket:[102]"), Fd(6, FdKind::kPipe, "pipe:[7]")},
            {Thread(11, "grpc_global_tim"), Thread(12, "worker")},
            {Child(21, "/usr/bin/ssh-agent -D"), Child(22, "sleep 100")});
  s.Apply("Suite.Case", d);

  EXPECT_EQ(FdNumbers(d), (std::vector<int>{4, 6}));
  EXPECT_EQ(d.delta.fds[FdKind::kUnix], 0);
  EXPECT_EQ(d.delta.fds[FdKind::kPidfd], 1);
  EXPECT_EQ(d.delta.fds[FdKind::kPipe], 1);
  ASSERT_EQ(d.threads_added.size(), 1u);
  EXPECT_EQ(d.threads_added[0].name, "worker");
  EXPECT_EQ(d.delta.threads, 1);
  ASSERT_EQ(d.children_added.size(), 1u);
  EXPECT_EQ(d.children_added[0].cmd, "sleep 100");
  EXPECT_EQ(d.delta.children, 1);
  EXPECT_EQ(s.Used(), (Used{{"unix-sockets", 2}, {"grpc-timer", 1}, {"agent", 1}}));

  // Uses add up over cases.
  SnapshotDiff again = Added({Fd(7, FdKind::kUnix, "socket:[103]")});
  s.Apply("Suite.Other", again);
  EXPECT_TRUE(again.fds_added.empty());
  EXPECT_EQ(s.Used(), (Used{{"unix-sockets", 3}, {"grpc-timer", 1}, {"agent", 1}}));
}

TEST(SuppressionsApplyTest, KindDecidesWhatAnEntryCanClaim) {
  Suppressions s = MustParse(
      "suppressions:\n"
      "  - name: pidfds\n"
      "    kind: pidfd\n"
      "  - name: any-fd-on-tmp\n"
      "    kind: fd\n"
      "    target: ^/tmp/\n");
  SnapshotDiff d =
      Added({Fd(3, FdKind::kPidfd, "anon_inode:[pidfd]"),
             Fd(4, FdKind::kEventfd, "anon_inode:[eventfd]"), Fd(5, FdKind::kFile, "/tmp/x.log"),
             Fd(6, FdKind::kDir, "/tmp/cache"), Fd(7, FdKind::kFile, "/var/tmp/y")},
            {Thread(11, "pidfd")}, {Child(21, "/tmp/helper")});
  s.Apply("Suite.Case", d);
  EXPECT_EQ(FdNumbers(d), (std::vector<int>{4, 7})) << "^/tmp/ matches only at the start";
  EXPECT_EQ(d.threads_added.size(), 1u) << "an FD entry never claims a thread";
  EXPECT_EQ(d.children_added.size(), 1u) << "nor a child";
  EXPECT_EQ(d.delta.fds[FdKind::kFile], 1);
  EXPECT_EQ(d.delta.fds[FdKind::kDir], 0);
  EXPECT_EQ(s.Used(), (Used{{"pidfds", 1}, {"any-fd-on-tmp", 2}}));
}

TEST(SuppressionsApplyTest, RegexesAreSearchedNotAnchored) {
  Suppressions s = MustParse(
      "suppressions:\n"
      "  - kind: anon\n"
      "    target: \"bpf\"\n"
      "  - kind: child\n"
      "    command: \"--helper\"\n");
  SnapshotDiff d = Added({Fd(3, FdKind::kAnon, "anon_inode:[bpf-prog]")}, {},
                         {Child(21, "/opt/app --helper --x")});
  s.Apply("Suite.Case", d);
  EXPECT_TRUE(d.fds_added.empty());
  EXPECT_TRUE(d.children_added.empty());
  EXPECT_EQ(s.Used(), (Used{{"s.yaml:2", 1}, {"s.yaml:4", 1}})) << "unnamed: file:line";
}

TEST(SuppressionsApplyTest, FirstMatchingEntryWins) {
  Suppressions s = MustParse(
      "suppressions:\n"
      "  - name: specific\n"
      "    kind: tcp\n"
      "    target: \"socket:\\\\[1\"\n"
      "  - name: all-tcp\n"
      "    kind: tcp\n"
      "  - name: all-fds\n"
      "    kind: fd\n");
  SnapshotDiff d = Added({Fd(3, FdKind::kTcp, "socket:[10]"), Fd(4, FdKind::kTcp, "socket:[20]"),
                          Fd(5, FdKind::kTcp, "socket:[11]"), Fd(6, FdKind::kUdp, "socket:[12]")});
  s.Apply("Suite.Case", d);
  EXPECT_TRUE(d.fds_added.empty());
  EXPECT_EQ(d.delta.fds[FdKind::kTcp], 0);
  EXPECT_EQ(d.delta.fds[FdKind::kUdp], 0);
  EXPECT_EQ(s.Used(), (Used{{"specific", 2}, {"all-tcp", 1}, {"all-fds", 1}}));
}

TEST(SuppressionsApplyTest, TestPatternLimitsAnEntryToMatchingTests) {
  Suppressions s = MustParse(
      "suppressions:\n"
      "  - name: net-only\n"
      "    kind: thread\n"
      "    test: \"^NetTest\\\\.\"\n"
      "  - name: everywhere\n"
      "    kind: thread\n"
      "    thread: \"^logger$\"\n");
  auto one_thread = [] { return Added({}, {Thread(11, "resolver"), Thread(12, "logger")}); };

  SnapshotDiff net = one_thread();
  s.Apply("NetTest.Connect", net);
  EXPECT_TRUE(net.threads_added.empty());
  EXPECT_EQ(net.delta.threads, 0);

  SnapshotDiff disk = one_thread();
  s.Apply("DiskTest.NetTest", disk);  // searched in the full name: "^" keeps this out
  ASSERT_EQ(disk.threads_added.size(), 1u);
  EXPECT_EQ(disk.threads_added[0].name, "resolver");

  SnapshotDiff unnamed = one_thread();
  s.Apply("", unnamed);  // outside any test: entries with `test` never match
  ASSERT_EQ(unnamed.threads_added.size(), 1u);
  EXPECT_EQ(unnamed.delta.threads, 1);

  EXPECT_EQ(s.Used(), (Used{{"net-only", 2}, {"everywhere", 2}}));
}

TEST(SuppressionsApplyTest, FilterRemovesLikeApplyButCountsNothing) {
  Suppressions s = MustParse(
      "suppressions:\n"
      "  - name: eventfds\n"
      "    kind: eventfd\n");
  auto diff = [] {
    return Added({Fd(3, FdKind::kEventfd, "anon_inode:[eventfd]"), Fd(4, FdKind::kPipe, "p")});
  };
  for (int recheck = 0; recheck < 3; ++recheck) {  // as a settle loop would
    SnapshotDiff d = diff();
    s.Filter("Suite.Case", d);
    EXPECT_EQ(FdNumbers(d), (std::vector<int>{4}));
    EXPECT_EQ(d.delta.fds[FdKind::kEventfd], 0);
  }
  EXPECT_TRUE(s.Used().empty());
  SnapshotDiff final_diff = diff();
  s.Apply("Suite.Case", final_diff);
  EXPECT_EQ(s.Used(), (Used{{"eventfds", 1}}));
}

TEST(SuppressionsApplyTest, EmptySuppressionsLeaveTheDiffAlone) {
  Suppressions s;
  SnapshotDiff d = Added({Fd(3, FdKind::kPidfd, "anon_inode:[pidfd]")}, {Thread(1, "t")});
  s.Apply("Suite.Case", d);
  EXPECT_EQ(d.fds_added.size(), 1u);
  EXPECT_EQ(d.delta.fds[FdKind::kPidfd], 1);
  EXPECT_EQ(d.delta.threads, 1);
  EXPECT_TRUE(s.Used().empty());
}

// --- errors: every one names file:line:col ------------------------------------------------------

TEST(SuppressionsErrorTest, YamlSyntax) {
  EXPECT_EQ(ErrorOf("suppressions: [\n"),
            "s.yaml:2:1: invalid YAML: end of sequence flow not found");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: unix\n"
                    "   target: x\n"),
            "s.yaml:3:4: invalid YAML: end of sequence not found");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: unix\n"
                    "    target: x: y\n"),
            "s.yaml:3:14: invalid YAML: illegal map value");
}

TEST(SuppressionsErrorTest, TopLevel) {
  EXPECT_EQ(ErrorOf("- kind: unix\n"),
            "s.yaml:1:1: expected a map with a \"suppressions\" list at the top level, found a "
            "list");
  EXPECT_EQ(ErrorOf("# nothing but a word\n"
                    "hello\n"),
            "s.yaml:2:1: expected a map with a \"suppressions\" list at the top level, found a "
            "string");
  EXPECT_EQ(ErrorOf("# c\n"
                    "{}\n"),
            "s.yaml:2:1: missing \"suppressions\" (the list of entries)");
  EXPECT_EQ(ErrorOf("# c\n"
                    "supressions: []\n"),
            "s.yaml:2:1: unknown key \"supressions\"; did you mean \"suppressions\"?");
  EXPECT_EQ(ErrorOf("suppressions: []\n"
                    "version: 2\n"),
            "s.yaml:2:1: unknown key \"version\" (expected \"suppressions\")");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  kind: unix\n"),
            "s.yaml:2:3: \"suppressions\" must be a list of entries, not a map");
  EXPECT_EQ(ErrorOf("suppressions: unix\n"),
            "s.yaml:1:15: \"suppressions\" must be a list of entries, not a string");
  EXPECT_EQ(ErrorOf("suppressions: []\n"
                    "---\n"
                    "suppressions: []\n"),
            "s.yaml:3:1: expected one YAML document, found a second one");
}

TEST(SuppressionsErrorTest, EntryNotAMap) {
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: unix\n"
                    "  - unix\n"),
            "s.yaml:3:5: an entry must be a map with at least \"kind\", not a string");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - [kind, unix]\n"),
            "s.yaml:2:5: an entry must be a map with at least \"kind\", not a list");
}

TEST(SuppressionsErrorTest, EmptyEntryPointsAtItsDash) {
  // yaml-cpp places an empty entry at the token after it; the message must not.
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: unix\n"
                    "  -\n"
                    "  - kind: pipe\n"),
            "s.yaml:3:3: empty entry; an entry is a map with at least \"kind\"");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: unix\n"
                    "  - # to do\n"
                    "\n"
                    "  - kind: pipe\n"),
            "s.yaml:3:3: empty entry; an entry is a map with at least \"kind\"");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: unix\n"
                    "  -\n"),
            "s.yaml:3:3: empty entry; an entry is a map with at least \"kind\"");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: unix\n"
                    "  -  "),  // no newline at the end: yaml-cpp's line and column are off here
            "s.yaml:3:3: empty entry; an entry is a map with at least \"kind\"");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - ~\n"),
            "s.yaml:2:3: empty entry; an entry is a map with at least \"kind\"");
}

TEST(SuppressionsErrorTest, UnknownAndDuplicateKeys) {
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - name: a\n"
                    "    kidn: unix\n"),
            "s.yaml:3:5: unknown key \"kidn\"; did you mean \"kind\"?");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: unix\n"
                    "    colour: red\n"),
            "s.yaml:3:5: unknown key \"colour\" (valid keys: name, kind, target, thread, command, "
            "test)");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - {kind: unix, targte: x}\n"),
            "s.yaml:2:18: unknown key \"targte\"; did you mean \"target\"?");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: unix\n"
                    "    target: a\n"
                    "    target: b\n"),
            "s.yaml:4:5: duplicate key \"target\" (first at line 3)");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - {kind: unix, [a]: b}\n"),
            "s.yaml:2:18: a key must be a string, not a list");
}

TEST(SuppressionsErrorTest, StackIsRejectedUntilStacksExist) {
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: pidfd\n"
                    "    stack: \"spawn_renderer\"\n"),
            "s.yaml:3:5: \"stack\" is not supported yet: leaks are not matched against stacks, so "
            "this entry would suppress more than it says; remove the key");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: pidfd\n"
                    "    stak: x\n"),
            "s.yaml:3:5: unknown key \"stak\"; did you mean \"stack\"?");
}

TEST(SuppressionsErrorTest, MissingOrUnknownKind) {
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - name: a\n"
                    "    target: x\n"),
            "s.yaml:2:5: entry has no \"kind\"");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: pidfds\n"),
            "s.yaml:2:11: unknown kind \"pidfds\"; did you mean \"pidfd\"?");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: \"threads\"\n"),
            "s.yaml:2:11: unknown kind \"threads\"; did you mean \"thread\"?");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: banana\n"),
            "s.yaml:2:11: unknown kind \"banana\" (kinds: fd, file, dir, chr, blk, fifo, pipe, "
            "tcp, tcp6, udp, udp6, unix, netlink, socket, eventpoll, eventfd, timerfd, signalfd, "
            "inotify, fanotify, pidfd, memfd, io_uring, bpf, perf_event, userfaultfd, anon, "
            "thread, child)");
}

TEST(SuppressionsErrorTest, PatternKeyMustFitTheKind) {
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: pidfd\n"
                    "    thread: x\n"),
            "s.yaml:3:5: \"thread\" does not apply to kind \"pidfd\"; use \"target\" (a regex on "
            "the FD's link text)");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - target: x\n"
                    "    kind: thread\n"),
            "s.yaml:2:5: \"target\" does not apply to kind \"thread\"; use \"thread\" (a regex on "
            "the thread name)");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: child\n"
                    "    test: x\n"
                    "    thread: y\n"),
            "s.yaml:4:5: \"thread\" does not apply to kind \"child\"; use \"command\" (a regex on "
            "the child's command line)");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: fd\n"
                    "    command: ssh\n"),
            "s.yaml:3:5: \"command\" does not apply to kind \"fd\"; use \"target\" (a regex on the "
            "FD's link text)");
}

TEST(SuppressionsErrorTest, RegexThatDoesNotCompile) {
  const std::string target_error = ErrorOf(
      "suppressions:\n"
      "  - kind: unix\n"
      "    target: \"socket:[(\"\n");
  EXPECT_EQ(target_error.rfind("s.yaml:3:13: invalid regex \"socket:[(\" in \"target\": ", 0), 0u)
      << target_error;
  EXPECT_GT(target_error.size(), std::string_view("s.yaml:3:13: invalid regex ...: ").size())
      << "the reason from std::regex follows";
  const std::string test_error = ErrorOf(
      "suppressions:\n"
      "  - kind: thread\n"
      "    test: (Net\n");
  EXPECT_EQ(test_error.rfind("s.yaml:3:11: invalid regex \"(Net\" in \"test\": ", 0), 0u)
      << test_error;
}

TEST(SuppressionsErrorTest, WrongTypes) {
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: unix\n"
                    "    target: [a, b]\n"),
            "s.yaml:3:13: \"target\" must be a string, not a list");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - kind: unix\n"
                    "    name: {first: a}\n"),
            "s.yaml:3:11: \"name\" must be a string, not a map");
  // A key without a value: yaml-cpp marks the null at the next line; we point at the key.
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - name: x\n"
                    "    kind:\n"
                    "    target: y\n"),
            "s.yaml:3:5: \"kind\" has no value");
}

TEST(SuppressionsErrorTest, NamesMustBeUniqueAndNonEmpty) {
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - name: same\n"
                    "    kind: unix\n"
                    "  - name: same\n"
                    "    kind: pipe\n"),
            "s.yaml:4:11: duplicate name \"same\" (first at line 2)");
  EXPECT_EQ(ErrorOf("suppressions:\n"
                    "  - name: \"\"\n"
                    "    kind: pipe\n"),
            "s.yaml:2:11: \"name\" must not be empty");
}

// --- files -------------------------------------------------------------------------------------

TEST(SuppressionsLoadTest, ReadsAFileAndNamesItInDefaultNamesAndErrors) {
  TempDir dir;
  const std::string good = dir.File("good.yaml");
  WriteFile(good,
            "suppressions:\n"
            "  - kind: memfd\n");
  Result<Suppressions> s = Suppressions::Load(good);
  ASSERT_TRUE(s) << s.error().message();
  SnapshotDiff d = Added({Fd(3, FdKind::kMemfd, "/memfd:x (deleted)")});
  s->Apply("Suite.Case", d);
  EXPECT_EQ(s->Used(), (Used{{good + ":2", 1}}));

  const std::string bad = dir.File("bad.yaml");
  WriteFile(bad,
            "suppressions:\n"
            "  - kind: memfd\n"
            "    kidn: x\n");
  Result<Suppressions> b = Suppressions::Load(bad);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code(), ErrorCode::kParseError);
  EXPECT_EQ(b.error().message(), bad + ":3:5: unknown key \"kidn\"; did you mean \"kind\"?");
}

TEST(SuppressionsLoadTest, UnreadableFilesAreErrorsThatNameThePath) {
  TempDir dir;
  const std::string missing = dir.File("missing.yaml");
  Result<Suppressions> m = Suppressions::Load(missing);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(m.error().message(), "cannot read " + missing + ": No such file or directory");

  Result<Suppressions> d = Suppressions::Load(dir.path());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), ErrorCode::kIo);
  EXPECT_EQ(d.error().message(), "cannot read " + dir.path() + ": Is a directory");
}

// --- baselines ---------------------------------------------------------------------------------

TEST(SuppressionsBaselineTest, ABaselineReadsBackAndAcceptsExactlyItsCasesAndKinds) {
  const std::string text = FormatBaseline(
      {{"Render.Preview(1)", "pidfd", "server: pidfd +1 in pid 42 (srv)"},
       {"Render.Preview(1)", "pidfd", "server: pidfd +1 in pid 43 (srv)"},
       {"Render.Preview(1)", "thread", ""},
       {"tests/test_api.py::test_get[a.b]", "tcp", "test: tcp +1 in pid 7 (pytest)"}},
      "leakwatch run --write-suppressions");
  EXPECT_NE(text.find("# A leakwatch baseline, written by leakwatch run --write-suppressions on "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  # server: pidfd +1 in pid 42 (srv)\n  # server: pidfd +1 in pid 43"),
            std::string::npos)
      << text;
  Result<Suppressions> baseline = Suppressions::Parse(text, "baseline.yaml");
  ASSERT_TRUE(baseline) << baseline.error().message() << "\n" << text;
  EXPECT_EQ(baseline->size(), 3u) << "one entry per case and kind";

  SnapshotDiff preview = Added({Fd(5, FdKind::kPidfd, "anon_inode:[pidfd]"),
                                Fd(6, FdKind::kEventfd, "anon_inode:[eventfd]")},
                               {Thread(9, "worker")});
  baseline->Apply("Render.Preview(1)", preview);
  EXPECT_EQ(FdNumbers(preview), std::vector<int>{6}) << "a kind the baseline does not name stays";
  EXPECT_TRUE(preview.threads_added.empty());

  SnapshotDiff other = Added({Fd(5, FdKind::kPidfd, "anon_inode:[pidfd]")});
  baseline->Apply("Render.Preview(2)", other);
  EXPECT_EQ(FdNumbers(other), std::vector<int>{5}) << "another case is not accepted";
  SnapshotDiff pytest = Added({Fd(3, FdKind::kTcp, "socket:[1]")});
  baseline->Apply("tests/test_api.py::test_get[a.b]", pytest);
  EXPECT_TRUE(pytest.fds_added.empty()) << "brackets and dots match themselves";
}

TEST(SuppressionsBaselineTest, ABaselineOfNothingIsAValidEmptyFile) {
  Result<Suppressions> empty = Suppressions::Parse(FormatBaseline({}, "test"), "b.yaml");
  ASSERT_TRUE(empty) << empty.error().message();
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(ExactRegex("a.b*[c]"), "^a\\.b\\*\\[c\\]$");
}

}  // namespace
}  // namespace leakwatch
