#include "common/change_hub.h"

#include <vector>

#include "absl/time/clock.h"

namespace common {

ChangeHub::ChangeHub(const std::string& service)
    : open_gauge_(MetricsRegistry::Default().AddGauge(
          "dangbo_change_streams_open",
          "Open change streams (records' WatchChanges, analytics' WatchIndicatorChanges).",
          {{"service", service}})) {
  thread_ = std::thread([this] { Run(); });
}

ChangeHub::~ChangeHub() {
  Shutdown();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  thread_.join();
}

bool ChangeHub::Register(ChangeStream* stream) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return false;
  if (streams_.insert(stream).second) open_gauge_.Add(1);
  dirty_ = true;
  cv_.notify_all();
  return true;
}

void ChangeHub::Unregister(ChangeStream* stream) {
  std::lock_guard<std::mutex> lock(mu_);
  if (streams_.erase(stream) > 0) open_gauge_.Add(-1);
}

void ChangeHub::Notify(uint64_t) {
  std::lock_guard<std::mutex> lock(mu_);
  dirty_ = true;
  cv_.notify_all();
}

size_t ChangeHub::open_streams() {
  std::lock_guard<std::mutex> lock(mu_);
  return streams_.size();
}

void ChangeHub::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return;
  shut_down_ = true;
  for (ChangeStream* s : streams_) s->EndForShutdown();
}

void ChangeHub::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return dirty_ || stopping_; });
    if (stopping_) break;
    dirty_ = false;
    const absl::Time now = absl::Now();
    // Pumping under the lock keeps a stream alive while it is pumped (Unregister waits).
    for (ChangeStream* s : streams_) s->Pump(now);
  }
}

}  // namespace common
