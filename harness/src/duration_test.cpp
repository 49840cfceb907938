#include "leakwatch/duration.h"

#include <gtest/gtest.h>

namespace leakwatch {
namespace {

using std::chrono::nanoseconds;

TEST(DurationTest, ParsesUnits) {
  EXPECT_EQ(*ParseDuration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(*ParseDuration("1s"), std::chrono::seconds(1));
  EXPECT_EQ(*ParseDuration("1.5s"), std::chrono::milliseconds(1500));
  EXPECT_EQ(*ParseDuration("2m"), std::chrono::minutes(2));
  EXPECT_EQ(*ParseDuration("1h"), std::chrono::hours(1));
  EXPECT_EQ(*ParseDuration("250us"), std::chrono::microseconds(250));
  EXPECT_EQ(*ParseDuration("7ns"), nanoseconds(7));
  EXPECT_EQ(*ParseDuration("0s"), nanoseconds(0));
}

TEST(DurationTest, RejectsWhatItCannotReadWithTheReason) {
  for (const char* bad : {"", "500", "ms", "1x", "-1s", "1.2.3s", "1 s"}) {
    Result<nanoseconds> d = ParseDuration(bad);
    ASSERT_FALSE(d) << bad;
    EXPECT_EQ(d.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(d.error().message().find(bad), std::string::npos) << d.error().message();
  }
  EXPECT_NE(ParseDuration("500").error().message().find("missing unit"), std::string::npos);
}

TEST(DurationTest, FormatsReadably) {
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds(20)), "20ms");
  EXPECT_EQ(FormatDuration(std::chrono::microseconds(1250)), "1.25ms");
  EXPECT_EQ(FormatDuration(std::chrono::minutes(2)), "2m");
  EXPECT_EQ(FormatDuration(nanoseconds(12)), "12ns");
}

}  // namespace
}  // namespace leakwatch
