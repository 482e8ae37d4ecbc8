#include "common/logging.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/echo_bounds.h"
#include "common/log_buffer.h"
#include "common/vi_text.h"
#include "grpc/support/log.h"

namespace common {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
// Set once by BufferLogs() and never freed: threads may log until the process ends.
std::atomic<LogBuffer*> g_buffer{nullptr};

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
struct sigaction g_previous_actions[sizeof(kFatalSignals) / sizeof(kFatalSignals[0])];

// Writes the buffered lines, then lets the signal do what it did before (by default: end
// the process, with a core dump where allowed).
void OnFatalSignal(int signal) {
  if (LogBuffer* buffer = g_buffer.load(std::memory_order_acquire)) {
    buffer->WriteOutFromSignalHandler();
  }
  for (size_t i = 0; i < sizeof(kFatalSignals) / sizeof(kFatalSignals[0]); ++i) {
    if (kFatalSignals[i] == signal) sigaction(signal, &g_previous_actions[i], nullptr);
  }
  raise(signal);  // delivered when the handler returns, to the action restored above
}

void InstallFatalSignalFlush() {
  struct sigaction action = {};
  action.sa_handler = OnFatalSignal;
  sigemptyset(&action.sa_mask);
  for (size_t i = 0; i < sizeof(kFatalSignals) / sizeof(kFatalSignals[0]); ++i) {
    sigaction(kFatalSignals[i], &action, &g_previous_actions[i]);
  }
}

void CloseAtExit() {
  if (LogBuffer* buffer = g_buffer.load(std::memory_order_acquire)) buffer->Close();
}

void WriteToStderr(absl::string_view line) {
  const char* data = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, data, left);
    if (n <= 0) {
      break;
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
}

// "2026-11-27T20:30:00.123Z", quoted. The text up to the second is formatted once a second
// per thread.
void AppendTime(std::string* out) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  thread_local int64_t cached_second = -1;
  thread_local char cached[32];
  thread_local size_t cached_size = 0;
  if (now.tv_sec != cached_second) {
    const std::string text = absl::FormatTime(
        "%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(now.tv_sec), absl::UTCTimeZone());
    cached_size = std::min(text.size(), sizeof(cached));
    std::memcpy(cached, text.data(), cached_size);
    cached_second = now.tv_sec;
  }
  const int millis = static_cast<int>(now.tv_nsec / 1000000);
  out->push_back('"');
  out->append(cached, cached_size);
  out->push_back('.');
  out->push_back(static_cast<char>('0' + millis / 100));
  out->push_back(static_cast<char>('0' + millis / 10 % 10));
  out->push_back(static_cast<char>('0' + millis % 10));
  out->append("Z\"");
}

// A text value as JSON, cut to kMaxLogValueBytes; copied only when it must change.
void AppendText(std::string* out, absl::string_view text) {
  if (text.size() <= kMaxLogValueBytes && IsValidUtf8(text)) {
    AppendJsonString(out, text);
  } else {
    AppendJsonString(out, Bounded(text, kMaxLogValueBytes));
  }
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARNING";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}

void AppendValue(std::string* out, const LogValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) {
    AppendText(out, *s);
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    absl::StrAppend(out, *i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    if (std::isfinite(*d)) {
      absl::StrAppend(out, *d);
    } else {
      out->append("null");
    }
  } else {
    out->append(std::get<bool>(value) ? "true" : "false");
  }
}

}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load()); }

bool ParseLogLevel(absl::string_view text, LogLevel* level) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "debug") {
    *level = LogLevel::kDebug;
  } else if (lower == "info") {
    *level = LogLevel::kInfo;
  } else if (lower == "warning" || lower == "warn") {
    *level = LogLevel::kWarning;
  } else if (lower == "error") {
    *level = LogLevel::kError;
  } else {
    return false;
  }
  return true;
}

void AppendJsonString(std::string* out, absl::string_view text) {
  out->push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xf]);
        } else {
          out->push_back(static_cast<char>(c));  // UTF-8 passes through unchanged
        }
    }
  }
  out->push_back('"');
}

std::string FormatLogLine(LogLevel level, absl::string_view msg,
                          std::initializer_list<LogField> fields) {
  std::string line;
  line.reserve(128);
  line.append("{\"time\":");
  AppendTime(&line);
  line.append(",\"level\":\"");
  line.append(LevelName(level));
  line.append("\",\"msg\":");
  AppendText(&line, msg);
  for (const LogField& field : fields) {
    if (line.size() > kMaxLogLineBytes) {
      line.append(",\"truncated\":true");
      break;
    }
    line.push_back(',');
    AppendJsonString(&line, field.key);
    line.push_back(':');
    AppendValue(&line, field.value);
  }
  line.push_back('}');
  return line;
}

void BufferLogs() {
  static LogBuffer* const buffer = [] {
    auto* created = new LogBuffer(STDERR_FILENO, LogBuffer::Options());
    g_buffer.store(created, std::memory_order_release);
    InstallFatalSignalFlush();
    std::atexit(CloseAtExit);
    return created;
  }();
  (void)buffer;
}

void FlushLogs() {
  if (LogBuffer* buffer = g_buffer.load(std::memory_order_acquire)) buffer->Flush();
}

void Log(LogLevel level, absl::string_view msg, std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) {
    return;
  }
  std::string line = FormatLogLine(level, msg, fields);
  line.push_back('\n');
  if (LogBuffer* buffer = g_buffer.load(std::memory_order_acquire)) {
    buffer->Append(line, level >= LogLevel::kWarning);
  } else {
    WriteToStderr(line);  // one write(2) keeps concurrent lines whole
  }
}

namespace {

void GrpcLog(gpr_log_func_args* args) {
  LogLevel level = LogLevel::kError;
  if (args->severity == GPR_LOG_SEVERITY_DEBUG) {
    level = LogLevel::kDebug;
  } else if (args->severity == GPR_LOG_SEVERITY_INFO) {
    level = LogLevel::kInfo;
  }
  if (level < GetLogLevel()) return;
  absl::string_view file = args->file != nullptr ? args->file : "";
  if (const size_t slash = file.rfind('/'); slash != file.npos) file.remove_prefix(slash + 1);
  Log(level, "grpc",
      {{"file", file},
       {"line", args->line},
       {"detail", args->message != nullptr ? args->message : ""}});
}

}  // namespace

void InstallGrpcLogHandler() {
  static std::once_flag once;
  std::call_once(once, [] { gpr_set_log_function(&GrpcLog); });
}

}  // namespace common
