#include "leakwatch/slack.h"

#include <gtest/gtest.h>

namespace leakwatch {
namespace {

TEST(SlackTest, DefaultsToZero) {
  Result<Slack> s = ParseSlack("");
  ASSERT_TRUE(s);
  EXPECT_EQ(FormatSlack(*s), "fd=0,thread=0,child=0");
}

TEST(SlackTest, FdIsTheDefaultForKindsNotNamed) {
  Result<Slack> s = ParseSlack("pidfd=1, fd=2 ,thread=3,child=4");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->allowed.fds[FdKind::kPidfd], 1) << "named kinds win wherever fd= stands";
  EXPECT_EQ(s->allowed.fds[FdKind::kTcp], 2);
  EXPECT_EQ(s->allowed.threads, 3);
  EXPECT_EQ(s->allowed.children, 4);
  EXPECT_EQ(FormatSlack(*s), "fd=2,pidfd=1,thread=3,child=4");
  Result<Slack> again = ParseSlack(FormatSlack(*s));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->allowed.fds.by_kind, s->allowed.fds.by_kind);
}

TEST(SlackTest, RejectsBadEntriesByName) {
  struct Case {
    const char* spec;
    const char* fragment;
  } cases[] = {
      {"pidfds=1", "unknown key \"pidfds\""}, {"fd=-1", "non-negative integer"},
      {"fd=1x", "non-negative integer"},      {"fd", "expected key=N"},
      {"fd=1,,thread=1", "empty entry"},
  };
  for (const Case& c : cases) {
    Result<Slack> s = ParseSlack(c.spec);
    ASSERT_FALSE(s) << c.spec;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.error().message().find(c.fragment), std::string::npos) << s.error().message();
  }
}

TEST(SlackTest, GrowthBeyondSlackListsOnlyKindsOverTheLimit) {
  ResourceCounts delta;
  delta.fds[FdKind::kPidfd] = 2;
  delta.fds[FdKind::kPipe] = 1;
  delta.fds[FdKind::kTcp] = -3;
  delta.threads = 1;
  Result<Slack> slack = ParseSlack("pipe=1");
  ASSERT_TRUE(slack);
  std::vector<Growth> g = GrowthBeyondSlack(delta, *slack);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].key, "pidfd");
  EXPECT_EQ(g[0].delta, 2);
  EXPECT_EQ(g[1].key, "thread");
  EXPECT_EQ(SummarizeGrowth(g), "2 pidfd, 1 thread");
  EXPECT_TRUE(GrowthBeyondSlack(delta, Slack::Uniform(2)).empty());
}

}  // namespace
}  // namespace leakwatch
