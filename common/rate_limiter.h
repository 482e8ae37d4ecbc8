// File: common/rate_limiter.h
//
// Per-principal token buckets, so one client cannot starve the rest: each principal may make
// `rate` requests a second on average and `burst` at once. Over the limit, Acquire() returns
// RESOURCE_EXHAUSTED with a google.rpc.RetryInfo saying when to retry.
//
// Thread-safe; principals are spread over shards so callers rarely share a lock.
#pragma once

#include <array>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace common {

class RateLimiter {
 public:
  // rate <= 0 turns limiting off.
  RateLimiter(double rate_per_second, double burst);

  absl::Status Acquire(absl::string_view principal) { return Acquire(principal, absl::Now()); }
  absl::Status Acquire(absl::string_view principal, absl::Time now);  // for tests

  // Principals with a bucket now. A bucket that has refilled completely behaves exactly like
  // a new one, so a shard that grows past kSweepAt drops those: memory follows the callers
  // active in the last burst/rate seconds, however many distinct names callers send.
  size_t TrackedPrincipals();

  static constexpr size_t kSweepAt = 1024;  // buckets per shard

 private:
  struct Bucket {
    double tokens;
    absl::Time updated;
  };
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Bucket> buckets ABSL_GUARDED_BY(mu);
  };
  const double rate_;
  const double burst_;
  std::array<Shard, 16> shards_;
};

}  // namespace common
