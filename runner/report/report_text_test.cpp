// report_text_test.cpp — wording and escaping shared by the reporters.
#include "report_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sample_run.h"

namespace leakwatch::run {
namespace {

using ::testing::ElementsAre;

TEST(ReportTextTest, FormatsSecondsAndUtcTimestamps) {
  EXPECT_EQ(FormatSeconds(std::chrono::microseconds(12345)), "0.012");
  EXPECT_EQ(FormatSeconds(std::chrono::microseconds(5000000)), "5.000");
  EXPECT_EQ(FormatUtcTimestamp(testing::SampleTime(1500)), "2025-03-01T12:00:01");
  EXPECT_EQ(UnixMillis(testing::SampleTime(1500)), 1740830401500);
}

TEST(ReportTextTest, SplitLinesDropsTheTrailingNewlineAndCarriageReturns) {
  EXPECT_THAT(SplitLines("a\r\nb\n\nc\n"), ElementsAre("a", "b", "", "c"));
  EXPECT_THAT(SplitLines(""), ElementsAre());
}

TEST(ReportTextTest, CutLinesKeepsHeadAndTail) {
  std::string text;
  for (int i = 1; i <= 20; ++i) text += "line " + std::to_string(i) + "\n";
  EXPECT_THAT(CutLines(text, 7), ElementsAre("line 1", "line 2", "... 14 more lines ...", "line 17",
                                             "line 18", "line 19", "line 20"));
  EXPECT_EQ(CutLines(text, 20).size(), 20u);
  EXPECT_THAT(CutLines("a\nb\nc", 2), ElementsAre("a", "b"));
}

TEST(ReportTextTest, SanitizeUtf8ReplacesEveryInvalidSequence) {
  EXPECT_EQ(SanitizeUtf8("plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(SanitizeUtf8("\xff"), "\xef\xbf\xbd");
  EXPECT_EQ(SanitizeUtf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");                  // overlong '/'
  EXPECT_EQ(SanitizeUtf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
  EXPECT_EQ(SanitizeUtf8("\xf4\x90\x80\x80").substr(0, 3), "\xef\xbf\xbd");         // > U+10FFFF
  EXPECT_EQ(SanitizeUtf8("cut \xe2\x82"), "cut \xef\xbf\xbd\xef\xbf\xbd");          // truncated
  EXPECT_EQ(SanitizeUtf8(std::string("nul\0ok", 6)), std::string("nul\0ok", 6));
}

TEST(ReportTextTest, EscapesXmlText) {
  EXPECT_EQ(EscapeXmlText("a<b & c>d \"q\" ]]>"), "a&lt;b &amp; c&gt;d \"q\" ]]&gt;");
  EXPECT_EQ(EscapeXmlText("tab\tnl\ncr\r"), "tab\tnl\ncr&#13;");
  EXPECT_EQ(EscapeXmlText(std::string("\0\x01\x1b\x7f", 4)), "\\x00\\x01\\x1b\x7f");
  EXPECT_EQ(EscapeXmlText("\xef\xbf\xbe\xef\xbf\xbf\xef\xbf\xbd"),
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(EscapeXmlText("\xff"), "\xef\xbf\xbd");
}

TEST(ReportTextTest, EscapesXmlAttributesKeepingWhitespace) {
  EXPECT_EQ(EscapeXmlAttribute("a\"b'<&>\t\n\r"), "a&quot;b'&lt;&amp;&gt;&#9;&#10;&#13;");
}

}  // namespace
}  // namespace leakwatch::run
