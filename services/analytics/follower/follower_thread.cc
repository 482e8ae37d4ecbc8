#include "services/analytics/follower/follower_thread.h"

#include "absl/time/clock.h"

namespace analytics {

void FollowerThread::Start(std::function<void()> loop) {
  if (thread_.joinable()) return;
  thread_ = std::thread(std::move(loop));
}

void FollowerThread::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (active_ != nullptr) active_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

bool FollowerThread::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

bool FollowerThread::Activate(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  active_ = context;
  return true;
}

void FollowerThread::Deactivate() {
  absl::MutexLock lock(&mu_);
  active_ = nullptr;
}

bool FollowerThread::Sleep(absl::Duration duration) {
  absl::MutexLock lock(&mu_);
  const absl::Time until = absl::Now() + duration;
  while (!stopping_ && absl::Now() < until) {
    mu_.AwaitWithDeadline(absl::Condition(&stopping_), until);
  }
  return !stopping_;
}

}  // namespace analytics
