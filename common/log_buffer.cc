#include "common/log_buffer.h"

#include <unistd.h>

#include <cstring>

namespace common {
namespace {

// write(2) until all of it is out or the descriptor refuses; `progress` (may be null) counts
// what is out. Async-signal-safe.
void WriteAll(int fd, const char* data, size_t size, std::atomic<size_t>* progress) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) {
      return;  // a closed or broken stderr: nothing better to do with the lines
    }
    done += static_cast<size_t>(n);
    if (progress != nullptr) progress->store(done, std::memory_order_release);
  }
}

}  // namespace

LogBuffer::LogBuffer(int fd, Options options)
    : fd_(fd), capacity_(options.capacity_bytes), flush_every_(options.flush_every) {
  storage_[0] = std::make_unique<char[]>(capacity_);
  storage_[1] = std::make_unique<char[]>(capacity_);
  thread_ = std::thread([this] { Run(); });
}

LogBuffer::~LogBuffer() {
  Close();
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    wake_.Signal();
  }
  thread_.join();
}

void LogBuffer::Append(absl::string_view line, bool urgent) {
  absl::MutexLock lock(&mu_);
  if (closed_ || line.size() > capacity_) {
    // Written at once, after what is buffered: the order stays.
    WriteOutLocked();
    WriteAll(fd_, line.data(), line.size(), nullptr);
    return;
  }
  while (used_[active_.load(std::memory_order_relaxed)].load(std::memory_order_relaxed) +
             line.size() >
         capacity_) {
    WriteOutLocked();
  }
  const int active = active_.load(std::memory_order_relaxed);
  const size_t used = used_[active].load(std::memory_order_relaxed);
  std::memcpy(storage_[active].get() + used, line.data(), line.size());
  used_[active].store(used + line.size(), std::memory_order_release);
  if (urgent) {
    WriteOutLocked();
  } else if (!woken_ && used + line.size() >= capacity_ / 2) {
    woken_ = true;
    wake_.Signal();
  }
}

void LogBuffer::Flush() {
  absl::MutexLock lock(&mu_);
  WriteOutLocked();
}

void LogBuffer::Close() {
  absl::MutexLock lock(&mu_);
  WriteOutLocked();
  closed_ = true;
}

void LogBuffer::WriteOutLocked() {
  while (writing_) written_.Wait(&mu_);
  const int full = active_.load(std::memory_order_relaxed);
  const size_t size = used_[full].load(std::memory_order_relaxed);
  if (size == 0) return;
  // The other buffer is empty: every write empties its buffer before writing_ turns false.
  writing_ = true;
  in_flight_written_.store(0, std::memory_order_relaxed);
  in_flight_.store(full, std::memory_order_release);
  active_.store(1 - full, std::memory_order_release);
  mu_.Unlock();
  WriteAll(fd_, storage_[full].get(), size, &in_flight_written_);
  mu_.Lock();
  used_[full].store(0, std::memory_order_release);
  in_flight_.store(-1, std::memory_order_release);
  writing_ = false;
  written_.SignalAll();
}

void LogBuffer::Run() {
  absl::MutexLock lock(&mu_);
  while (!stop_) {
    if (!woken_) wake_.WaitWithTimeout(&mu_, flush_every_);
    woken_ = false;
    WriteOutLocked();
  }
}

void LogBuffer::WriteOutFromSignalHandler() {
  const int in_flight = in_flight_.load(std::memory_order_acquire);
  if (in_flight >= 0) {
    const size_t done = in_flight_written_.load(std::memory_order_acquire);
    const size_t size = used_[in_flight].load(std::memory_order_acquire);
    if (done < size) WriteAll(fd_, storage_[in_flight].get() + done, size - done, nullptr);
  }
  const int active = active_.load(std::memory_order_acquire);
  if (active != in_flight) {
    const size_t size = used_[active].exchange(0, std::memory_order_acq_rel);
    WriteAll(fd_, storage_[active].get(), size, nullptr);
  }
}

}  // namespace common
