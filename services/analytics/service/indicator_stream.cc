#include "services/analytics/service/indicator_stream.h"

#include <deque>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/hub_stream.h"
#include "google/protobuf/util/time_util.h"

namespace analytics {
namespace {

namespace v1 = ::dangbo::analytics::v1;

constexpr size_t kReadAhead = 64;

class IndicatorStream final : public common::HubStream<v1::IndicatorChange> {
 public:
  IndicatorStream(IndicatorStore* store, common::ChangeHub* hub,
                  const v1::WatchIndicatorChangesRequest& request,
                  absl::StatusOr<common::CallGrant> grant)
      : store_(store), log_id_(store->log_id()), sent_(request.start_after_sequence()) {
    if (request.has_heartbeat_interval()) set_heartbeat_interval(request.heartbeat_interval());
    Open(hub, std::move(grant));
  }

 private:
  bool Next(absl::Time now, v1::IndicatorChange* out) override {
    if (buffer_.empty()) {
      absl::StatusOr<std::vector<v1::IndicatorChange>> next = store_->ReadLog(sent_, kReadAhead);
      if (!next.ok()) {
        EndLocked(common::ToGrpcStatus(next.status()));
        return false;
      }
      for (v1::IndicatorChange& change : *next) buffer_.push_back(std::move(change));
    }
    if (!buffer_.empty()) {
      *out = std::move(buffer_.front());
      buffer_.pop_front();
      sent_ = out->sequence();
      EventTaken(buffer_.empty() && sent_ >= store_->last_sequence());
      return true;
    }
    if (!TakeHeartbeat(now)) return false;
    out->Clear();
    out->set_heartbeat(true);
    out->set_sequence(sent_);
    out->set_log_id(log_id_);
    *out->mutable_commit_time() =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
    return true;
  }

  IndicatorStore* store_;
  const std::string log_id_;
  uint64_t sent_ = 0;  // every change <= sent_ was sent or is buffered
  std::deque<v1::IndicatorChange> buffer_;
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
    absl::StatusOr<common::CallGrant> grant) {
  return new IndicatorStream(store, hub, request, std::move(grant));
}

}  // namespace analytics
