#include "common/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "absl/hash/hash.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "google/rpc/error_details.pb.h"

namespace common {

RateLimiter::RateLimiter(double rate_per_second, double burst)
    : rate_(rate_per_second), burst_(std::max(1.0, burst)) {}

absl::Status RateLimiter::Acquire(absl::string_view principal, absl::Time now) {
  if (rate_ <= 0) {
    return absl::OkStatus();
  }
  Shard& shard = shards_[absl::Hash<absl::string_view>()(principal) % shards_.size()];
  double wait_seconds = 0;
  {
    absl::MutexLock lock(&shard.mu);
    if (shard.buckets.size() >= kSweepAt) {
      absl::erase_if(shard.buckets, [&](const auto& entry) {
        const Bucket& b = entry.second;
        return b.tokens + std::max(0.0, absl::ToDoubleSeconds(now - b.updated)) * rate_ >= burst_;
      });
    }
    auto [it, inserted] = shard.buckets.try_emplace(std::string(principal), Bucket{burst_, now});
    Bucket& bucket = it->second;
    if (!inserted) {
      const double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - bucket.updated));
      bucket.tokens = std::min(burst_, bucket.tokens + elapsed * rate_);
      bucket.updated = now;
    }
    if (bucket.tokens >= 1.0) {
      bucket.tokens -= 1.0;
      return absl::OkStatus();
    }
    wait_seconds = (1.0 - bucket.tokens) / rate_;
  }
  google::rpc::RetryInfo retry;
  const absl::Duration delay = absl::Seconds(wait_seconds);
  retry.mutable_retry_delay()->set_seconds(absl::ToInt64Seconds(delay));
  retry.mutable_retry_delay()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(delay % absl::Seconds(1))));
  absl::Status status = absl::ResourceExhaustedError(
      absl::StrCat("request rate of ", principal, " is over ", rate_, " per second; retry after ",
                   absl::FormatDuration(delay)));
  status.SetPayload("type.googleapis.com/google.rpc.RetryInfo",
                    absl::Cord(retry.SerializeAsString()));
  return WithReason(std::move(status), "RATE_LIMITED", {{"principal", std::string(principal)}});
}

size_t RateLimiter::TrackedPrincipals() {
  size_t total = 0;
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    total += shard.buckets.size();
  }
  return total;
}

}  // namespace common
