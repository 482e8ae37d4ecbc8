// File: common/logging.h
//
// Structured logs: one JSON object a line on stderr, e.g.
//   {"time":"2026-11-27T20:30:00.123Z","level":"INFO","msg":"serving","port":50051}
// Thread-safe: each line is formatted first and written whole. Lines go straight to stderr
// with one write(2) each, until BufferLogs() (servers call it when they start): from then on
// they are buffered in memory and written in order, in large writes (common/log_buffer.h) —
// within 100 ms, at once for WARNING and ERROR (with every line before them), on FlushLogs(),
// at exit() and on a fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT).
// Bounded (common/echo_bounds.h): each text value is cut to kMaxLogValueBytes (ill-formed
// UTF-8 replaced), and fields after kMaxLogLineBytes are left out ("truncated":true).
//
//   common::LogInfo("serving", {{"address", addr}, {"port", port}});
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <variant>
#include "absl/strings/string_view.h"

namespace common {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// A log field value: text, integer, floating point or boolean.
using LogValue = std::variant<std::string, int64_t, double, bool>;

struct LogField {
  LogField(absl::string_view k, absl::string_view v) : key(k), value(std::string(v)) {}
  LogField(absl::string_view k, const char* v) : key(k), value(std::string(v)) {}
  LogField(absl::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(absl::string_view k, int v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(absl::string_view k, long v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(absl::string_view k, long long v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(absl::string_view k, unsigned v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(absl::string_view k, unsigned long v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(absl::string_view k, unsigned long long v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(absl::string_view k, double v) : key(k), value(v) {}
  LogField(absl::string_view k, bool v) : key(k), value(v) {}
  absl::string_view key;
  LogValue value;
};

// Lines below `level` are dropped. Default kInfo.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "debug", "info", "warning", "error" (case-insensitive).
bool ParseLogLevel(absl::string_view text, LogLevel* level);

void Log(LogLevel level, absl::string_view msg, std::initializer_list<LogField> fields = {});
inline void LogDebug(absl::string_view msg, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kDebug, msg, fields);
}
inline void LogInfo(absl::string_view msg, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kInfo, msg, fields);
}
inline void LogWarning(absl::string_view msg, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kWarning, msg, fields);
}
inline void LogError(absl::string_view msg, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kError, msg, fields);
}

// Buffers the lines from now on (see above); installs the exit and fatal-signal flushes.
// Idempotent.
void BufferLogs();
// Writes the buffered lines; returns once they are out. Nothing to do when not buffering.
void FlushLogs();

// Routes gRPC core's own log lines (gpr_log: transport errors, failed binds, and whatever
// GRPC_VERBOSITY / GRPC_TRACE turn on) into these JSON lines:
//   {"time":...,"level":"ERROR","msg":"grpc","file":"chttp2_server.cc","line":123,
//    "detail":"..."}
// instead of gRPC's own plain-text format on stderr. gRPC's DEBUG and INFO lines map to
// DEBUG and INFO, its ERROR lines to ERROR. Idempotent; ServerRunner calls it.
void InstallGrpcLogHandler();

// Formats one log line (without the trailing newline); exposed for tests.
std::string FormatLogLine(LogLevel level, absl::string_view msg,
                          std::initializer_list<LogField> fields);

// Appends `text` to `out` as a JSON string literal (quotes included).
void AppendJsonString(std::string* out, absl::string_view text);

}  // namespace common
