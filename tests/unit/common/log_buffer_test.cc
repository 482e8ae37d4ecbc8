// The buffered log writer (common/log_buffer.h) and the logger's use of it
// (common/logging.h: BufferLogs): lines come out whole and in order, at once when urgent, and
// none is lost at shutdown, at exit or on a crash.
#include "common/log_buffer.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "gtest/gtest.h"

namespace common {
namespace {

// A temporary file the buffer writes to; Text() reads what has been written so far.
class LogFile {
 public:
  LogFile() {
    char name[] = "/tmp/log_buffer_test.XXXXXX";
    fd_ = mkstemp(name);
    path_ = name;
  }
  ~LogFile() {
    close(fd_);
    unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  std::string Text() const {
    std::ifstream in(path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  int fd_ = -1;
  std::string path_;
};

LogBuffer::Options Options(size_t capacity, absl::Duration flush_every) {
  LogBuffer::Options options;
  options.capacity_bytes = capacity;
  options.flush_every = flush_every;
  return options;
}

constexpr absl::Duration kNever = absl::Hours(1);

TEST(LogBufferTest, LinesFromManyThreadsComeOutWholeAndInOrder) {
  LogFile file;
  constexpr int kThreads = 4;
  constexpr int kLines = 5000;
  {
    // Small buffers: appenders fill them, swap them and wait for writes many times.
    LogBuffer buffer(file.fd(), Options(4096, absl::Milliseconds(1)));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&buffer, t] {
        for (int i = 0; i < kLines; ++i) {
          buffer.Append(absl::StrCat("{\"thread\":", t, ",\"line\":", i, "}\n"), i % 997 == 0);
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  std::map<int, int> next;  // thread -> the line expected next
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(file.Text(), '\n', absl::SkipEmpty())) {
    std::smatch match;
    const std::string text(line);
    ASSERT_TRUE(std::regex_match(text, match, std::regex(R"(\{"thread":(\d+),"line":(\d+)\})")))
        << text;
    const int thread = std::stoi(match[1]);
    EXPECT_EQ(std::stoi(match[2]), next[thread]) << "thread " << thread;
    next[thread] = std::stoi(match[2]) + 1;
    ++lines;
  }
  EXPECT_EQ(lines, kThreads * kLines);
}

TEST(LogBufferTest, AnUrgentLineIsWrittenAtOnceWithEverythingBeforeIt) {
  LogFile file;
  LogBuffer buffer(file.fd(), Options(1 << 16, kNever));
  buffer.Append("{\"level\":\"INFO\"}\n", false);
  EXPECT_EQ(file.Text(), "") << "an INFO line waits for the next write";
  buffer.Append("{\"level\":\"WARNING\"}\n", true);
  EXPECT_EQ(file.Text(), "{\"level\":\"INFO\"}\n{\"level\":\"WARNING\"}\n");
}

TEST(LogBufferTest, NothingIsLostAtShutdown) {
  LogFile file;
  {
    LogBuffer buffer(file.fd(), Options(1 << 16, kNever));
    buffer.Append("a\n", false);
    buffer.Append("b\n", false);
    EXPECT_EQ(file.Text(), "");
  }
  EXPECT_EQ(file.Text(), "a\nb\n");
}

TEST(LogBufferTest, AfterCloseLinesAreWrittenAtOnce) {
  LogFile file;
  LogBuffer buffer(file.fd(), Options(1 << 16, kNever));
  buffer.Append("before\n", false);
  buffer.Close();
  EXPECT_EQ(file.Text(), "before\n");
  buffer.Append("after\n", false);
  EXPECT_EQ(file.Text(), "before\nafter\n");
}

TEST(LogBufferTest, FlushWritesWhatIsBuffered) {
  LogFile file;
  LogBuffer buffer(file.fd(), Options(1 << 16, kNever));
  buffer.Append("a\n", false);
  buffer.Flush();
  EXPECT_EQ(file.Text(), "a\n");
  buffer.Flush();  // nothing new
  EXPECT_EQ(file.Text(), "a\n");
}

TEST(LogBufferTest, TheBackgroundThreadWritesWithinTheInterval) {
  LogFile file;
  LogBuffer buffer(file.fd(), Options(1 << 16, absl::Milliseconds(20)));
  buffer.Append("soon\n", false);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (file.Text().empty() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(file.Text(), "soon\n");
}

TEST(LogBufferTest, ALineLongerThanTheBufferIsWrittenInItsPlace) {
  LogFile file;
  LogBuffer buffer(file.fd(), Options(64, kNever));
  const std::string long_line = std::string(200, 'x') + "\n";
  buffer.Append("first\n", false);
  buffer.Append(long_line, false);
  buffer.Append("last\n", false);
  buffer.Flush();
  EXPECT_EQ(file.Text(), "first\n" + long_line + "last\n");
}

TEST(LogBufferTest, TheSignalHandlerPathWritesWhatIsBuffered) {
  LogFile file;
  LogBuffer buffer(file.fd(), Options(1 << 16, kNever));
  buffer.Append("a\n", false);
  buffer.Append("b\n", false);
  buffer.WriteOutFromSignalHandler();
  EXPECT_EQ(file.Text(), "a\nb\n");
}

// The logger itself, buffering as a server does; each case in a child process, so this
// process keeps writing its lines straight to stderr.
class BufferedLoggerDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(BufferedLoggerDeathTest, BufferedLinesAreWrittenAtExit) {
  EXPECT_EXIT(
      {
        BufferLogs();
        LogInfo("written at exit", {{"n", 1}});
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "\"msg\":\"written at exit\",\"n\":1\\}");
}

// _exit() skips the exit flush: the WARNING line is out because it was written at once.
TEST_F(BufferedLoggerDeathTest, AWarningIsWrittenAtOnce) {
  EXPECT_EXIT(
      {
        BufferLogs();
        LogInfo("an info line before it");
        LogWarning("a warning");
        _exit(3);
      },
      ::testing::ExitedWithCode(3), "an info line before it.*\n.*\"msg\":\"a warning\"");
}

TEST_F(BufferedLoggerDeathTest, BufferedLinesAreWrittenOnACrash) {
  EXPECT_DEATH(
      {
        BufferLogs();
        LogInfo("the line before the crash");
        std::abort();
      },
      "\"msg\":\"the line before the crash\"");
}

TEST(LoggingTimeTest, TimeIsUtcWithMilliseconds) {
  const std::string line = FormatLogLine(LogLevel::kInfo, "m", {});
  EXPECT_TRUE(std::regex_search(
      line, std::regex(R"(^\{"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","level")")))
      << line;
}

}  // namespace
}  // namespace common
