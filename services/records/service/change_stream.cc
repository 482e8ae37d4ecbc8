// WatchChanges and GetChangeLogState.
#include <deque>
#include <type_traits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/hub_stream.h"
#include "google/protobuf/util/time_util.h"
#include "services/records/domain/meeting_rules.h"
#include "services/records/domain/member_rules.h"
#include "services/records/domain/personal_data.h"
#include "services/records/domain/validation.h"
#include "services/records/service/handler_util.h"
#include "services/records/service/records_service.h"
#include "services/records/service/write_path.h"
#include "services/records/storage/logs.h"

namespace records {
namespace {

// Events read from the log ahead of the stream: one message's worth for WatchChanges, one
// batch's for WatchChangeBatches.
constexpr size_t kReadAhead = 64;
constexpr size_t kBatchEvents = 1000;
constexpr size_t kBatchBytes = 1 << 20;

absl::Status OutOfRange(absl::string_view reason, std::string message) {
  return common::WithReason(absl::OutOfRangeError(std::move(message)), reason);
}

// One change stream: the backlog from the change log, then live events as the hub pumps it,
// one write in flight at a time, with HubStream's heartbeats. `Message` is a ChangeEvent
// (WatchChanges) or a ChangeBatch of the events ready to send (WatchChangeBatches).
template <typename Message>
class WatchReactor final : public common::HubStream<Message> {
  static constexpr bool kBatches = std::is_same_v<Message, v1::ChangeBatch>;

 public:
  // Ends at once with the error when `grant` is one.
  WatchReactor(RecordsDb* db, common::ChangeHub* hub, const v1::WatchChangesRequest& request,
               absl::StatusOr<common::CallGrant> grant)
      : db_(db) {
    scanned_ = request.start_after_sequence();
    for (int t : request.resource_types()) types_.insert(t);
    organization_ = request.organization();
    if (request.has_heartbeat_interval()) {
      this->set_heartbeat_interval(request.heartbeat_interval());
    }
    this->Open(hub, std::move(grant));
  }

 private:
  struct Buffered {
    v1::ChangeEvent event;
    size_t bytes;  // as stored in the log
  };

  bool Matches(const v1::ChangeEvent& e) const {
    if (!types_.empty() && types_.count(e.resource_type()) == 0) return false;
    if (!organization_.empty() && e.resource_name() != organization_ &&
        !absl::StartsWith(e.resource_name(), absl::StrCat(organization_, "/"))) {
      return false;
    }
    return true;
  }

  // Reads the next events after scanned_ (up to a message's worth of matching ones).
  void FillLocked() {
    const uint64_t head = db_->commits()->last_sequence();
    if (scanned_ >= head) return;
    const size_t read_ahead = kBatches ? kBatchEvents : kReadAhead;
    uint64_t expected = scanned_ + 1;
    bool ended = false;
    bool read_ahead_full = false;
    absl::Status read =
        ScanChangeLog(*db_, expected, [&](uint64_t sequence, absl::string_view bytes) {
          if (buffer_.size() >= read_ahead) {
            read_ahead_full = true;
            return false;
          }
          if (sequence != expected) {
            // The events this stream still needed were trimmed underneath it.
            this->EndLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                         absl::StrCat("fell behind the change log's retention "
                                                      "at sequence ",
                                                      expected, "; relist and watch again")));
            ended = true;
            return false;
          }
          Buffered next{v1::ChangeEvent(), bytes.size()};
          if (!next.event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
            this->EndLocked(
                grpc::Status(grpc::StatusCode::DATA_LOSS, "a change-log entry is corrupt"));
            ended = true;
            return false;
          }
          scanned_ = sequence;
          ++expected;
          if (Matches(next.event)) buffer_.push_back(std::move(next));
          return true;
        });
    if (ended) return;
    if (!read.ok()) {
      // A read error is not the end of the log: say what happened (the client resumes later).
      if (buffer_.empty()) this->EndLocked(common::ToGrpcStatus(read));
      return;
    }
    if (buffer_.empty() && scanned_ < head && !read_ahead_full) {
      this->EndLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                   "fell behind the change log's retention; relist and watch "
                                   "again"));
    }
  }

  // The next buffered event into `*out`, masked for the caller: false when none is ready.
  bool TakeEvent(v1::ChangeEvent* out, size_t* bytes) {
    if (buffer_.empty()) FillLocked();
    if (buffer_.empty()) return false;
    *out = std::move(buffer_.front().event);
    *bytes = buffer_.front().bytes;
    buffer_.pop_front();
    this->EventTaken(buffer_.empty() && scanned_ >= db_->commits()->last_sequence());
    // Entries logged before Member.statistics existed get it from the member's history.
    if (out->has_member() && !out->member().has_statistics()) {
      domain::SetStatistics(out->mutable_member());
    }
    // And cells logged before Cell.meeting_requirements existed get them from their dates.
    if (out->has_cell() && out->cell().meeting_requirements().empty()) {
      domain::SetMeetingRequirements(out->mutable_cell());
    }
    // Personal data and dues amounts unmasked only while the caller has pii.read and
    // dues.read.
    domain::MaskHeldResource(out, this->caller().Has(common::kPiiRead),
                             this->caller().Has(common::kDuesRead));
    return true;
  }

  bool Next(absl::Time now, Message* out) override {
    v1::ChangeEvent* event;
    size_t bytes = 0;
    if constexpr (kBatches) {
      // What is buffered now, up to a batch: a batch never waits for events to come.
      out->Clear();
      event = out->add_events();
      size_t total = 0;
      while (TakeEvent(event, &bytes)) {
        total += bytes;
        if (out->events_size() >= static_cast<int>(kBatchEvents) || total >= kBatchBytes ||
            buffer_.empty()) {
          return true;
        }
        event = out->add_events();
      }
      if (out->events_size() > 1) {  // the log ended the stream after some events
        out->mutable_events()->RemoveLast();
        return true;
      }
    } else {
      event = out;
      if (TakeEvent(event, &bytes)) return true;
    }
    if (!this->TakeHeartbeat(now)) return false;
    event->Clear();
    event->set_heartbeat(true);
    event->set_sequence(scanned_);
    *event->mutable_commit_time() = ToTimestamp(now);
    return true;
  }

  RecordsDb* db_;
  uint64_t scanned_ = 0;  // every event <= scanned_ was sent or filtered out (or buffered)
  std::set<int> types_;
  std::string organization_;
  std::deque<Buffered> buffer_;
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

// Authorizes and checks a change-stream request, then opens the stream that serves it.
template <typename Message>
grpc::ServerWriteReactor<Message>* OpenWatch(RecordsDb* db, common::ChangeHub* hub,
                                             const common::Authorizer* authorizer,
                                             grpc::CallbackServerContext* context,
                                             absl::string_view method,
                                             const v1::WatchChangesRequest& request) {
  absl::StatusOr<std::shared_ptr<const common::Principal>> caller =
      authorizer->Authorize(*context, method, request);
  absl::Status status = caller.status();
  if (status.ok()) status = domain::Validate(request);
  if (status.ok()) status = CheckResumePoint(*db, request);
  if (!status.ok()) return new WatchReactor<Message>(db, hub, request, status);
  return new WatchReactor<Message>(
      db, hub, request, common::CallGrant(authorizer, *context, method, *std::move(caller)));
}

}  // namespace

grpc::ServerWriteReactor<v1::ChangeEvent>* RecordsService::WatchChanges(
    grpc::CallbackServerContext* context, const v1::WatchChangesRequest* request) {
  return OpenWatch<v1::ChangeEvent>(db_, hub_, authorizer_, context, "WatchChanges", *request);
}

grpc::ServerWriteReactor<v1::ChangeBatch>* RecordsService::WatchChangeBatches(
    grpc::CallbackServerContext* context, const v1::WatchChangesRequest* request) {
  return OpenWatch<v1::ChangeBatch>(db_, hub_, authorizer_, context, "WatchChangeBatches",
                                    *request);
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
