#include "services/analytics/follower/indicator_follower.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/logging.h"

namespace analytics {
namespace {

namespace v1 = ::dangbo::analytics::v1;

// Changes applied per WriteBatch at most while catching up; the writer's heartbeat after
// each drained backlog flushes a partial batch at once.
constexpr size_t kMaxBatchChanges = 256;

}  // namespace

IndicatorFollower::IndicatorFollower(IndicatorStore* store, FollowerState position,
                                     FollowerOptions options)
    : store_(store),
      position_(std::move(position)),
      loop_(this, std::move(options), kMaxBatchChanges) {}

IndicatorFollower::~IndicatorFollower() { Stop(); }

void IndicatorFollower::Start() {
  if (loop_.options().records_target.empty() || stub_ != nullptr) return;
  channel_ = NewFollowerChannel(loop_.options());
  stub_ = v1::AnalyticsService::NewStub(channel_);
  loop_.Start();
}

void IndicatorFollower::Stop() { loop_.Stop(); }

bool IndicatorFollower::synced() const {
  absl::MutexLock lock(&mu_);
  return synced_;
}

uint64_t IndicatorFollower::last_applied_sequence() const {
  absl::MutexLock lock(&mu_);
  return position_.last_applied_sequence();
}

bool IndicatorFollower::WaitApplied(uint64_t sequence, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto applied = [this, sequence]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return position_.last_applied_sequence() >= sequence;
  };
  mu_.AwaitWithTimeout(absl::Condition(&applied), timeout);
  return position_.last_applied_sequence() >= sequence;
}

v1::IndicatorReplication IndicatorFollower::Status() const {
  v1::IndicatorReplication out;
  out.set_role("replica");
  out.set_writer_target(loop_.options().records_target);
  absl::MutexLock lock(&mu_);
  out.set_following(following_);
  out.set_last_applied_sequence(position_.last_applied_sequence());
  out.set_writer_head_sequence(std::max(head_, position_.last_applied_sequence()));
  out.set_log_id(position_.log_id());
  out.set_synced(synced_);
  out.set_reconnects(reconnects_);
  out.set_last_error(last_error_);
  return out;
}

FollowerState IndicatorFollower::position() const {
  absl::MutexLock lock(&mu_);
  return position_;
}

absl::StatusOr<FollowerState> IndicatorFollower::Prepare() {
  FollowerState position = this->position();
  reset_ = position.log_id().empty();
  return position;
}

std::unique_ptr<grpc::ClientReaderInterface<v1::IndicatorChange>> IndicatorFollower::Open(
    grpc::ClientContext* context, const FollowerState& position) {
  v1::WatchIndicatorChangesRequest request;
  request.set_start_after_sequence(position.last_applied_sequence());
  request.set_log_id(position.log_id());
  request.mutable_heartbeat_interval()->set_seconds(
      std::max<int64_t>(1, absl::ToInt64Seconds(loop_.options().heartbeat_interval)));
  return stub_->WatchIndicatorChanges(context, request);
}

void IndicatorFollower::Connected() {
  absl::MutexLock lock(&mu_);
  following_ = true;
}

absl::Status IndicatorFollower::Check(const v1::IndicatorChange& message, FollowerState* position) {
  if (position->log_id().empty()) position->set_log_id(message.log_id());
  if (message.log_id() != position->log_id()) {
    return absl::OutOfRangeError("the writer's indicator log changed mid-stream");
  }
  return absl::OkStatus();
}

absl::Status IndicatorFollower::Apply(std::vector<v1::IndicatorChange>* changes,
                                      const FollowerState& position) {
  if (absl::Status s = store_->ApplyReplicated(*changes, position, reset_); !s.ok()) return s;
  reset_ = false;
  absl::MutexLock lock(&mu_);
  position_ = position;
  return absl::OkStatus();
}

void IndicatorFollower::Heartbeat(const v1::IndicatorChange& heartbeat,
                                  const FollowerState& position) {
  bool newly_synced = false;
  {
    absl::MutexLock lock(&mu_);
    head_ = heartbeat.sequence();
    if (head_ <= position_.last_applied_sequence() && !synced_) {
      synced_ = true;
      newly_synced = true;
    }
  }
  if (newly_synced) {
    common::LogInfo("indicator follower: synced with the writer",
                    {{"writer", loop_.options().records_target},
                     {"sequence", static_cast<int64_t>(position.last_applied_sequence())}});
    if (on_synced_) on_synced_();
  }
}

void IndicatorFollower::Disconnected(const absl::Status& status, bool) {
  {
    absl::MutexLock lock(&mu_);
    following_ = false;
    ++reconnects_;
    last_error_ = absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
    if (absl::IsOutOfRange(status)) position_ = FollowerState();
  }
  common::LogWarning("indicator follower: stream ended",
                     {{"writer", loop_.options().records_target}, {"error", status.ToString()}});
}

void IndicatorFollower::Stopped() {
  absl::MutexLock lock(&mu_);
  following_ = false;
}

}  // namespace analytics
