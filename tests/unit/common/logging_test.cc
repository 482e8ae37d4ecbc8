#include "common/logging.h"

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

TEST(LoggingTest, ParsesLevels) {
  LogLevel level;
  ASSERT_TRUE(ParseLogLevel("WARNING", &level));
  EXPECT_EQ(level, LogLevel::kWarning);
  EXPECT_FALSE(ParseLogLevel("loud", &level));
}

}  // namespace
}  // namespace common
