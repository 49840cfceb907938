#include "leakwatch/snapshot_json.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "child_process.h"

namespace leakwatch {
namespace {

using testing::BinPath;
using testing::ChildProcess;

TEST(SnapshotJsonTest, RoundTripsARealSnapshot) {
  ChildProcess holder = ChildProcess::Start({BinPath("lw-holder"), "--kinds", "--zombies", "1"});
  holder.ReadLineStartingWith("ready");
  Result<Snapshot> snap = TakeSnapshot(holder.pid());
  ASSERT_TRUE(snap);
  std::string text = SnapshotToJson(*snap);
  Result<Snapshot> back = SnapshotFromJson(text, "snap.json");
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->pid, snap->pid);
  EXPECT_EQ(back->Counts().fds.by_kind, snap->Counts().fds.by_kind);
  EXPECT_EQ(back->Counts().threads, snap->Counts().threads);
  EXPECT_EQ(back->Counts().children, 1);
  EXPECT_TRUE(DiffSnapshots(*snap, *back).Empty()) << "identity survives the round trip";
  EXPECT_EQ(SnapshotToJson(*back), text);
}

TEST(SnapshotJsonTest, HasTheDocumentedFields) {
  ChildProcess holder = ChildProcess::Start({BinPath("lw-holder"), "--kinds"});
  holder.ReadLineStartingWith("ready");
  Result<Snapshot> snap = TakeSnapshot(holder.pid());
  ASSERT_TRUE(snap);
  nlohmann::json j = nlohmann::json::parse(SnapshotToJson(*snap));
  EXPECT_EQ(j["schema"], 1);
  EXPECT_EQ(j["pid"], holder.pid());
  int pidfds = 0;
  for (const auto& fd : j["fds"]) {
    for (const char* key : {"fd", "kind", "target", "inode"}) EXPECT_TRUE(fd.contains(key)) << key;
    if (fd["kind"] == "pidfd") {
      ++pidfds;
      EXPECT_TRUE(fd["pid"] == holder.pid() || fd["pid"] == -1) << fd.dump();
    }
  }
  EXPECT_EQ(pidfds, 2);
  EXPECT_EQ(j["counts"]["fds_by_kind"]["pidfd"], 2);
  EXPECT_EQ(j["counts"]["fds_by_kind"].size(), 26u);
  for (const auto& t : j["threads"]) EXPECT_TRUE(t.contains("tid") && t.contains("name"));
}

TEST(SnapshotJsonTest, SyntaxErrorNamesLineAndColumn) {
  Result<Snapshot> r = SnapshotFromJson("{\n  \"schema\": 1,\n  \"pid\": ,\n}", "before.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kParseError);
  EXPECT_EQ(r.error().message().rfind("before.json:3:10: invalid JSON", 0), 0u)
      << r.error().message();
}

TEST(SnapshotJsonTest, WrongTypeNamesLineColumnAndPath) {
  std::string text =
      "{\n  \"schema\": 1,\n  \"pid\": 7,\n  \"fds\": [\n"
      "    {\"fd\": 0, \"kind\": \"chr\", \"target\": \"/dev/null\", \"inode\": 5},\n"
      "    {\"fd\": \"one\", \"kind\": \"chr\", \"target\": \"/dev/null\", \"inode\": 5}\n  ]\n}\n";
  Result<Snapshot> r = SnapshotFromJson(text, "after.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "after.json:6:12: expected an integer (at /fds/1/fd)");
}

TEST(SnapshotJsonTest, UnknownKindMissingFieldAndSchemaAreErrors) {
  auto message = [](const std::string& text) {
    Result<Snapshot> r = SnapshotFromJson(text, "s.json");
    return r ? std::string("parsed") : r.error().message();
  };
  EXPECT_EQ(message(R"({"schema": 1, "pid": 1, "fds": [{"fd": 0, "kind": "sock", "target": "x",
                        "inode": 0}]})"),
            "s.json:1:51: unknown FD kind \"sock\" (at /fds/0/kind)");
  EXPECT_EQ(message(R"({"schema": 1, "fds": []})"), "s.json:1:1: missing required field \"pid\"");
  EXPECT_EQ(message(R"({"schema": 2, "pid": 1, "fds": []})"),
            "s.json:1:12: unsupported schema 2 (this leakwatch reads schema 1) (at /schema)");
}

}  // namespace
}  // namespace leakwatch
