#include "services/analytics/follower/indicator_follower.h"

#include <algorithm>
#include <random>
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
    : store_(store), options_(std::move(options)), position_(std::move(position)) {}

IndicatorFollower::~IndicatorFollower() { Stop(); }

void IndicatorFollower::Start() {
  if (options_.records_target.empty() || stub_ != nullptr) return;
  channel_ = NewFollowerChannel(options_);
  stub_ = v1::AnalyticsService::NewStub(channel_);
  thread_.Start([this] { Run(); });
}

void IndicatorFollower::Stop() { thread_.Stop(); }

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
  out.set_writer_target(options_.records_target);
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

void IndicatorFollower::Run() {
  std::mt19937_64 random(std::random_device{}());
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    const uint64_t before = last_applied_sequence();
    absl::Status status = FollowOnce();
    bool received = false;
    {
      absl::MutexLock lock(&mu_);
      received = following_ || position_.last_applied_sequence() != before;
      following_ = false;
      if (thread_.stopping()) break;
      ++reconnects_;
      last_error_ = absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
      if (absl::IsOutOfRange(status)) {
        // The writer's log was replaced: start again from nothing.
        position_ = FollowerState();
      }
    }
    common::LogWarning("indicator follower: stream ended",
                       {{"writer", options_.records_target}, {"error", status.ToString()}});
    if (absl::IsOutOfRange(status)) continue;
    if (absl::IsDeadlineExceeded(status) && received) continue;  // the stream's own deadline
    if (received) backoff = options_.initial_backoff;
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    if (!thread_.Sleep(backoff * jitter(random))) break;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  absl::MutexLock lock(&mu_);
  following_ = false;
}

absl::Status IndicatorFollower::Apply(const std::vector<v1::IndicatorChange>& changes,
                                      const FollowerState& position, bool reset) {
  if (absl::Status s = store_->ApplyReplicated(changes, position, reset); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  position_ = position;
  return absl::OkStatus();
}

absl::Status IndicatorFollower::FollowOnce() {
  FollowerState position;
  {
    absl::MutexLock lock(&mu_);
    position = position_;
  }
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.stream_deadline));
  if (!options_.bearer_token.empty()) {
    context.AddMetadata("authorization", "Bearer " + options_.bearer_token);
  }
  if (!thread_.Activate(&context)) return absl::CancelledError("stopping");
  v1::WatchIndicatorChangesRequest request;
  request.set_start_after_sequence(position.last_applied_sequence());
  request.set_log_id(position.log_id());
  request.mutable_heartbeat_interval()->set_seconds(
      std::max<int64_t>(1, absl::ToInt64Seconds(options_.heartbeat_interval)));
  std::unique_ptr<grpc::ClientReader<v1::IndicatorChange>> reader =
      stub_->WatchIndicatorChanges(&context, request);
  // A store with no log id (new, or its writer's log was replaced) is cleared by its first
  // write from this log.
  bool reset = position.log_id().empty();
  std::vector<v1::IndicatorChange> pending;
  absl::Status apply_error;
  auto flush = [&] {
    if ((pending.empty() && !reset) || !apply_error.ok()) return;
    apply_error = Apply(pending, position, reset);
    if (apply_error.ok()) reset = false;
    pending.clear();
  };
  v1::IndicatorChange change;
  while (reader->Read(&change)) {
    if (position.log_id().empty()) position.set_log_id(change.log_id());
    if (change.log_id() != position.log_id()) {
      apply_error = absl::OutOfRangeError("the writer's indicator log changed mid-stream");
      context.TryCancel();
      break;
    }
    {
      absl::MutexLock lock(&mu_);
      following_ = true;
    }
    if (change.heartbeat()) {
      flush();
      if (!apply_error.ok()) {
        context.TryCancel();
        break;
      }
      bool newly_synced = false;
      {
        absl::MutexLock lock(&mu_);
        head_ = change.sequence();
        if (head_ <= position_.last_applied_sequence() && !synced_) {
          synced_ = true;
          newly_synced = true;
        }
      }
      if (newly_synced) {
        common::LogInfo("indicator follower: synced with the writer",
                        {{"writer", options_.records_target},
                         {"sequence", static_cast<int64_t>(position.last_applied_sequence())}});
        if (on_synced_) on_synced_();
      }
      continue;
    }
    if (change.sequence() <= position.last_applied_sequence()) continue;
    position.set_last_applied_sequence(change.sequence());
    *position.mutable_last_applied_commit_time() = change.commit_time();
    pending.push_back(std::move(change));
    if (pending.size() >= kMaxBatchChanges) flush();
    if (!apply_error.ok()) {
      context.TryCancel();
      break;
    }
  }
  flush();  // what arrived before the stream ended is complete: keep it
  grpc::Status finished = reader->Finish();
  thread_.Deactivate();
  if (!apply_error.ok()) return apply_error;
  if (finished.ok()) return absl::UnavailableError("the writer ended the indicator stream");
  return common::FromGrpcStatus(finished);
}

}  // namespace analytics
