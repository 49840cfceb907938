#include "leakwatch/fd_kind.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

namespace leakwatch {
namespace {

TEST(FdKindTest, NamesRoundTrip) {
  for (FdKind kind : AllFdKinds()) {
    std::optional<FdKind> parsed = ParseFdKind(FdKindName(kind));
    ASSERT_TRUE(parsed) << FdKindName(kind);
    EXPECT_EQ(*parsed, kind);
  }
  EXPECT_EQ(AllFdKinds().size(), 26u);
  EXPECT_FALSE(ParseFdKind("sockets"));
  EXPECT_FALSE(ParseFdKind(""));
}

TEST(FdKindTest, ClassifiesAnonymousInodesWithAndWithoutBrackets) {
  EXPECT_EQ(ClassifyFdLink("anon_inode:[eventpoll]", 0, ""), FdKind::kEventpoll);
  EXPECT_EQ(ClassifyFdLink("anon_inode:inotify", 0, ""), FdKind::kInotify);
  EXPECT_EQ(ClassifyFdLink("anon_inode:[fanotify]", 0, ""), FdKind::kFanotify);
  EXPECT_EQ(ClassifyFdLink("anon_inode:[io_uring]", 0, ""), FdKind::kIoUring);
  EXPECT_EQ(ClassifyFdLink("anon_inode:bpf-map", 0, ""), FdKind::kBpf);
  EXPECT_EQ(ClassifyFdLink("anon_inode:bpf_link", 0, ""), FdKind::kBpf);
  EXPECT_EQ(ClassifyFdLink("anon_inode:[perf_event]", 0, ""), FdKind::kPerfEvent);
  EXPECT_EQ(ClassifyFdLink("anon_inode:[userfaultfd]", 0, ""), FdKind::kUserfaultfd);
  EXPECT_EQ(ClassifyFdLink("anon_inode:[pidfd]", 0, ""), FdKind::kPidfd);
  EXPECT_EQ(ClassifyFdLink("pidfd:[1234]", 0, ""), FdKind::kPidfd);
  EXPECT_EQ(ClassifyFdLink("anon_inode:[dmabuf]", 0, ""), FdKind::kAnon);
}

TEST(FdKindTest, ClassifiesSocketsByProtocol) {
  EXPECT_EQ(ClassifyFdLink("socket:[1]", 0, "TCP"), FdKind::kTcp);
  EXPECT_EQ(ClassifyFdLink("socket:[1]", 0, "TCPv6"), FdKind::kTcp6);
  EXPECT_EQ(ClassifyFdLink("socket:[1]", 0, "UDP"), FdKind::kUdp);
  EXPECT_EQ(ClassifyFdLink("socket:[1]", 0, "UDPv6"), FdKind::kUdp6);
  EXPECT_EQ(ClassifyFdLink("socket:[1]", 0, "UNIX"), FdKind::kUnix);
  EXPECT_EQ(ClassifyFdLink("socket:[1]", 0, "UNIX-SEQPACKET"), FdKind::kUnix);
  EXPECT_EQ(ClassifyFdLink("socket:[1]", 0, "NETLINK"), FdKind::kNetlink);
  EXPECT_EQ(ClassifyFdLink("socket:[1]", 0, "PACKET"), FdKind::kSocket);
  EXPECT_EQ(ClassifyFdLink("socket:[1]", 0, ""), FdKind::kSocket);
}

TEST(FdKindTest, ClassifiesPathsByFileType) {
  EXPECT_EQ(ClassifyFdLink("/etc/passwd", S_IFREG, ""), FdKind::kFile);
  EXPECT_EQ(ClassifyFdLink("/", S_IFDIR, ""), FdKind::kDir);
  EXPECT_EQ(ClassifyFdLink("/dev/null", S_IFCHR, ""), FdKind::kChr);
  EXPECT_EQ(ClassifyFdLink("/dev/vda", S_IFBLK, ""), FdKind::kBlk);
  EXPECT_EQ(ClassifyFdLink("/tmp/f", S_IFIFO, ""), FdKind::kFifo);
  EXPECT_EQ(ClassifyFdLink("/memfd:cache (deleted)", S_IFREG, ""), FdKind::kMemfd);
  EXPECT_EQ(ClassifyFdLink("/tmp/gone (deleted)", S_IFREG, ""), FdKind::kFile);
  EXPECT_EQ(ClassifyFdLink("pipe:[77]", 0, ""), FdKind::kPipe);
  EXPECT_EQ(ClassifyFdLink("net:[4026531840]", 0, ""), FdKind::kAnon);
}

TEST(FdKindTest, ReadsInodeFromLink) {
  EXPECT_EQ(InodeFromLink("socket:[20737]"), 20737u);
  EXPECT_EQ(InodeFromLink("pipe:[5]"), 5u);
  EXPECT_EQ(InodeFromLink("anon_inode:[pidfd]"), 0u);
  EXPECT_EQ(InodeFromLink("/etc/passwd"), 0u);
  EXPECT_EQ(InodeFromLink("socket:[12x]"), 0u);
}

}  // namespace
}  // namespace leakwatch
