// File: services/analytics/follower/records_follower.h
//
// Follows records' change stream (RecordsService.WatchChangeBatches: WatchChanges' events,
// many a message) into the party-statistics read model (ReadModelStore), strictly by the
// records contract, on the followers' one
// loop (stream_loop.h: batches, heartbeats, deadlines, backoff, reconnects):
//   - resumes from the last applied sequence (stored in the same WriteBatch as the
//     statistics it changed), passing the log_id it was built from;
//   - on OUT_OF_RANGE (log trimmed, ahead, or replaced) it rebuilds: GetChangeLogState,
//     list every organization, cell, member (FULL view), inspection plan, and each cell's
//     dues remittances and meetings, recompute,
//     replace the read model in one WriteBatch, then watch from that state's last_sequence
//     (events after it re-apply idempotently: contributions are per resource, as last seen);
//     it rebuilds the same way, once, a read model counted under older rules (NeedsRecount);
//   - events are applied in batches of up to 1,024 (one WriteBatch and one sync each);
//   - heartbeats are not applied; they tell the head and the time it was caught up;
//   - when records is unreachable or the stream breaks, it reconnects (the loop's backoff)
//     while the service keeps answering from what it has.
//
// Thread-safety: Start/Stop from one thread; Freshness/Status from any thread. The store
// must outlive the follower.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "dangbo/analytics/v1/analytics_service.pb.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "services/analytics/follower/stream_loop.h"
#include "services/analytics/store/read_model_store.h"

namespace analytics {

class RecordsFollower : private FollowedStream<dangbo::records::v1::ChangeEvent> {
 public:
  // `position` is the store's (ReadModelStore::LoadFollowerState).
  RecordsFollower(ReadModelStore* store, FollowerState position, FollowerOptions options);
  ~RecordsFollower();  // Stop()
  RecordsFollower(const RecordsFollower&) = delete;
  RecordsFollower& operator=(const RecordsFollower&) = delete;

  // Starts the following thread (nothing when records_target is empty).
  void Start();
  // Cancels the stream and joins the thread. Idempotent.
  void Stop();

  dangbo::analytics::v1::Freshness GetFreshness() const;
  dangbo::analytics::v1::GetFollowerStatusResponse Status() const;
  // Change events applied to the read model since Start (heartbeats and rebuilds not counted).
  uint64_t events_applied() const { return events_applied_.load(std::memory_order_relaxed); }

 private:
  using ChangeEvent = dangbo::records::v1::ChangeEvent;

  // FollowedStream: the records side of the loop (stream_loop.h).
  FollowerState position() const override;
  // Learns the log's identity on a new read model; rebuilds when asked to.
  absl::StatusOr<FollowerState> Prepare() override;
  std::unique_ptr<grpc::ClientReaderInterface<ChangeEvent>> Open(
      grpc::ClientContext* context, const FollowerState& position) override;
  void Connected() override;
  absl::Status Check(const ChangeEvent&, FollowerState*) override { return absl::OkStatus(); }
  // Every event's contribution, then one ReadModelStore::Apply with the position.
  absl::Status Apply(std::vector<ChangeEvent>* events, const FollowerState& position) override;
  void Heartbeat(const ChangeEvent& heartbeat, const FollowerState& position) override;
  // OUT_OF_RANGE: the next Prepare rebuilds.
  void Disconnected(const absl::Status& status, bool received) override;
  void Stopped() override;

  absl::Status Rebuild();
  static ReadModelChange ChangeFor(const ChangeEvent& event);
  void RecordError(const absl::Status& status);
  void SetState(dangbo::analytics::v1::Freshness::State state);

  ReadModelStore* store_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<dangbo::records::v1::RecordsService::Stub> stub_;
  bool need_rebuild_ = false;  // follower thread only

  mutable absl::Mutex mu_;
  FollowerState position_ ABSL_GUARDED_BY(mu_);
  dangbo::analytics::v1::Freshness::State state_ ABSL_GUARDED_BY(mu_);
  bool following_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<absl::Time> caught_up_time_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Time> connected_since_ ABSL_GUARDED_BY(mu_);
  int reconnects_ ABSL_GUARDED_BY(mu_) = 0;
  int rebuilds_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> events_applied_{0};
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Time> last_error_time_ ABSL_GUARDED_BY(mu_);
  StreamLoop<ChangeEvent> loop_;  // last: stopped (destroyed) before what it calls
};

}  // namespace analytics
