#include "common/logging.h"

#include "common/echo_bounds.h"
#include "gtest/gtest.h"

namespace common {
namespace {

TEST(LoggingTest, OneJsonObjectPerLine) {
  const std::string line = FormatLogLine(LogLevel::kInfo, "rpc",
                                         {{"method", "/a.B/C"}, {"code", "OK"},
                                          {"latency_ms", 1.5}, {"port", 50051}, {"ok", true}});
  EXPECT_EQ(line.front(), '{');
  EXPECT_EQ(line.back(), '}');
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("\"level\":\"INFO\""), std::string::npos);
  EXPECT_NE(line.find("\"msg\":\"rpc\""), std::string::npos);
  EXPECT_NE(line.find("\"method\":\"/a.B/C\""), std::string::npos);
  EXPECT_NE(line.find("\"latency_ms\":1.5"), std::string::npos);
  EXPECT_NE(line.find("\"port\":50051"), std::string::npos);
  EXPECT_NE(line.find("\"ok\":true"), std::string::npos);
  EXPECT_NE(line.find("\"time\":\""), std::string::npos);
}

TEST(LoggingTest, EscapesControlCharactersAndKeepsUtf8) {
  std::string out;
  AppendJsonString(&out, "a\"b\\c\nd\x01 Nguyễn");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\u0001 Nguyễn\"");
}

// A 20 MB input once made a 20 MB log line.
TEST(LoggingTest, LinesAreBoundedWhateverTheInput) {
  const std::string huge(20 << 20, 'x');
  const std::string line =
      FormatLogLine(LogLevel::kWarning, huge, {{"error", huge}, {"method", "/a.B/C"}});
  EXPECT_LT(line.size(), 3 * kMaxLogValueBytes);
  EXPECT_NE(line.find("\"method\":\"/a.B/C\""), std::string::npos);
  EXPECT_NE(line.find("bytes]"), std::string::npos) << "says what was cut";

  const std::string kb(1000, 'k');
  const std::string many = FormatLogLine(
      LogLevel::kInfo, "m",
      {{"a", kb}, {"b", kb}, {"c", kb}, {"d", kb}, {"e", kb}, {"f", kb}, {"g", kb}, {"h", kb},
       {"i", kb}, {"j", kb}, {"k", kb}, {"l", kb}, {"m", kb}, {"n", kb}, {"o", kb}, {"p", kb},
       {"q", kb}, {"r", kb}, {"s", kb}, {"t", kb}});
  EXPECT_LE(many.size(), kMaxLogLineBytes + kMaxLogValueBytes + 64);
  EXPECT_NE(many.find("\"truncated\":true"), std::string::npos);
  EXPECT_EQ(many.back(), '}');
}

TEST(LoggingTest, BrokenUtf8BecomesReplacementCharacters) {
  const std::string line = FormatLogLine(LogLevel::kInfo, "rpc", {{"error", "a\xff\xfe b"}});
  EXPECT_NE(line.find("a\xEF\xBF\xBD\xEF\xBF\xBD b"), std::string::npos) << line;
}

TEST(LoggingTest, ParsesLevels) {
  LogLevel level;
  ASSERT_TRUE(ParseLogLevel("WARNING", &level));
  EXPECT_EQ(level, LogLevel::kWarning);
  EXPECT_FALSE(ParseLogLevel("loud", &level));
}

}  // namespace
}  // namespace common
