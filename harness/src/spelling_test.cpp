#include "leakwatch/spelling.h"

#include <gtest/gtest.h>

namespace leakwatch {
namespace {

TEST(SpellingTest, EditDistanceCountsTranspositionsAsOneEdit) {
  EXPECT_EQ(EditDistance("kind", "kind"), 0u);
  EXPECT_EQ(EditDistance("kidn", "kind"), 1u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("tcp", "udp"), 2u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  // Optimal string alignment: "ca" -> "ac" -> "abc" may not edit the swapped pair again.
  EXPECT_EQ(EditDistance("ca", "abc"), 3u);
}

TEST(SpellingTest, SuggestsTheNearestCloseName) {
  const std::vector<std::string> keys = {"name", "kind", "target", "thread", "command", "test"};
  EXPECT_EQ(NearestName("kidn", keys), "kind");
  EXPECT_EQ(NearestName("targte", keys), "target");
  EXPECT_EQ(NearestName("comand", keys), "command");
  EXPECT_EQ(NearestName("Kind", keys), "kind") << "ASCII case is ignored";
  EXPECT_EQ(NearestName("threads", keys), "thread");
  const std::vector<std::string> kinds = {"pidfd", "eventfd", "tcp", "udp", "io_uring"};
  EXPECT_EQ(NearestName("pidfds", kinds), "pidfd");
  EXPECT_EQ(NearestName("event_fd", kinds), "eventfd");
  EXPECT_EQ(NearestName("iouring", kinds), "io_uring");
  EXPECT_EQ(NearestName("tpc", kinds), "tcp");
  EXPECT_EQ(NearestName("perf-event", {"perf_event", "eventfd"}), "perf_event");
}

TEST(SpellingTest, StaysQuietWhenNothingIsClose) {
  const std::vector<std::string> kinds = {"pidfd", "eventfd", "tcp", "udp", "eventpoll"};
  EXPECT_EQ(NearestName("colour", kinds), std::nullopt);
  EXPECT_EQ(NearestName("epoll", kinds), std::nullopt) << "4 edits from eventpoll";
  EXPECT_EQ(NearestName("tcp", {"udp"}), std::nullopt) << "2 edits; 3 letters allow 1";
  EXPECT_EQ(NearestName("fd", {"fifo"}), std::nullopt) << "2 edits; short words allow 1";
  EXPECT_EQ(NearestName("xyz", kinds), std::nullopt);
  EXPECT_EQ(NearestName("kind", {}), std::nullopt);
}

TEST(SpellingTest, EarlierCandidateWinsATie) {
  EXPECT_EQ(NearestName("tcp7", {"tcp6", "tcp"}), "tcp6");
  EXPECT_EQ(NearestName("tcp7", {"tcp", "tcp6"}), "tcp");
}

}  // namespace
}  // namespace leakwatch
