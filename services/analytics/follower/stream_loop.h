// File: services/analytics/follower/stream_loop.h
//
// The one loop analytics' stream followers run (RecordsFollower: records' WatchChangeBatches;
// IndicatorFollower: the writer's WatchIndicatorChanges). StreamLoop owns the thread and the
// control flow; what differs per stream sits behind FollowedStream:
//   - before each connection the stream says where to resume (FollowedStream::Prepare, which
//     may first learn the log's identity or rebuild from a full listing);
//   - events after the resume point are applied in batches: one write (events and position
//     together, so a restart neither skips nor counts twice) per heartbeat, per `max_batch`
//     events, or when the stream ends; events at or before the position are skipped;
//   - a batch is applied on a second thread while the loop's thread reads and decodes the
//     next one; batches are applied one at a time, in order;
//   - heartbeats are not applied; they flush the batch, then tell the stream the head;
//   - every call has a deadline (the stream's is longer; when it ends a stream that
//     delivered something, the stream is reopened at once) and the bearer token, if any;
//   - OUT_OF_RANGE (the resume point is gone or the log was replaced) reconnects at once,
//     the stream having decided in Disconnected what Prepare does next (rebuild, start over);
//   - any other end reconnects after a capped exponential backoff (±20 % jitter), reset once
//     a connection delivered something;
//   - Stop() cancels the call in progress and joins the thread.
//
// Thread-safety: Start/Stop from the owner's thread. FollowedStream's methods are called on
// the loop's thread, except Apply (on the connection's apply thread: one at a time, never
// during Prepare, Heartbeat, Disconnected or Stopped, but possibly during Open, Connected and
// Check) and position() (any thread). Unary() is for FollowedStream::Prepare.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "dangbo/analytics/storage/v1/storage.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/sync_stream.h"
#include "services/analytics/follower/follower_thread.h"

namespace analytics {

using ::dangbo::analytics::storage::v1::FollowerState;

// How a follower reaches the server it follows (records, or the analytics writer).
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

// The per-stream parts of a follower. `Event` is the stream's message: it has sequence(),
// commit_time() and heartbeat() (a heartbeat's sequence is the source's head).
template <typename Event>
class FollowedStream {
 public:
  virtual ~FollowedStream() = default;

  // The position applied so far (any thread).
  virtual FollowerState position() const = 0;
  // Before each connection: the position to resume after (may learn the log, or rebuild).
  virtual absl::StatusOr<FollowerState> Prepare() = 0;
  // Opens the stream after `position` on `context` (deadline and credentials set).
  virtual std::unique_ptr<grpc::ClientReaderInterface<Event>> Open(
      grpc::ClientContext* context, const FollowerState& position) = 0;
  // The first message of a connection arrived.
  virtual void Connected() = 0;
  // Every message, before anything else looks at it: may complete `position` (e.g. the log
  // id); an error ends the connection.
  virtual absl::Status Check(const Event& message, FollowerState* position) = 0;
  // Applies `events` (in order, possibly none) and stores `position`, in one write.
  virtual absl::Status Apply(std::vector<Event>* events, const FollowerState& position) = 0;
  // A heartbeat, after everything before it was applied (`position`).
  virtual void Heartbeat(const Event& heartbeat, const FollowerState& position) = 0;
  // A connection ended with `status` (not called when stopping); `received` when it
  // delivered something or the position moved.
  virtual void Disconnected(const absl::Status& status, bool received) = 0;
  // The loop ended (Stop).
  virtual void Stopped() = 0;
};

template <typename Event>
class StreamLoop {
 public:
  // `stream` must outlive the loop. At most `max_batch` events per write.
  StreamLoop(FollowedStream<Event>* stream, FollowerOptions options, size_t max_batch);
  ~StreamLoop() { Stop(); }
  StreamLoop(const StreamLoop&) = delete;
  StreamLoop& operator=(const StreamLoop&) = delete;

  const FollowerOptions& options() const { return options_; }
  // Starts the loop's thread (nothing when already started).
  void Start();
  // Cancels the call in progress and joins the thread. Idempotent.
  void Stop() { thread_.Stop(); }

  // One unary call, `call(context)`, with the rpc deadline and credentials, cancelled by Stop.
  absl::Status Unary(const std::function<grpc::Status(grpc::ClientContext*)>& call);

 private:
  void Run();
  // One connection: `delivered` when a message arrived.
  absl::Status FollowOnce(bool* delivered);
  // Deadline, credentials and correlation metadata (a new x-request-id and traceparent,
  // common/correlation.h) of every call; returns the request id.
  std::string PrepareContext(grpc::ClientContext* context, absl::Duration timeout) const;

  FollowedStream<Event>* stream_;
  const FollowerOptions options_;
  const size_t max_batch_;
  FollowerThread thread_;
};

}  // namespace analytics
