// File: common/log_buffer.h
//
// The buffered writer behind common/logging.h: log lines are appended to memory under a short
// lock and written to a file descriptor in large writes, so a line costs a copy, not a
// write(2). Lines come out whole and in the order they were appended.
//
// When lines are written:
//   - every `flush_every` by a background thread, or sooner when the buffer is half full;
//   - at once for an urgent line (WARNING and ERROR), together with everything before it,
//     before Append returns;
//   - on Flush(), and on Close() or destruction (what is left; lines appended afterwards are
//     written at once, so nothing is lost at exit);
//   - by the appender itself when the buffer is full (it waits for the write: back-pressure,
//     as a blocking stderr would give).
// WriteOutFromSignalHandler() is the crash path: it writes what is buffered without taking
// the lock (async-signal-safe, best effort).
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace common {

class LogBuffer {
 public:
  struct Options {
    size_t capacity_bytes = size_t{1} << 20;  // each of the two buffers
    absl::Duration flush_every = absl::Milliseconds(100);
  };

  // Writes to `fd` (not owned; it must stay open while the buffer lives).
  LogBuffer(int fd, Options options);
  ~LogBuffer();  // Close(), then stops the background thread
  LogBuffer(const LogBuffer&) = delete;
  LogBuffer& operator=(const LogBuffer&) = delete;

  // `line` includes its newline. An urgent line is written, with everything before it,
  // before Append returns.
  void Append(absl::string_view line, bool urgent);

  // Writes everything appended before the call.
  void Flush();

  // Flush(), and from then on every line is written at once by its appender.
  void Close();

  // For a fatal signal's handler: writes what is buffered and not yet written, without
  // locks or allocation. Lines being appended at that moment may come out cut.
  void WriteOutFromSignalHandler();

 private:
  // Swaps the buffers and writes the full one, outside the lock; waits first for a write in
  // progress, so writes leave in append order.
  void WriteOutLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run();

  const int fd_;
  const size_t capacity_;
  const absl::Duration flush_every_;
  std::unique_ptr<char[]> storage_[2];

  absl::Mutex mu_;
  absl::CondVar wake_;     // the background thread: time to write
  absl::CondVar written_;  // a write finished
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  // Atomic for WriteOutFromSignalHandler, which reads them without the lock; written under
  // mu_ (writing_offset_ by the writer, outside it).
  std::atomic<int> active_{0};                // the buffer lines are appended to
  std::atomic<size_t> used_[2] = {{0}, {0}};  // bytes in each buffer
  std::atomic<int> in_flight_{-1};            // the buffer being written, or -1
  std::atomic<size_t> in_flight_written_{0};  // of which this much is out

  std::thread thread_;
};

}  // namespace common
