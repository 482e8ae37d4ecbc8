#include "services/analytics/follower/stream_loop.h"

#include <algorithm>
#include <random>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/correlation.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/logging.h"
#include "dangbo/analytics/v1/analytics_service.pb.h"
#include "dangbo/records/v1/change.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/channel_arguments.h"

namespace analytics {
namespace {

// One job at a time on a thread of its own: a connection's batches are applied there, in
// order, while the loop's thread reads and decodes the next batch from the stream.
class ApplyThread {
 public:
  ApplyThread() : thread_([this] { Loop(); }) {}
  ~ApplyThread() {
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
    }
    thread_.join();  // after the job in progress
  }
  ApplyThread(const ApplyThread&) = delete;
  ApplyThread& operator=(const ApplyThread&) = delete;

  // Starts `job`; call Wait() first (one job at a time).
  void Run(std::function<absl::Status()> job) {
    absl::MutexLock lock(&mu_);
    job_ = std::move(job);
    busy_ = true;
  }
  // Waits until the job in progress (if any) has ended; the first error of the jobs since
  // the last Wait.
  absl::Status Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](bool* busy) { return !*busy; }, &busy_));
    return std::exchange(status_, absl::OkStatus());
  }

 private:
  void Loop() {
    absl::MutexLock lock(&mu_);
    while (true) {
      mu_.Await(absl::Condition(
          +[](ApplyThread* t) { return t->job_ != nullptr || t->done_; }, this));
      if (job_ == nullptr) return;
      std::function<absl::Status()> job = std::move(job_);
      job_ = nullptr;
      mu_.Unlock();
      absl::Status status = job();
      mu_.Lock();
      if (status_.ok()) status_ = std::move(status);
      busy_ = false;
    }
  }

  absl::Mutex mu_;
  std::function<absl::Status()> job_ ABSL_GUARDED_BY(mu_);
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: started once the rest is initialized
};

}  // namespace

std::shared_ptr<grpc::Channel> NewFollowerChannel(const FollowerOptions& options) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_time)));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_timeout)));
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // Reconnection is paced by the follower's own backoff; keep gRPC's short.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options.initial_backoff)));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options.max_backoff)));
  if (!options.tls_server_name.empty()) {
    args.SetSslTargetNameOverride(options.tls_server_name);
  }
  return grpc::CreateCustomChannel(
      options.records_target,
      options.credentials != nullptr ? options.credentials : grpc::InsecureChannelCredentials(),
      args);
}

template <typename Event>
StreamLoop<Event>::StreamLoop(FollowedStream<Event>* stream, FollowerOptions options,
                              size_t max_batch)
    : stream_(stream), options_(std::move(options)), max_batch_(std::max<size_t>(1, max_batch)) {}

template <typename Event>
void StreamLoop<Event>::Start() {
  thread_.Start([this] { Run(); });
}

template <typename Event>
std::string StreamLoop<Event>::PrepareContext(grpc::ClientContext* context,
                                              absl::Duration timeout) const {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!options_.bearer_token.empty()) {
    context->AddMetadata("authorization", "Bearer " + options_.bearer_token);
  }
  return common::StartCorrelation(context);
}

template <typename Event>
absl::Status StreamLoop<Event>::Unary(
    const std::function<grpc::Status(grpc::ClientContext*)>& call) {
  grpc::ClientContext context;
  PrepareContext(&context, options_.rpc_deadline);
  if (!thread_.Activate(&context)) return absl::CancelledError("stopping");
  grpc::Status s = call(&context);
  thread_.Deactivate();
  return s.ok() ? absl::OkStatus() : common::FromGrpcStatus(s);
}

template <typename Event>
void StreamLoop<Event>::Run() {
  std::mt19937_64 random(std::random_device{}());
  absl::Duration backoff = options_.initial_backoff;
  while (!thread_.stopping()) {
    const uint64_t before = stream_->position().last_applied_sequence();
    bool delivered = false;
    absl::Status status = FollowOnce(&delivered);
    const bool received = delivered || stream_->position().last_applied_sequence() != before;
    if (thread_.stopping()) break;
    stream_->Disconnected(status, received);
    if (absl::IsOutOfRange(status)) continue;  // resume elsewhere (Prepare) right away
    if (absl::IsDeadlineExceeded(status) && received) continue;  // the stream's own deadline
    if (received) backoff = options_.initial_backoff;
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    if (!thread_.Sleep(backoff * jitter(random))) break;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  stream_->Stopped();
}

template <typename Event>
absl::Status StreamLoop<Event>::FollowOnce(bool* delivered) {
  absl::StatusOr<FollowerState> prepared = stream_->Prepare();
  if (!prepared.ok()) return prepared.status();
  FollowerState position = *std::move(prepared);
  grpc::ClientContext context;
  const std::string request_id = PrepareContext(&context, options_.stream_deadline);
  if (!thread_.Activate(&context)) return absl::CancelledError("stopping");
  // The source logs the stream's rpc line with the same request id when it ends.
  common::LogInfo("follower: stream opened",
                  {{"target", options_.records_target}, {"request_id", request_id}});
  std::unique_ptr<grpc::ClientReaderInterface<Event>> reader = stream_->Open(&context, position);

  // Events received and not yet applied; `position` includes the batch being applied and
  // `stored_log_id` the log id last written with it (a stream may learn it from its first
  // message: that is written too). Decoding the next batch overlaps with applying this one.
  std::vector<Event> pending;
  std::vector<Event> in_flight;
  std::string stored_log_id = position.log_id();
  ApplyThread apply;  // declared after in_flight: joined before it goes
  auto flush = [&]() -> absl::Status {
    if (pending.empty() && position.log_id() == stored_log_id) return absl::OkStatus();
    if (absl::Status s = apply.Wait(); !s.ok()) return s;
    FollowerState next = position;
    if (!pending.empty()) {
      next.set_last_applied_sequence(pending.back().sequence());
      *next.mutable_last_applied_commit_time() = pending.back().commit_time();
    }
    in_flight.swap(pending);
    pending.clear();
    apply.Run([this, &in_flight, next] { return stream_->Apply(&in_flight, next); });
    position = std::move(next);
    stored_log_id = position.log_id();
    return absl::OkStatus();
  };

  absl::Status error;
  Event message;
  while (error.ok() && reader->Read(&message)) {
    if (!*delivered) {
      *delivered = true;
      stream_->Connected();
    }
    error = stream_->Check(message, &position);
    if (!error.ok()) break;
    if (message.heartbeat()) {
      error = flush();
      if (error.ok()) error = apply.Wait();
      if (error.ok()) stream_->Heartbeat(message, position);
      continue;
    }
    const uint64_t applied =
        pending.empty() ? position.last_applied_sequence() : pending.back().sequence();
    if (message.sequence() <= applied) continue;  // already applied (or being applied)
    pending.push_back(std::move(message));
    if (pending.size() >= max_batch_) error = flush();
  }
  if (error.ok()) {
    error = flush();  // what arrived before the stream ended is complete: keep it
  }
  if (absl::Status last = apply.Wait(); error.ok()) error = std::move(last);
  if (!error.ok()) context.TryCancel();
  grpc::Status finished = reader->Finish();
  thread_.Deactivate();
  if (!error.ok()) return error;
  if (finished.ok()) {
    return absl::UnavailableError(absl::StrCat(options_.records_target, " ended the stream"));
  }
  return common::FromGrpcStatus(finished);
}

template class StreamLoop<dangbo::records::v1::ChangeEvent>;
template class StreamLoop<dangbo::analytics::v1::IndicatorChange>;

}  // namespace analytics
