// File: services/analytics/follower/indicator_follower.h
//
// A read replica's follower of the analytics writer's indicator log
// (AnalyticsService.WatchIndicatorChanges) into its own IndicatorStore:
//   - resumes after the last applied sequence, passing the log id it was built from; the
//     position is stored in the same WriteBatch as the changes it applied;
//   - a new store (no log id) or a replaced writer log (OUT_OF_RANGE) starts again from 0,
//     clearing the store in the first batch, so stale data never survives;
//   - changes are applied in batches (one WriteBatch per heartbeat or per 256 changes);
//   - reconnects (the followers' one loop, stream_loop.h: backoff, deadlines, heartbeats)
//     while the replica keeps serving what it has; keepalive pings notice a dead connection.
//
// synced() turns true the first time the replica has applied everything the writer had
// (a heartbeat at its position); the server reports NOT_SERVING until then.
//
// Thread-safety: Start/Stop from one thread; the rest from any thread. The store must
// outlive the follower.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "services/analytics/follower/stream_loop.h"
#include "services/analytics/store/indicator_store.h"

namespace analytics {

class IndicatorFollower : private FollowedStream<dangbo::analytics::v1::IndicatorChange> {
 public:
  // `options.records_target` and the transport fields name the WRITER here (the same
  // connection settings as for records: target, TLS, bearer token, deadlines, backoff).
  // `position` is the store's (IndicatorStore::LoadReplicaPosition).
  IndicatorFollower(IndicatorStore* store, FollowerState position, FollowerOptions options);
  ~IndicatorFollower();  // Stop()
  IndicatorFollower(const IndicatorFollower&) = delete;
  IndicatorFollower& operator=(const IndicatorFollower&) = delete;

  // Called once, from the follower thread, when synced() turns true.
  void OnSynced(std::function<void()> callback) { on_synced_ = std::move(callback); }

  void Start();
  // Cancels the stream and joins the thread. Idempotent.
  void Stop();

  bool synced() const;
  uint64_t last_applied_sequence() const;
  // Waits until the change at `sequence` (of the current log) is applied, or `timeout`
  // passes; true when applied.
  bool WaitApplied(uint64_t sequence, absl::Duration timeout) const;
  dangbo::analytics::v1::IndicatorReplication Status() const;

 private:
  using IndicatorChange = dangbo::analytics::v1::IndicatorChange;

  // FollowedStream: the replica side of the loop (stream_loop.h).
  FollowerState position() const override;
  // A store with no log id (new, or its writer's log was replaced) is cleared by its first
  // write from this log.
  absl::StatusOr<FollowerState> Prepare() override;
  std::unique_ptr<grpc::ClientReaderInterface<IndicatorChange>> Open(
      grpc::ClientContext* context, const FollowerState& position) override;
  void Connected() override;
  // Learns the log id from the first message; another log id is OUT_OF_RANGE.
  absl::Status Check(const IndicatorChange& message, FollowerState* position) override;
  absl::Status Apply(std::vector<IndicatorChange>* changes, const FollowerState& position) override;
  // The first heartbeat at the applied position makes the replica synced.
  void Heartbeat(const IndicatorChange& heartbeat, const FollowerState& position) override;
  // OUT_OF_RANGE (the writer's log was replaced): start again from nothing.
  void Disconnected(const absl::Status& status, bool received) override;
  void Stopped() override;

  IndicatorStore* store_;
  std::function<void()> on_synced_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<dangbo::analytics::v1::AnalyticsService::Stub> stub_;
  bool reset_ = false;  // follower thread only: the next write clears the store first

  mutable absl::Mutex mu_;
  FollowerState position_ ABSL_GUARDED_BY(mu_);
  uint64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  bool following_ ABSL_GUARDED_BY(mu_) = false;
  bool synced_ ABSL_GUARDED_BY(mu_) = false;
  int reconnects_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  StreamLoop<IndicatorChange> loop_;  // last: stopped (destroyed) before what it calls
};

}  // namespace analytics
