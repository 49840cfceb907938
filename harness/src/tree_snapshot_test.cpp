// Process trees of real processes (lw-holder with forked workers): every member snapshotted and
// known by pid + start time, growth judged process by process and summed per kind, replaced
// workers paired with the ones they replaced, new processes reported as child leaks with what
// they hold, suppressions per process, and an unreadable member named in the error.
#include "leakwatch/tree_snapshot.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>

#include "child_process.h"
#include "leakwatch/leak_report.h"
#include "leakwatch/settle.h"
#include "leakwatch/suppressions.h"
#include "leakwatch/tree_diff.h"

namespace leakwatch {
namespace {

using testing::BinPath;
using testing::ChildProcess;

// An lw-holder whose workers are forked copies of it (a pre-fork server's shape).
class Tree {
 public:
  explicit Tree(std::vector<std::string> prefix = {}) {
    prefix.push_back(BinPath("lw-holder"));
    holder_ = ChildProcess::Start(prefix);
    holder_.ReadLineStartingWith("ready");
  }
  pid_t root() const { return holder_.pid(); }
  // Forks a worker; its pid.
  pid_t AddWorker() {
    std::istringstream answer(holder_.Command("worker"));
    std::string ok;
    int index = -1;
    pid_t pid = -1;
    answer >> ok >> index >> pid;
    EXPECT_EQ(ok, "ok");
    return pid;
  }
  std::string In(int worker, const std::string& command) {
    return holder_.Command("in " + std::to_string(worker) + " " + command);
  }
  std::string Command(const std::string& command) { return holder_.Command(command); }
  pid_t Replace(int worker) {
    std::string answer = holder_.Command("replace " + std::to_string(worker));
    EXPECT_EQ(answer.rfind("ok ", 0), 0u) << answer;
    return static_cast<pid_t>(std::stol(answer.substr(3)));
  }

 private:
  ChildProcess holder_;
};

TreeSnapshot Snap(pid_t root, const TreeMembers& extra = nullptr) {
  Result<TreeSnapshot> tree = TakeTreeSnapshot(root, extra);
  EXPECT_TRUE(tree) << tree.error().message();
  return tree ? std::move(*tree) : TreeSnapshot{};
}

const MemberDiff* MemberOf(const TreeDiff& diff, pid_t pid) {
  for (const MemberDiff& member : diff.members) {
    if (member.process.pid == pid) return &member;
  }
  return nullptr;
}

TEST(TreeSnapshotTest, EveryProcessOfTheTreeIsAMemberWithItsOwnFdsAndThreads) {
  Tree tree;
  pid_t a = tree.AddWorker();
  pid_t b = tree.AddWorker();
  ASSERT_EQ(tree.In(1, "open eventfd").rfind("ok", 0), 0u);
  TreeSnapshot snap = Snap(tree.root());
  ASSERT_EQ(snap.members.size(), 3u);
  EXPECT_EQ(snap.members[0].process.pid, tree.root());
  EXPECT_EQ(snap.members[0].process.depth, 0);
  const TreeMember* worker_a = snap.FindPid(a);
  const TreeMember* worker_b = snap.FindPid(b);
  ASSERT_TRUE(worker_a && worker_b);
  EXPECT_EQ(worker_a->process.ppid, tree.root());
  EXPECT_EQ(worker_a->process.depth, 1);
  EXPECT_EQ(worker_a->process.cmd, snap.members[0].process.cmd) << "forked, not exec'd";
  EXPECT_NE(worker_a->process.start_time, 0u);
  EXPECT_EQ(worker_b->snapshot.Counts().fds[FdKind::kEventfd],
            worker_a->snapshot.Counts().fds[FdKind::kEventfd] + 1);
  EXPECT_EQ(worker_a->snapshot.threads.size(), 1u);
  EXPECT_TRUE(worker_a->snapshot.children.empty()) << "descendants are members of their own";
}

TEST(TreeSnapshotTest, ExtraMembersAndTheirDescendantsBelongToTheTree) {
  Tree tree;
  Tree other;  // not a descendant: stands for a cgroup member or an adopted orphan
  pid_t worker = other.AddWorker();
  TreeSnapshot snap = Snap(tree.root(), [&] { return std::vector<pid_t>{other.root()}; });
  ASSERT_EQ(snap.members.size(), 3u);
  ASSERT_NE(snap.FindPid(other.root()), nullptr);
  EXPECT_EQ(snap.FindPid(other.root())->process.depth, 1);
  ASSERT_NE(snap.FindPid(worker), nullptr);
  EXPECT_EQ(snap.FindPid(worker)->process.depth, 2);
  Result<TreeSnapshot> gone =
      TakeTreeSnapshot(tree.root(), [] { return std::vector<pid_t>{0x3fffffff}; });
  EXPECT_TRUE(gone) << "an extra member that exited is left out, not an error";
}

TEST(QuietTreeTest, ATreeAsItWasKnownIsQuietAtOnce) {
  Tree tree;
  tree.AddWorker();
  TreeSnapshot known = Snap(tree.root());
  // An hour's window: only a tree recognised as unchanged returns before the test times out.
  const QuietPolicy hour{.window = std::chrono::hours(1), .deadline = std::chrono::hours(1)};
  Result<QuietTree> quiet = WaitForQuietTree(tree.root(), nullptr, hour, &known);
  ASSERT_TRUE(quiet) << quiet.error().message();
  EXPECT_TRUE(quiet->quiet);
  EXPECT_TRUE(SameCounts(quiet->tree, known));
}

TEST(QuietTreeTest, SameCountsTellsAChangedTreeFromAnUnchangedOne) {
  Tree tree;
  tree.AddWorker();
  TreeSnapshot first = Snap(tree.root());
  EXPECT_TRUE(SameCounts(first, Snap(tree.root())));
  ASSERT_EQ(tree.In(0, "open eventfd").rfind("ok", 0), 0u);
  TreeSnapshot grown = Snap(tree.root());
  EXPECT_FALSE(SameCounts(first, grown)) << "a worker holds one more FD";
  tree.AddWorker();
  EXPECT_FALSE(SameCounts(grown, Snap(tree.root()))) << "one more process";
  const QuietPolicy brief{.window = std::chrono::milliseconds(1)};
  Result<QuietTree> quiet = WaitForQuietTree(tree.root(), nullptr, brief, &first);
  ASSERT_TRUE(quiet) << quiet.error().message();
  EXPECT_TRUE(quiet->quiet) << "unchanged for the window, though not as it was known";
  EXPECT_EQ(quiet->tree.members.size(), 3u);
}

TEST(TreeDiffTest, ALeakInAWorkerIsBlamedOnThatWorker) {
  Tree tree;
  tree.AddWorker();
  pid_t b = tree.AddWorker();
  TreeSnapshot before = Snap(tree.root());
  ASSERT_EQ(tree.In(1, "open tcp").rfind("ok", 0), 0u);
  TreeDiff diff = DiffTrees(before, Snap(tree.root()));
  EXPECT_EQ(diff.growth.fds[FdKind::kTcp], 1);
  EXPECT_EQ(diff.growth.children, 0);
  std::vector<Growth> growth = GrowthBeyondSlack(diff.growth, Slack{});
  std::vector<LeakReport> leaks = DescribeTreeLeak("server", diff, growth);
  ASSERT_EQ(leaks.size(), 1u);
  EXPECT_EQ(leaks[0].pid, b);
  ASSERT_EQ(leaks[0].kinds.size(), 1u);
  EXPECT_EQ(leaks[0].kinds[0].kind, "tcp");
  ASSERT_EQ(leaks[0].details.size(), 1u);
  EXPECT_EQ(leaks[0].details[0].find(" tcp socket:["), leaks[0].details[0].find(' ', 3))
      << leaks[0].details[0];
  EXPECT_NE(leaks[0].details[0].find("127.0.0.1:"), std::string::npos)
      << "the socket's endpoint: " << leaks[0].details[0];
  EXPECT_EQ(SummarizeLeak(leaks[0]).rfind("server: tcp +1 in pid " + std::to_string(b) + " (", 0),
            0u)
      << SummarizeLeak(leaks[0]);
}

TEST(TreeDiffTest, SlackAppliesToTheGrowthSummedOverTheProcessesThatGrew) {
  Tree tree;
  tree.AddWorker();
  tree.AddWorker();
  ASSERT_EQ(tree.In(0, "open pidfd").rfind("ok", 0), 0u);
  TreeSnapshot before = Snap(tree.root());
  // One worker closes what it had while the other opens two: a net +1 that is really +2.
  std::string opened = tree.In(0, "open eventfd");
  ASSERT_EQ(opened.rfind("ok ", 0), 0u);
  ASSERT_EQ(tree.In(1, "open eventfd").rfind("ok", 0), 0u);
  ASSERT_EQ(tree.In(1, "open eventfd").rfind("ok", 0), 0u);
  ASSERT_EQ(tree.In(0, "close " + opened.substr(3)), "ok");
  TreeDiff diff = DiffTrees(before, Snap(tree.root()));
  EXPECT_EQ(diff.growth.fds[FdKind::kEventfd], 2);
  EXPECT_EQ(GrowthBeyondSlack(diff.growth, *ParseSlack("eventfd=1")).size(), 1u);
  EXPECT_TRUE(GrowthBeyondSlack(diff.growth, *ParseSlack("eventfd=2")).empty());
}

TEST(TreeDiffTest, AWorkerReplacedDuringTheCaseIsPairedNotALeak) {
  Tree tree;
  pid_t old_worker = tree.AddWorker();
  ASSERT_EQ(tree.In(0, "open timerfd").rfind("ok", 0), 0u);  // the old one held one more FD
  TreeSnapshot before = Snap(tree.root());
  pid_t new_worker = tree.Replace(0);
  TreeDiff clean = DiffTrees(before, Snap(tree.root()));
  const MemberDiff* replaced = MemberOf(clean, new_worker);
  ASSERT_NE(replaced, nullptr);
  EXPECT_EQ(replaced->change, MemberChange::kReplaced);
  ASSERT_TRUE(replaced->replaced.has_value());
  EXPECT_EQ(replaced->replaced->pid, old_worker);
  EXPECT_EQ(MemberOf(clean, old_worker), nullptr) << "paired, so not listed as exited";
  EXPECT_EQ(clean.growth.children, 0);
  EXPECT_TRUE(GrowthBeyondSlack(clean.growth, Slack{}).empty())
      << SummarizeGrowth(GrowthBeyondSlack(clean.growth, Slack{}));

  // The new worker's end is judged against the old one's start.
  ASSERT_EQ(tree.In(0, "open pidfd").rfind("ok", 0), 0u);
  TreeDiff leaked = DiffTrees(before, Snap(tree.root()));
  EXPECT_EQ(leaked.growth.fds[FdKind::kPidfd], 1);
  std::vector<LeakReport> leaks =
      DescribeTreeLeak("server", leaked, GrowthBeyondSlack(leaked.growth, Slack{}));
  ASSERT_EQ(leaks.size(), 1u);
  EXPECT_EQ(leaks[0].pid, new_worker);
  EXPECT_NE(leaks[0].details.front().find("stands in for pid " + std::to_string(old_worker)),
            std::string::npos)
      << leaks[0].details.front();
}

TEST(TreeDiffTest, AReplacementOfAWorkerThatLeftJustBeforeTheIntervalIsPairedWithIt) {
  Tree tree;
  pid_t old_worker = tree.AddWorker();
  std::string timer = tree.In(0, "open timerfd");
  ASSERT_EQ(timer.rfind("ok ", 0), 0u);
  TreeSnapshot earlier = Snap(tree.root());                 // the last interval: the worker serving
  ASSERT_EQ(tree.In(0, "close " + timer.substr(3)), "ok");  // shutting down: it lets go...
  ASSERT_EQ(tree.Command("retire 0"), "ok");                // ...and is gone
  TreeSnapshot before = Snap(tree.root());
  pid_t new_worker = tree.Replace(0);
  ASSERT_EQ(tree.In(0, "open timerfd").rfind("ok", 0), 0u);  // what a serving worker holds
  TreeSnapshot after = Snap(tree.root());

  TreeDiff alone = DiffTrees(before, after);
  ASSERT_NE(MemberOf(alone, new_worker), nullptr);
  EXPECT_EQ(MemberOf(alone, new_worker)->change, MemberChange::kAppeared)
      << "without the interval before, nothing to pair with";

  TreeDiff diff = DiffTrees(before, after, &earlier);
  const MemberDiff* replaced = MemberOf(diff, new_worker);
  ASSERT_NE(replaced, nullptr);
  EXPECT_EQ(replaced->change, MemberChange::kReplaced);
  EXPECT_EQ(replaced->replaced->pid, old_worker);
  for (FdKind kind : AllFdKinds()) {
    EXPECT_LE(replaced->diff.delta.fds[kind], 0)
        << FdKindName(kind) << ": judged against what the old worker held while serving";
  }
  EXPECT_EQ(diff.growth.children, 0);
  EXPECT_EQ(MemberOf(diff, old_worker), nullptr) << "it was not in this interval's \"before\"";

  // The new worker was already there, still starting up, when the interval began.
  tree.In(0, "close " + tree.In(0, "open timerfd").substr(3));
  TreeSnapshot starting = Snap(tree.root());
  TreeDiff young = DiffTrees(starting, after, &earlier);
  ASSERT_NE(MemberOf(young, new_worker), nullptr);
  EXPECT_EQ(MemberOf(young, new_worker)->change, MemberChange::kReplaced);
}

TEST(TreeDiffTest, AProcessThatAppearedIsAChildLeakWithWhatItHolds) {
  Tree tree;
  TreeSnapshot before = Snap(tree.root());
  pid_t worker = tree.AddWorker();
  ASSERT_EQ(tree.In(0, "open eventpoll").rfind("ok", 0), 0u);
  TreeDiff diff = DiffTrees(before, Snap(tree.root()));
  EXPECT_EQ(diff.growth.children, 1);
  EXPECT_EQ(diff.growth.fds[FdKind::kEventpoll], 0) << "what it holds is listed, not counted";
  std::vector<LeakReport> leaks =
      DescribeTreeLeak("server", diff, GrowthBeyondSlack(diff.growth, Slack{}));
  ASSERT_EQ(leaks.size(), 1u);
  EXPECT_EQ(leaks[0].pid, tree.root()) << "a child leak is its parent's";
  // The holder keeps a pipe each way to every worker it forked.
  EXPECT_EQ(SummarizeKinds(leaks[0].kinds), "pipe +2, child +1");
  ASSERT_EQ(leaks[0].details.size(), 3u);
  const std::string& child = leaks[0].details.back();
  EXPECT_EQ(child.rfind("child " + std::to_string(worker) + " (", 0), 0u) << child;
  EXPECT_NE(child.find(": holds "), std::string::npos) << child;
  EXPECT_NE(child.find("eventpoll 1"), std::string::npos) << child;
}

TEST(TreeDiffTest, AnUnreapedZombieIsAChildLeakAndSettleSeesWhatStays) {
  Tree tree;
  TreeSnapshot before = Snap(tree.root());
  ASSERT_EQ(tree.Command("zombie").rfind("ok", 0), 0u);
  Result<TreeSettleResult> settled = SettleTree(
      before, [&] { return TakeTreeSnapshot(tree.root()); }, Slack{},
      SettlePolicy{.deadline = std::chrono::milliseconds(0)});
  ASSERT_TRUE(settled) << settled.error().message();
  ASSERT_EQ(settled->growth.size(), 1u);
  EXPECT_EQ(settled->growth[0].key, "child");
  std::vector<LeakReport> leaks = DescribeTreeLeak("test", settled->diff, settled->growth);
  ASSERT_EQ(leaks.size(), 1u);
  EXPECT_NE(leaks[0].details[0].find("(zombie)"), std::string::npos) << leaks[0].details[0];
}

TEST(TreeDiffTest, SuppressionsApplyInEveryProcessAndToProcessesThatAppeared) {
  Tree tree;
  tree.AddWorker();
  TreeSnapshot before = Snap(tree.root());
  ASSERT_EQ(tree.In(0, "open memfd").rfind("ok", 0), 0u);
  ASSERT_EQ(tree.In(0, "thread sync-worker").rfind("ok", 0), 0u);
  tree.AddWorker();
  Result<Suppressions> suppressions = Suppressions::Parse(R"(suppressions:
  - kind: memfd
  - kind: pipe
  - kind: child
    command: lw-holder
)",
                                                          "tree.supp.yaml");
  ASSERT_TRUE(suppressions) << suppressions.error().message();
  TreeDiff diff = DiffTrees(before, Snap(tree.root()));
  suppressions->Apply("Suite.Case", diff);
  std::vector<Growth> growth = GrowthBeyondSlack(diff.growth, Slack{});
  ASSERT_EQ(growth.size(), 1u);
  EXPECT_EQ(growth[0].key, "thread") << "only what no entry matched is left";
  EXPECT_EQ(suppressions->Used().size(), 3u);
}

TEST(TreeSnapshotTest, AMemberThatCannotBeReadIsAnErrorNamingIt) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop to nobody";
  // The tree runs as nobody, and one worker makes itself non-dumpable: a reader running as the
  // same user can read the root but not that worker.
  Tree tree({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
  pid_t worker = tree.AddWorker();
  ASSERT_EQ(tree.In(0, "nondumpable"), "ok");
  std::string out = testing::InChildAsNobody([&] {
    Result<TreeSnapshot> snap = TakeTreeSnapshot(tree.root());
    return snap ? "ok"
                : std::to_string(static_cast<int>(snap.error().code())) + " " +
                      snap.error().message();
  });
  EXPECT_EQ(out.substr(0, 2), std::to_string(static_cast<int>(ErrorCode::kPermissionDenied)) + " ");
  EXPECT_NE(out.find("process " + std::to_string(worker) + " ("), std::string::npos) << out;
  EXPECT_NE(out.find("/proc/" + std::to_string(worker) + "/"), std::string::npos) << out;
}

}  // namespace
}  // namespace leakwatch
