// File: services/analytics/follower/records_follower.h
//
// Follows records' change stream (RecordsService.WatchChanges) into the party-statistics
// read model (ReadModelStore), strictly by the records contract:
//   - resumes from the last applied sequence (stored in the same WriteBatch as the
//     statistics it changed), passing the log_id it was built from;
//   - on OUT_OF_RANGE (log trimmed, ahead, or replaced) it rebuilds: GetChangeLogState,
//     list every organization, cell, member (FULL view) and inspection plan, recompute,
//     replace the read model in one WriteBatch, then watch from that state's last_sequence
//     (events after it re-apply idempotently: contributions are per resource, as last seen);
//   - heartbeats are not applied; they tell the head and the time it was caught up;
//   - when records is unreachable or the stream breaks, it reconnects with exponential
//     backoff (capped, ±20 % jitter) while the service keeps answering from what it has;
//   - every unary call has a deadline; the stream has one too (it is reopened when it
//     expires); the channel sends keepalive pings so a dead connection is noticed.
//
// Thread-safety: Start/Stop from one thread; Freshness/Status from any thread. The store
// must outlive the follower.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "dangbo/analytics/v1/analytics_service.pb.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "services/analytics/follower/follower_thread.h"
#include "services/analytics/store/read_model_store.h"

#include "grpcpp/security/credentials.h"

namespace analytics {

struct FollowerOptions {
  std::string records_target;  // e.g. "127.0.0.1:50051"; empty: do not follow
  // Transport to records: TLS/mTLS credentials (common::ClientCredentials); null: plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // The name records' certificate must carry when it differs from the target's host.
  std::string tls_server_name;
  // Sent as "authorization: Bearer <token>" on every call when not empty (a service token).
  std::string bearer_token;
  absl::Duration rpc_deadline = absl::Seconds(30);
  absl::Duration stream_deadline = absl::Minutes(30);
  absl::Duration heartbeat_interval = absl::Seconds(10);
  absl::Duration initial_backoff = absl::Milliseconds(250);
  absl::Duration max_backoff = absl::Seconds(30);
  absl::Duration keepalive_time = absl::Seconds(20);
  absl::Duration keepalive_timeout = absl::Seconds(10);
  int list_page_size = 1000;
};

// A channel to options.records_target with the follower's transport, keepalive and
// reconnect settings.
std::shared_ptr<grpc::Channel> NewFollowerChannel(const FollowerOptions& options);

class RecordsFollower {
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
  // Deadline and credentials metadata of every call to records.
  void Prepare(grpc::ClientContext* context, absl::Duration timeout) const;

  void Run();
  absl::Status FollowOnce();
  absl::Status Rebuild();
  // Events are applied in batches: one WriteBatch (and one sync) per heartbeat or per
  // kMaxBatchEvents events, never holding back an event once records says it is caught up.
  static ReadModelChange ChangeFor(const dangbo::records::v1::ChangeEvent& event);
  absl::Status ApplyBatch(const std::vector<ReadModelChange>& changes,
                          const dangbo::records::v1::ChangeEvent& last);
  void RecordError(const absl::Status& status);
  void SetState(dangbo::analytics::v1::Freshness::State state);

  ReadModelStore* store_;
  FollowerOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<dangbo::records::v1::RecordsService::Stub> stub_;
  FollowerThread thread_;
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
};

}  // namespace analytics
