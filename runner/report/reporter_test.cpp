// reporter_test.cpp — MultiReporter: order of events, reverse order of Finish, and the news of
// written reports reaching the reporters that finish later (the console).
#include "reporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sample_run.h"

namespace leakwatch::run {
namespace {

using ::testing::_;
using ::testing::InSequence;
using ::testing::Return;

class MockReporter : public Reporter {
 public:
  MOCK_METHOD(void, Report, (const RunEvent& event), (override));
  MOCK_METHOD(Status, Finish, (), (override));
  MOCK_METHOD(std::string, output_path, (), (const, override));
  MOCK_METHOD(void, NoteReportFile, (const std::string& path, const Status& written), (override));
};

// Matches a Status by whether it is ok.
MATCHER(IsOk, "") {
  return arg.ok();
}

TEST(MultiReporterTest, ForwardsEventsInOrderAndFinishesInReverse) {
  auto console = std::make_unique<MockReporter>();
  auto junit = std::make_unique<MockReporter>();
  auto json = std::make_unique<MockReporter>();
  ON_CALL(*console, output_path()).WillByDefault(Return(""));
  ON_CALL(*junit, output_path()).WillByDefault(Return("out/junit.xml"));
  ON_CALL(*json, output_path()).WillByDefault(Return("out/run.json"));
  {
    InSequence sequence;
    EXPECT_CALL(*console, Report(_));
    EXPECT_CALL(*junit, Report(_));
    EXPECT_CALL(*json, Report(_));
    EXPECT_CALL(*json, Finish())
        .WillOnce(Return(Status(Error(ErrorCode::kIo, "writing report out/run.json: EIO"))));
    EXPECT_CALL(*json, output_path());
    EXPECT_CALL(*console, NoteReportFile("out/run.json", ::testing::Not(IsOk())));
    EXPECT_CALL(*junit, NoteReportFile("out/run.json", ::testing::Not(IsOk())));
    EXPECT_CALL(*junit, Finish()).WillOnce(Return(Status(Ok{})));
    EXPECT_CALL(*junit, output_path());
    EXPECT_CALL(*console, NoteReportFile("out/junit.xml", IsOk()));
    EXPECT_CALL(*console, Finish()).WillOnce(Return(Status(Ok{})));
    EXPECT_CALL(*console, output_path());
  }
  MultiReporter reporters;
  reporters.Add(std::move(console));
  reporters.Add(std::move(junit));
  reporters.Add(std::move(json));
  reporters.Report(testing::SampleRun().front());
  Status finished = reporters.Finish();
  ASSERT_FALSE(finished.ok());
  EXPECT_EQ(finished.error().message(), "writing report out/run.json: EIO");
}

}  // namespace
}  // namespace leakwatch::run
