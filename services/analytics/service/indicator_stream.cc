#include "services/analytics/service/indicator_stream.h"

#include <deque>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "google/protobuf/util/time_util.h"

namespace analytics {
namespace {

namespace v1 = ::dangbo::analytics::v1;

constexpr size_t kReadAhead = 64;

class IndicatorStream final : public grpc::ServerWriteReactor<v1::IndicatorChange>,
                              public common::ChangeStream {
 public:
  IndicatorStream(IndicatorStore* store, common::ChangeHub* hub,
                  const v1::WatchIndicatorChangesRequest& request, absl::Status error)
      : store_(store), hub_(hub) {
    if (!error.ok()) {
      FinishLocked(common::ToGrpcStatus(error));
      return;
    }
    sent_ = request.start_after_sequence();
    if (request.has_heartbeat_interval()) {
      heartbeat_interval_ = absl::Seconds(request.heartbeat_interval().seconds()) +
                            absl::Nanoseconds(request.heartbeat_interval().nanos());
    }
    log_id_ = store_->log_id();
    last_write_ = absl::Now();
    if (!hub_->Register(this)) {
      FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down"));
      return;
    }
    registered_ = true;
  }

  void Pump(absl::Time now) override {
    std::lock_guard<std::mutex> lock(mu_);
    PumpLocked(now);
  }

  void EndForShutdown() override {
    std::lock_guard<std::mutex> lock(mu_);
    EndLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down"));
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ = false;
    if (!ok) {
      EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke"));
      return;
    }
    if (pending_finish_) {
      FinishLocked(pending_status_);
      return;
    }
    PumpLocked(absl::Now());
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
  }

  void OnDone() override {
    if (registered_) hub_->Unregister(this);
    delete this;
  }

 private:
  void PumpLocked(absl::Time now) {
    if (finished_ || pending_finish_ || in_flight_) return;
    if (buffer_.empty()) {
      absl::StatusOr<std::vector<v1::IndicatorChange>> next = store_->ReadLog(sent_, kReadAhead);
      if (!next.ok()) {
        EndLocked(common::ToGrpcStatus(next.status()));
        return;
      }
      for (v1::IndicatorChange& change : *next) buffer_.push_back(std::move(change));
    }
    if (!buffer_.empty()) {
      current_ = std::move(buffer_.front());
      buffer_.pop_front();
      sent_ = current_.sequence();
      if (buffer_.empty() && sent_ >= store_->last_sequence()) caught_up_heartbeat_due_ = true;
      Write(now);
      return;
    }
    if (caught_up_heartbeat_due_ || !first_heartbeat_sent_ ||
        now - last_write_ >= heartbeat_interval_) {
      current_.Clear();
      current_.set_heartbeat(true);
      current_.set_sequence(sent_);
      current_.set_log_id(log_id_);
      *current_.mutable_commit_time() =
          google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
      first_heartbeat_sent_ = true;
      caught_up_heartbeat_due_ = false;
      Write(now);
    }
  }

  void Write(absl::Time now) {
    in_flight_ = true;
    last_write_ = now;
    StartWrite(&current_);
  }

  void EndLocked(grpc::Status status) {
    if (finished_ || pending_finish_) return;
    if (in_flight_) {
      pending_finish_ = true;
      pending_status_ = std::move(status);
      return;
    }
    FinishLocked(std::move(status));
  }

  void FinishLocked(grpc::Status status) {
    if (finished_) return;
    finished_ = true;
    pending_finish_ = false;
    Finish(std::move(status));
  }

  IndicatorStore* store_;
  common::ChangeHub* hub_;
  std::mutex mu_;
  bool registered_ = false;
  std::string log_id_;
  uint64_t sent_ = 0;  // every change <= sent_ was sent or is buffered
  absl::Duration heartbeat_interval_ = absl::Seconds(10);
  std::deque<v1::IndicatorChange> buffer_;
  v1::IndicatorChange current_;
  bool in_flight_ = false;
  bool finished_ = false;
  bool pending_finish_ = false;
  grpc::Status pending_status_;
  bool first_heartbeat_sent_ = false;
  bool caught_up_heartbeat_due_ = false;
  absl::Time last_write_;
};

}  // namespace

absl::Status CheckIndicatorWatch(const IndicatorStore& store,
                                 const v1::WatchIndicatorChangesRequest& request) {
  if (request.has_heartbeat_interval()) {
    const auto& d = request.heartbeat_interval();
    const absl::Duration interval = absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
    if (interval < absl::Seconds(1) || interval > absl::Seconds(60)) {
      return common::InvalidField(
          "heartbeat_interval",
          absl::StrCat("must be 1s to 60s, got ", absl::FormatDuration(interval)));
    }
  }
  if (!request.log_id().empty() && request.log_id() != store.log_id()) {
    return common::WithReason(
        absl::OutOfRangeError(absl::StrCat(
            "log_id ", request.log_id(), " is not this writer's indicator log (", store.log_id(),
            "): its data was replaced; start again from 0 on an empty store")),
        "INDICATOR_LOG_ID_MISMATCH");
  }
  if (request.start_after_sequence() > store.last_sequence()) {
    return common::WithReason(absl::OutOfRangeError(absl::StrCat(
                                  "start_after_sequence ", request.start_after_sequence(),
                                  " is beyond the indicator log's head ", store.last_sequence())),
                              "INDICATOR_LOG_AHEAD");
  }
  return absl::OkStatus();
}

grpc::ServerWriteReactor<v1::IndicatorChange>* NewIndicatorStream(
    IndicatorStore* store, common::ChangeHub* hub, const v1::WatchIndicatorChangesRequest& request,
    absl::Status error) {
  return new IndicatorStream(store, hub, request, std::move(error));
}

}  // namespace analytics
