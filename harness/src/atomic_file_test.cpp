// atomic_file_test.cpp — files are replaced whole, and failures leave no .tmp behind.
#include "leakwatch/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "child_process.h"

namespace leakwatch {
namespace {

using leakwatch::testing::ReadFile;
using leakwatch::testing::TempDir;
using leakwatch::testing::WriteFile;
using ::testing::HasSubstr;

TEST(AtomicWriteTest, WritesAndReplacesAndLeavesNoTmp) {
  TempDir dir;
  const std::string path = dir.File("junit.xml");
  WriteFile(path, "old and longer content");
  Status written = WriteFileAtomically(path, "new");
  ASSERT_TRUE(written.ok()) << written.error().message();
  EXPECT_EQ(ReadFile(path), "new");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(AtomicWriteTest, CreatesMissingDirectories) {
  TempDir dir;
  const std::string path = dir.File("out/ci/run.json");
  ASSERT_TRUE(WriteFileAtomically(path, "{}\n").ok());
  EXPECT_EQ(ReadFile(path), "{}\n");
}

TEST(AtomicWriteTest, RenameFailureRemovesTheTmpAndNamesThePath) {
  TempDir dir;
  const std::string path = dir.File("taken");
  std::filesystem::create_directory(path);  // rename() cannot put a file over a directory
  Status written = WriteFileAtomically(path, "data");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().message(), "writing " + path + ": Is a directory");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_TRUE(std::filesystem::is_directory(path));
}

TEST(AtomicWriteTest, UnwritableDirectoryNamesThePath) {
  TempDir dir;
  WriteFile(dir.File("file"), "x");
  const std::string path = dir.File("file/sub/report.xml");
  Status written = WriteFileAtomically(path, "data");
  ASSERT_FALSE(written.ok());
  EXPECT_THAT(written.error().message(), HasSubstr("writing " + path + ": "));
  EXPECT_EQ(written.error().code(), ErrorCode::kIo);
}

TEST(AtomicWriteTest, FullDeviceFailsAndRemovesTheTmp) {
  // /dev/full accepts open() and fails every write with ENOSPC; a symlink to it as the .tmp
  // makes the write itself fail.
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  TempDir dir;
  const std::string path = dir.File("report.xml");
  std::filesystem::create_symlink("/dev/full", path + ".tmp");
  Status written = WriteFileAtomically(path, "data");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().message(), "writing " + path + ": No space left on device");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace leakwatch
