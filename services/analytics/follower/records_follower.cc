#include "services/analytics/follower/records_follower.h"

#include <algorithm>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "services/analytics/follower/contributions.h"

namespace analytics {
namespace {

using ::dangbo::analytics::v1::Freshness;
using ::dangbo::records::v1::ChangeEvent;
using ::google::protobuf::util::TimeUtil;
namespace records = ::dangbo::records::v1;

// Events applied per WriteBatch at most while catching up (records sends a heartbeat each
// time it has delivered everything committed, which flushes a partial batch at once).
constexpr size_t kMaxBatchEvents = 1024;

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(t));
}
google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

// Pages through a List method: `call(page_token, &next_page_token)`.
template <typename Call>
absl::Status ForEachPage(Call call) {
  std::string token;
  do {
    std::string next;
    if (absl::Status s = call(token, &next); !s.ok()) return s;
    token = std::move(next);
  } while (!token.empty());
  return absl::OkStatus();
}

// A WatchChangeBatches stream read one event at a time, as the stream loop reads any stream.
class BatchedEvents final : public grpc::ClientReaderInterface<ChangeEvent> {
 public:
  explicit BatchedEvents(std::unique_ptr<grpc::ClientReaderInterface<records::ChangeBatch>> batches)
      : batches_(std::move(batches)) {}

  bool Read(ChangeEvent* event) override {
    while (next_ >= batch_.events_size()) {
      if (!batches_->Read(&batch_)) return false;
      next_ = 0;
    }
    event->Swap(batch_.mutable_events(next_++));
    return true;
  }
  bool NextMessageSize(uint32_t* size) override { return batches_->NextMessageSize(size); }
  grpc::Status Finish() override { return batches_->Finish(); }
  void WaitForInitialMetadata() override { batches_->WaitForInitialMetadata(); }

 private:
  std::unique_ptr<grpc::ClientReaderInterface<records::ChangeBatch>> batches_;
  records::ChangeBatch batch_;
  int next_ = 0;  // the next event of batch_ to hand out
};

}  // namespace

RecordsFollower::RecordsFollower(ReadModelStore* store, FollowerState position,
                                 FollowerOptions options)
    : store_(store),
      // Contributions counted under older rules are recounted from a full listing.
      need_rebuild_(NeedsRecount(position)),
      position_(std::move(position)),
      state_(Freshness::DISCONNECTED),
      loop_(this, std::move(options), kMaxBatchEvents) {}

RecordsFollower::~RecordsFollower() { Stop(); }

void RecordsFollower::Start() {
  if (loop_.options().records_target.empty() || stub_ != nullptr) return;
  channel_ = NewFollowerChannel(loop_.options());
  stub_ = records::RecordsService::NewStub(channel_);
  loop_.Start();
}

void RecordsFollower::Stop() { loop_.Stop(); }

void RecordsFollower::SetState(Freshness::State state) {
  absl::MutexLock lock(&mu_);
  state_ = state;
}

void RecordsFollower::RecordError(const absl::Status& status) {
  common::LogWarning("records follower: stream ended",
                     {{"target", loop_.options().records_target}, {"error", status.ToString()}});
  absl::MutexLock lock(&mu_);
  last_error_ = absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
  last_error_time_ = absl::Now();
}

FollowerState RecordsFollower::position() const {
  absl::MutexLock lock(&mu_);
  return position_;
}

absl::StatusOr<FollowerState> RecordsFollower::Prepare() {
  FollowerState position = this->position();
  if (!need_rebuild_ && position.log_id().empty()) {
    // A new read model: learn the log's identity; relist if it no longer starts at 1.
    records::GetChangeLogStateResponse log;
    RETURN_IF_ERROR(loop_.Unary(
        [&](grpc::ClientContext* context) { return stub_->GetChangeLogState(context, {}, &log); }));
    if (log.first_retained_sequence() > position.last_applied_sequence() + 1) {
      need_rebuild_ = true;
    } else {
      position.set_log_id(log.log_id());
      RETURN_IF_ERROR(store_->SaveFollowerState(position));
      absl::MutexLock lock(&mu_);
      position_ = position;
    }
  }
  if (need_rebuild_) {
    SetState(Freshness::REBUILDING);
    RETURN_IF_ERROR(Rebuild());
    need_rebuild_ = false;
    absl::MutexLock lock(&mu_);
    ++rebuilds_;
    position = position_;
    state_ = Freshness::CATCHING_UP;
  }
  return position;
}

std::unique_ptr<grpc::ClientReaderInterface<ChangeEvent>> RecordsFollower::Open(
    grpc::ClientContext* context, const FollowerState& position) {
  records::WatchChangesRequest request;
  request.set_start_after_sequence(position.last_applied_sequence());
  request.set_log_id(position.log_id());
  request.mutable_heartbeat_interval()->set_seconds(
      std::max<int64_t>(1, absl::ToInt64Seconds(loop_.options().heartbeat_interval)));
  return std::make_unique<BatchedEvents>(stub_->WatchChangeBatches(context, request));
}

void RecordsFollower::Connected() {
  absl::MutexLock lock(&mu_);
  following_ = true;
  connected_since_ = absl::Now();
  state_ = Freshness::CATCHING_UP;
}

void RecordsFollower::Heartbeat(const ChangeEvent& heartbeat, const FollowerState&) {
  absl::MutexLock lock(&mu_);
  head_ = heartbeat.sequence();
  if (head_ == position_.last_applied_sequence()) {
    caught_up_time_ = FromProto(heartbeat.commit_time());
    state_ = Freshness::CURRENT;
  } else {
    state_ = Freshness::CATCHING_UP;
  }
}

void RecordsFollower::Disconnected(const absl::Status& status, bool received) {
  {
    absl::MutexLock lock(&mu_);
    following_ = false;
    connected_since_.reset();
    ++reconnects_;
    if (state_ != Freshness::REBUILDING) state_ = Freshness::DISCONNECTED;
  }
  if (absl::IsOutOfRange(status)) {
    common::LogWarning("records follower: resume point not available; rebuilding",
                       {{"error", status.ToString()}});
    RecordError(status);
    need_rebuild_ = true;
    SetState(Freshness::REBUILDING);
    return;
  }
  if (absl::IsDeadlineExceeded(status) && received) return;  // the stream's own deadline
  RecordError(status);
}

void RecordsFollower::Stopped() {
  absl::MutexLock lock(&mu_);
  following_ = false;
  connected_since_.reset();
  state_ = Freshness::DISCONNECTED;
}

ReadModelChange RecordsFollower::ChangeFor(const ChangeEvent& event) {
  ReadModelChange change;
  change.resource_name = event.resource_name();
  const bool deleted = event.change_kind() == ChangeEvent::DELETED;
  switch (event.resource_case()) {
    case ChangeEvent::kOrganization:
      if (deleted) {
        change.delete_organization = true;
      } else {
        change.organization = event.organization();
      }
      break;
    case ChangeEvent::kCell:
      if (!deleted) change.contribution = CellContribution(event.cell());
      break;
    case ChangeEvent::kMember:
      if (!deleted) change.contribution = MemberContribution(event.member());
      break;
    case ChangeEvent::kInspectionPlan:
      if (!deleted) change.contribution = PlanContribution(event.inspection_plan());
      break;
    case ChangeEvent::kDuesRemittance:
      if (!deleted) change.contribution = RemittanceContribution(event.dues_remittance());
      break;
    case ChangeEvent::kMeeting:
      if (!deleted) change.contribution = MeetingContribution(event.meeting());
      break;
    case ChangeEvent::kDuesRateTable:
    case ChangeEvent::kDuesBasis:
    case ChangeEvent::kDuesPayment:
      // Counted through the remittances, whose closing records recomputes (and republishes)
      // when a payment or basis changes it: the position still moves.
      break;
    case ChangeEvent::RESOURCE_NOT_SET:
      break;  // nothing to fold, but the position still moves
  }
  return change;
}

absl::Status RecordsFollower::Apply(std::vector<ChangeEvent>* events,
                                    const FollowerState& position) {
  std::vector<ReadModelChange> changes;
  changes.reserve(events->size());
  for (const ChangeEvent& event : *events) changes.push_back(ChangeFor(event));
  RETURN_IF_ERROR(store_->Apply(changes, position));
  events_applied_.fetch_add(changes.size(), std::memory_order_relaxed);
  absl::MutexLock lock(&mu_);
  position_ = position;
  if (head_ != position.last_applied_sequence()) state_ = Freshness::CATCHING_UP;
  return absl::OkStatus();
}

absl::Status RecordsFollower::Rebuild() {
  common::LogInfo("records follower: rebuilding the read model from a full listing",
                  {{"target", loop_.options().records_target}});
  records::GetChangeLogStateResponse log;
  RETURN_IF_ERROR(loop_.Unary(
      [&](grpc::ClientContext* context) { return stub_->GetChangeLogState(context, {}, &log); }));
  // One unary call with a deadline, cancellable by Stop().
  auto call = [&](auto method, const auto& request, auto* response) -> absl::Status {
    return loop_.Unary([&](grpc::ClientContext* context) {
      return ((*stub_).*method)(context, request, response);
    });
  };
  std::vector<records::Organization> organizations;
  absl::Status s = ForEachPage([&](const std::string& token, std::string* next) {
    records::ListOrganizationsRequest request;
    request.set_page_size(loop_.options().list_page_size);
    request.set_page_token(token);
    records::ListOrganizationsResponse response;
    RETURN_IF_ERROR(call(&records::RecordsService::Stub::ListOrganizations, request, &response));
    for (auto& o : *response.mutable_organizations()) organizations.push_back(std::move(o));
    *next = response.next_page_token();
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  std::map<std::string, ContributionMap> contributions;
  std::vector<std::string> cells;
  for (const records::Organization& organization : organizations) {
    s = ForEachPage([&](const std::string& token, std::string* next) {
      records::ListCellsRequest request;
      request.set_parent(organization.name());
      request.set_page_size(loop_.options().list_page_size);
      request.set_page_token(token);
      records::ListCellsResponse response;
      RETURN_IF_ERROR(call(&records::RecordsService::Stub::ListCells, request, &response));
      for (const auto& cell : response.cells()) {
        contributions[cell.name()] = CellContribution(cell);
        cells.push_back(cell.name());
      }
      *next = response.next_page_token();
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    s = ForEachPage([&](const std::string& token, std::string* next) {
      records::ListMembersRequest request;
      request.set_parent(organization.name());
      request.set_page_size(loop_.options().list_page_size);
      request.set_page_token(token);
      request.set_view(records::MEMBER_VIEW_FULL);
      records::ListMembersResponse response;
      RETURN_IF_ERROR(call(&records::RecordsService::Stub::ListMembers, request, &response));
      for (const auto& member : response.members()) {
        contributions[member.name()] = MemberContribution(member);
      }
      *next = response.next_page_token();
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    s = ForEachPage([&](const std::string& token, std::string* next) {
      records::ListInspectionPlansRequest request;
      request.set_parent(organization.name());
      request.set_page_size(loop_.options().list_page_size);
      request.set_page_token(token);
      records::ListInspectionPlansResponse response;
      RETURN_IF_ERROR(
          call(&records::RecordsService::Stub::ListInspectionPlans, request, &response));
      for (const auto& plan : response.inspection_plans()) {
        contributions[plan.name()] = PlanContribution(plan);
      }
      *next = response.next_page_token();
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
  }
  // Each cell's remittances and meetings.
  for (const std::string& cell : cells) {
    s = ForEachPage([&](const std::string& token, std::string* next) {
      records::ListDuesRemittancesRequest request;
      request.set_parent(cell);
      request.set_page_size(loop_.options().list_page_size);
      request.set_page_token(token);
      records::ListDuesRemittancesResponse response;
      RETURN_IF_ERROR(
          call(&records::RecordsService::Stub::ListDuesRemittances, request, &response));
      for (const auto& remittance : response.dues_remittances()) {
        contributions[remittance.name()] = RemittanceContribution(remittance);
      }
      *next = response.next_page_token();
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    s = ForEachPage([&](const std::string& token, std::string* next) {
      records::ListMeetingsRequest request;
      request.set_parent(cell);
      request.set_page_size(loop_.options().list_page_size);
      request.set_page_token(token);
      records::ListMeetingsResponse response;
      RETURN_IF_ERROR(call(&records::RecordsService::Stub::ListMeetings, request, &response));
      for (const auto& meeting : response.meetings()) {
        contributions[meeting.name()] = MeetingContribution(meeting);
      }
      *next = response.next_page_token();
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
  }
  FollowerState state;
  state.set_last_applied_sequence(log.last_sequence());
  if (log.has_last_commit_time()) {
    *state.mutable_last_applied_commit_time() = log.last_commit_time();
  }
  state.set_log_id(log.log_id());
  RETURN_IF_ERROR(store_->ReplaceAll(organizations, contributions, state));
  common::LogInfo("records follower: read model rebuilt",
                  {{"organizations", static_cast<int64_t>(organizations.size())},
                   {"resources", static_cast<int64_t>(contributions.size())},
                   {"last_sequence", static_cast<int64_t>(log.last_sequence())}});
  absl::MutexLock lock(&mu_);
  position_ = state;
  head_ = log.last_sequence();
  return absl::OkStatus();
}

Freshness RecordsFollower::GetFreshness() const {
  absl::MutexLock lock(&mu_);
  Freshness f;
  f.set_state(state_);
  f.set_following(following_);
  f.set_last_applied_sequence(position_.last_applied_sequence());
  if (position_.has_last_applied_commit_time()) {
    *f.mutable_last_applied_commit_time() = position_.last_applied_commit_time();
  }
  f.set_source_head_sequence(std::max(head_, position_.last_applied_sequence()));
  if (caught_up_time_.has_value()) {
    *f.mutable_caught_up_time() = ToProto(*caught_up_time_);
    const absl::Duration staleness = std::max(absl::ZeroDuration(), absl::Now() - *caught_up_time_);
    *f.mutable_staleness() = TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(staleness));
  }
  f.set_log_id(position_.log_id());
  return f;
}

dangbo::analytics::v1::GetFollowerStatusResponse RecordsFollower::Status() const {
  dangbo::analytics::v1::GetFollowerStatusResponse out;
  *out.mutable_freshness() = GetFreshness();
  out.set_records_target(loop_.options().records_target);
  absl::MutexLock lock(&mu_);
  if (connected_since_.has_value()) *out.mutable_connected_since() = ToProto(*connected_since_);
  out.set_reconnects(reconnects_);
  out.set_rebuilds(rebuilds_);
  out.set_last_error(last_error_);
  if (last_error_time_.has_value()) *out.mutable_last_error_time() = ToProto(*last_error_time_);
  return out;
}

}  // namespace analytics
