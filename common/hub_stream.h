// File: common/hub_stream.h
//
// The mechanics every ChangeHub-driven server stream shares (records' WatchChanges, the
// analytics writer's WatchIndicatorChanges): registration with the hub, at most one write in
// flight, an end that waits for that write, cancellation, shutdown, self-deletion, and when a
// heartbeat is due. A stream only says what to send next (Next) from its own log.
//
// Heartbeats: one as soon as nothing is left to send at the start (the client knows the
// backlog is delivered), one each time the stream has sent every committed event (a follower
// may apply events in batches and flush on it), and one after each idle heartbeat interval.
//
// Credentials: a stream holds its call's CallGrant (common/call_grant.h) and checks it before
// each message and on each of the hub's idle ticks (every 100 ms), so a token removed from the
// token file, or a role that lost the method's permission, ends the stream within about a
// second of the change (the file is looked at once a second) with UNAUTHENTICATED /
// PERMISSION_DENIED, after the write in flight, if any. Next() reads caller() for what
// depends on other permissions (masking), as of the last check.
//
// Thread-safety: the hub thread and gRPC's reactor callbacks call in concurrently; every
// call into the stream's own code (Next) holds the stream's mutex.
#pragma once

#include <mutex>
#include <optional>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/call_grant.h"
#include "common/change_hub.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "google/protobuf/duration.pb.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"

namespace common {

template <typename Message>
class HubStream : public grpc::ServerWriteReactor<Message>, public ChangeStream {
 public:
  void Pump(absl::Time now) final {
    std::lock_guard<std::mutex> lock(mu_);
    PumpLocked(now);
  }

  void EndForShutdown() final {
    std::lock_guard<std::mutex> lock(mu_);
    EndLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down"));
  }

  void OnWriteDone(bool ok) final {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ = false;
    if (pending_finish_) {
      // An end was asked for while this write was in flight (a cancel, a shutdown): finish
      // now, whether the write went through or not. Without Finish there is no OnDone, the
      // stream stays registered and the server's shutdown waits for it forever.
      FinishLocked(pending_status_);
      return;
    }
    if (!ok) {
      EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke"));
      return;
    }
    PumpLocked(absl::Now());
  }

  void OnCancel() final {
    std::lock_guard<std::mutex> lock(mu_);
    EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
  }

  void OnDone() final {
    if (registered_) hub_->Unregister(this);
    delete this;
  }

 protected:
  HubStream() = default;

  // Call last in the derived constructor: ends the stream at once with the error when `grant`
  // is one, else registers with `hub` (ending with UNAVAILABLE when the hub is shut down).
  void Open(ChangeHub* hub, absl::StatusOr<CallGrant> grant) {
    std::lock_guard<std::mutex> lock(mu_);
    last_write_ = absl::Now();
    if (!grant.ok()) {
      FinishLocked(ToGrpcStatus(grant.status()));
      return;
    }
    grant_.emplace(*std::move(grant));
    hub_ = hub;
    if (!hub_->Register(this)) {
      FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down"));
      return;
    }
    registered_ = true;
  }

  // Under the stream's mutex: the next message to send into `*out` (true), or false when
  // nothing is due. May call EndLocked instead.
  virtual bool Next(absl::Time now, Message* out) = 0;

  // Under the stream's mutex (in Next): the caller, as of the grant's last check.
  const Principal& caller() const { return grant_->principal(); }

  // Ends the stream with `status` once the write in flight (if any) completes.
  void EndLocked(grpc::Status status) {
    if (finished_ || pending_finish_) return;
    if (in_flight_) {
      pending_finish_ = true;
      pending_status_ = std::move(status);
      return;
    }
    FinishLocked(std::move(status));
  }

  // The idle heartbeat interval (default 10 s); from the request, validated by the service.
  void set_heartbeat_interval(const google::protobuf::Duration& interval) {
    heartbeat_interval_ = absl::Seconds(interval.seconds()) + absl::Nanoseconds(interval.nanos());
  }
  // Next() after taking an event to send: `caught_up` when it was the last committed one.
  void EventTaken(bool caught_up) {
    if (caught_up) caught_up_heartbeat_due_ = true;
  }
  // Next() when it has no event: true when a heartbeat is due now (it is then counted as
  // sent; Next must send one).
  bool TakeHeartbeat(absl::Time now) {
    if (!caught_up_heartbeat_due_ && first_heartbeat_sent_ &&
        now - last_write_ < heartbeat_interval_) {
      return false;
    }
    first_heartbeat_sent_ = true;
    caught_up_heartbeat_due_ = false;
    return true;
  }

 private:
  void PumpLocked(absl::Time now) {
    if (finished_ || pending_finish_) return;
    if (absl::Status allowed = grant_->Check(); !allowed.ok()) {
      EndLocked(ToGrpcStatus(allowed));
      return;
    }
    if (in_flight_) return;
    if (!Next(now, &current_) || finished_ || pending_finish_) return;
    in_flight_ = true;
    last_write_ = now;
    this->StartWrite(&current_);
  }

  void FinishLocked(grpc::Status status) {
    if (finished_) return;
    finished_ = true;
    pending_finish_ = false;
    this->Finish(std::move(status));
  }

  std::mutex mu_;
  ChangeHub* hub_ = nullptr;
  bool registered_ = false;
  std::optional<CallGrant> grant_;  // set once registered
  Message current_;
  bool in_flight_ = false;
  bool finished_ = false;
  bool pending_finish_ = false;
  grpc::Status pending_status_;
  absl::Time last_write_;
  absl::Duration heartbeat_interval_ = absl::Seconds(10);
  bool first_heartbeat_sent_ = false;
  bool caught_up_heartbeat_due_ = false;
};

}  // namespace common
