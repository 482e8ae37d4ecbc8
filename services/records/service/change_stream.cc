// WatchChanges and GetChangeLogState.
#include <deque>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/hub_stream.h"
#include "google/protobuf/util/time_util.h"
#include "services/records/domain/member_rules.h"
#include "services/records/domain/personal_data.h"
#include "services/records/domain/validation.h"
#include "services/records/service/handler_util.h"
#include "services/records/service/records_service.h"
#include "services/records/service/write_path.h"
#include "services/records/storage/logs.h"

namespace records {
namespace {

constexpr size_t kReadAhead = 64;

absl::Status OutOfRange(absl::string_view reason, std::string message) {
  return common::WithReason(absl::OutOfRangeError(std::move(message)), reason);
}

// One WatchChanges stream: the backlog from the change log, then live events as the hub
// pumps it, one write in flight at a time, with HubStream's heartbeats.
class WatchReactor final : public common::HubStream<v1::ChangeEvent> {
 public:
  // Ends at once with the error when `grant` is one.
  WatchReactor(RecordsDb* db, common::ChangeHub* hub, const v1::WatchChangesRequest& request,
               absl::StatusOr<common::CallGrant> grant)
      : db_(db) {
    scanned_ = request.start_after_sequence();
    for (int t : request.resource_types()) types_.insert(t);
    organization_ = request.organization();
    if (request.has_heartbeat_interval()) set_heartbeat_interval(request.heartbeat_interval());
    Open(hub, std::move(grant));
  }

 private:
  bool Matches(const v1::ChangeEvent& e) const {
    if (!types_.empty() && types_.count(e.resource_type()) == 0) return false;
    if (!organization_.empty() && e.resource_name() != organization_ &&
        !absl::StartsWith(e.resource_name(), absl::StrCat(organization_, "/"))) {
      return false;
    }
    return true;
  }

  // Reads the next events after scanned_ (up to kReadAhead matching ones).
  void FillLocked() {
    const uint64_t head = db_->commits()->last_sequence();
    if (scanned_ >= head) return;
    uint64_t expected = scanned_ + 1;
    bool ended = false;
    bool read_ahead_full = false;
    absl::Status read =
        ScanChangeLog(*db_, expected, [&](uint64_t sequence, absl::string_view bytes) {
          if (buffer_.size() >= kReadAhead) {
            read_ahead_full = true;
            return false;
          }
          if (sequence != expected) {
            // The events this stream still needed were trimmed underneath it.
            EndLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                   absl::StrCat("fell behind the change log's retention at "
                                                "sequence ",
                                                expected, "; relist and watch again")));
            ended = true;
            return false;
          }
          v1::ChangeEvent event;
          if (!event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
            EndLocked(grpc::Status(grpc::StatusCode::DATA_LOSS, "a change-log entry is corrupt"));
            ended = true;
            return false;
          }
          scanned_ = sequence;
          ++expected;
          if (Matches(event)) buffer_.push_back(std::move(event));
          return true;
        });
    if (ended) return;
    if (!read.ok()) {
      // A read error is not the end of the log: say what happened (the client resumes later).
      if (buffer_.empty()) EndLocked(common::ToGrpcStatus(read));
      return;
    }
    if (buffer_.empty() && scanned_ < head && !read_ahead_full) {
      EndLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                             "fell behind the change log's retention; relist and watch again"));
    }
  }

  bool Next(absl::Time now, v1::ChangeEvent* out) override {
    if (buffer_.empty()) FillLocked();
    if (!buffer_.empty()) {
      *out = std::move(buffer_.front());
      buffer_.pop_front();
      EventTaken(buffer_.empty() && scanned_ >= db_->commits()->last_sequence());
      // Entries logged before Member.statistics existed get it from the member's history.
      if (out->has_member() && !out->member().has_statistics()) {
        domain::SetStatistics(out->mutable_member());
      }
      // Members' personal data unmasked only while the caller has pii.read.
      if (out->has_member() && !caller().Has(common::kPiiRead)) {
        domain::MaskPersonalData(out->mutable_member());
      }
      return true;
    }
    if (!TakeHeartbeat(now)) return false;
    out->Clear();
    out->set_heartbeat(true);
    out->set_sequence(scanned_);
    *out->mutable_commit_time() = ToTimestamp(now);
    return true;
  }

  RecordsDb* db_;
  uint64_t scanned_ = 0;  // every event <= scanned_ was sent or filtered out (or buffered)
  std::set<int> types_;
  std::string organization_;
  std::deque<v1::ChangeEvent> buffer_;
};

absl::Status CheckResumePoint(const RecordsDb& db, const v1::WatchChangesRequest& request) {
  if (!request.log_id().empty() && request.log_id() != db.log_id()) {
    return OutOfRange(
        "CHANGE_LOG_ID_MISMATCH",
        absl::StrCat("log_id ", request.log_id(), " is not this change log (", db.log_id(),
                     "): the data was restored or replaced; relist and watch "
                     "from GetChangeLogState.last_sequence"));
  }
  const uint64_t head = db.commits()->last_sequence();
  const uint64_t first = db.first_retained_sequence();
  const uint64_t start = request.start_after_sequence();
  if (start > head) {
    return OutOfRange("CHANGE_LOG_AHEAD",
                      absl::StrCat("start_after_sequence ", start, " is beyond the head ", head,
                                   "; relist and watch from GetChangeLogState.last_sequence"));
  }
  if (start + 1 < first) {
    return OutOfRange("CHANGE_LOG_TRIMMED",
                      absl::StrCat("start_after_sequence ", start,
                                   " is no longer retained (first retained sequence ", first,
                                   "); relist and watch from GetChangeLogState.last_sequence"));
  }
  return absl::OkStatus();
}

}  // namespace

grpc::ServerWriteReactor<v1::ChangeEvent>* RecordsService::WatchChanges(
    grpc::CallbackServerContext* context, const v1::WatchChangesRequest* request) {
  absl::StatusOr<std::shared_ptr<const common::Principal>> caller =
      authorizer_->Authorize(*context, "WatchChanges", *request);
  absl::Status status = caller.status();
  if (status.ok()) status = domain::Validate(*request);
  if (status.ok()) status = CheckResumePoint(*db_, *request);
  if (!status.ok()) return new WatchReactor(db_, hub_, *request, status);
  return new WatchReactor(
      db_, hub_, *request,
      common::CallGrant(authorizer_, *context, "WatchChanges", *std::move(caller)));
}

grpc::ServerUnaryReactor* RecordsService::GetChangeLogState(
    grpc::CallbackServerContext* context, const v1::GetChangeLogStateRequest* request,
    v1::GetChangeLogStateResponse* response) {
  return ReplyNow(*authorizer_, context, "GetChangeLogState", *request, [&]() -> absl::Status {
    response->set_log_id(db_->log_id());
    response->set_last_sequence(db_->commits()->last_sequence());
    response->set_first_retained_sequence(db_->first_retained_sequence());
    if (db_->commits()->last_sequence() > 0) {
      *response->mutable_last_commit_time() = ToTimestamp(db_->commits()->last_commit_time());
    }
    const int64_t seconds = absl::ToInt64Seconds(options_.change_log_retention);
    response->mutable_retention()->set_seconds(seconds);
    return absl::OkStatus();
  });
}

}  // namespace records
