// Formatting and parsing of the control protocol's messages: every message round-trips, ids with
// any bytes survive the wire as one token, and malformed packets are refused with the reason.
#include "leakwatch/control_protocol.h"

#include <gtest/gtest.h>

namespace leakwatch::control {
namespace {

Message RoundTrip(const Message& message) {
  Result<Message> parsed = Parse(Format(message));
  EXPECT_TRUE(parsed.ok()) << parsed.error().message();
  return parsed.ok() ? *parsed : Message{};
}

TEST(ControlProtocolTest, FormatsEveryMessageAsDocumented) {
  Message hello;
  hello.type = MessageType::kHello;
  hello.pid = 4242;
  hello.framework = "gtest";
  EXPECT_EQ(Format(hello), "hello 1 4242 gtest");

  Message plan;
  plan.type = MessageType::kPlan;
  plan.case_id = "Each/Param.Case/0";
  EXPECT_EQ(Format(plan), "plan Each/Param.Case/0");

  Message begin;
  begin.type = MessageType::kCaseBegin;
  begin.case_id = "Suite.Case";
  EXPECT_EQ(Format(begin), "case-begin Suite.Case");

  Message end;
  end.type = MessageType::kCaseEnd;
  end.case_id = "Cases/Many.Trivial/3";
  end.outcome = CaseOutcome::kSkipped;
  EXPECT_EQ(Format(end), "case-end Cases/Many.Trivial/3 skipped");
  end.outcome = CaseOutcome::kFailed;
  EXPECT_EQ(Format(end), "case-end Cases/Many.Trivial/3 failed");

  Message bye;
  bye.type = MessageType::kBye;
  EXPECT_EQ(Format(bye), "bye");
  Message ok;
  ok.type = MessageType::kOk;
  EXPECT_EQ(Format(ok), "ok");
  Message leak;
  leak.type = MessageType::kLeak;
  leak.summary = "server: pidfd +1; test: thread +2";
  EXPECT_EQ(Format(leak), "leak server: pidfd +1; test: thread +2");
}

TEST(ControlProtocolTest, ParsesEveryMessage) {
  Result<Message> hello = Parse("hello 1 4242 pytest");
  ASSERT_TRUE(hello.ok()) << hello.error().message();
  EXPECT_EQ(hello->type, MessageType::kHello);
  EXPECT_EQ(hello->version, 1);
  EXPECT_EQ(hello->pid, 4242);
  EXPECT_EQ(hello->framework, "pytest");

  Result<Message> end = Parse("case-end tests/test_a.py::test_b%5Bx%20y%5D passed");
  ASSERT_TRUE(end.ok()) << end.error().message();
  EXPECT_EQ(end->type, MessageType::kCaseEnd);
  EXPECT_EQ(end->case_id, "tests/test_a.py::test_b[x y]");
  EXPECT_EQ(end->outcome, CaseOutcome::kPassed);

  Result<Message> leak = Parse("leak server: pidfd +1");
  ASSERT_TRUE(leak.ok());
  EXPECT_EQ(leak->type, MessageType::kLeak);
  EXPECT_EQ(leak->summary, "server: pidfd +1");

  EXPECT_EQ(Parse("ok")->type, MessageType::kOk);
  EXPECT_EQ(Parse("bye")->type, MessageType::kBye);
  EXPECT_EQ(Parse("case-begin A.B")->case_id, "A.B");

  Result<Message> plan = Parse("plan t.py::test_x%5Ba%20b%5D");
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_EQ(plan->type, MessageType::kPlan);
  EXPECT_EQ(plan->case_id, "t.py::test_x[a b]");
}

TEST(ControlProtocolTest, EveryMessageRoundTrips) {
  Message end;
  end.type = MessageType::kCaseEnd;
  end.case_id = "weird id\twith\nspaces, 100% and \xc3\xa9";
  end.outcome = CaseOutcome::kFailed;
  Message back = RoundTrip(end);
  EXPECT_EQ(back.type, MessageType::kCaseEnd);
  EXPECT_EQ(back.case_id, end.case_id);
  EXPECT_EQ(back.outcome, CaseOutcome::kFailed);

  Message hello;
  hello.type = MessageType::kHello;
  hello.pid = 7;
  hello.framework = "my framework";
  EXPECT_EQ(RoundTrip(hello).framework, "my framework");
}

TEST(ControlProtocolTest, EscapesSpacesPercentAndBytesOutsidePrintableAscii) {
  EXPECT_EQ(EscapeId("a b"), "a%20b");
  EXPECT_EQ(EscapeId("100%"), "100%25");
  EXPECT_EQ(EscapeId(std::string("a\0b", 3)), "a%00b");
  EXPECT_EQ(EscapeId("\x7f\xff"), "%7F%FF");
  EXPECT_EQ(EscapeId("Suite.Case/0::x[1-2]"), "Suite.Case/0::x[1-2]") << "printable ASCII stays";
  EXPECT_EQ(UnescapeId("a%20b%25"), "a b%");
  EXPECT_EQ(UnescapeId("%c3%A9"), "\xc3\xa9") << "either case of hex digits";
  EXPECT_EQ(UnescapeId("50%"), "50%") << "not an escape: kept";
  for (int c = 0; c < 256; ++c) {
    std::string id(1, static_cast<char>(c));
    EXPECT_EQ(UnescapeId(EscapeId(id)), id) << c;
    EXPECT_EQ(EscapeId(id).find(' '), std::string::npos);
  }
}

TEST(ControlProtocolTest, RefusesMalformedPacketsWithTheReason) {
  struct Bad {
    std::string packet;
    std::string reason;
  };
  const Bad cases[] = {
      {"", "empty packet"},
      {"hi there", "unknown message \"hi\""},
      {"case-begin", "expected \"case-begin <id>\""},
      {"case-begin a b", "expected \"case-begin <id>\""},
      {"plan", "expected \"plan <id>\""},
      {"plan a b", "expected \"plan <id>\""},
      {"plan a\tb", "not %-escaped"},
      {"case-begin  a", "exactly one space"},
      {"case-begin a ", "exactly one space"},
      {"case-end a", "expected \"case-end <id> <passed|failed|skipped>\""},
      {"case-end a ok", "unknown outcome \"ok\" (passed, failed or skipped)"},
      {"case-begin a%2", "bad escape"},
      {"case-begin a%zz", "bad escape"},
      {"case-begin a\tb", "not %-escaped"},
      {"hello 1 42", "expected \"hello <version> <pid> <framework>\""},
      {"hello one 42 gtest", "the version is not a positive number"},
      {"hello 1 -5 gtest", "the pid is not a positive number"},
      {"ok then", "expected \"ok\""},
      {"bye now", "expected \"bye\""},
  };
  for (const Bad& bad : cases) {
    Result<Message> parsed = Parse(bad.packet);
    ASSERT_FALSE(parsed.ok()) << "\"" << bad.packet << "\" parsed";
    EXPECT_EQ(parsed.error().code(), ErrorCode::kParseError);
    EXPECT_NE(parsed.error().message().find(bad.reason), std::string::npos)
        << parsed.error().message();
    EXPECT_NE(parsed.error().message().find("malformed control message"), std::string::npos);
  }
}

TEST(ControlProtocolTest, ErrorShowsALongOrBinaryPacketShortAndReadable) {
  std::string packet = "case-begin \x01" + std::string(500, 'x');
  Result<Message> parsed = Parse(packet);
  ASSERT_FALSE(parsed.ok());
  const std::string& message = parsed.error().message();
  EXPECT_NE(message.find("case-begin \\x01xxx"), std::string::npos) << message;
  EXPECT_NE(message.find("...\""), std::string::npos) << message;
  EXPECT_LT(message.size(), 400u) << message;
}

TEST(ControlProtocolTest, LeakSummaryIsTheRestOfThePacketVerbatim) {
  Result<Message> leak = Parse("leak  two spaces\tand a tab");
  ASSERT_TRUE(leak.ok());
  EXPECT_EQ(leak->summary, " two spaces\tand a tab");
  Result<Message> bare = Parse("leak");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->type, MessageType::kLeak);
  EXPECT_EQ(bare->summary, "");
}

}  // namespace
}  // namespace leakwatch::control
