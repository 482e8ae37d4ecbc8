// Replication and status: the followers' state (GetFollowerStatus), the writer's indicator
// stream (WatchIndicatorChanges), and a replica's forwarding of writes to the writer.
#include <algorithm>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/correlation.h"
#include "common/errors.h"
#include "common/logging.h"
#include "services/analytics/service/analytics_service.h"
#include "services/analytics/service/handler_util.h"
#include "services/analytics/service/indicator_stream.h"

namespace analytics {
namespace {

// A write forwarded to the writer; and how long a replica then waits to apply it.
constexpr absl::Duration kForwardTimeout = absl::Seconds(30);
constexpr absl::Duration kReadYourWriteWait = absl::Seconds(5);

}  // namespace

grpc::ServerUnaryReactor* AnalyticsServiceImpl::GetFollowerStatus(
    grpc::CallbackServerContext* ctx, const v1::GetFollowerStatusRequest* request,
    v1::GetFollowerStatusResponse* response) {
  return Serve(ctx, "GetFollowerStatus", request, response, Mode::kNow,
               [this, response](const Call&) {
                 *response = follower_->Status();
                 if (replication_.replica()) {
                   *response->mutable_indicator_replication() = replication_.follower->Status();
                 } else {
                   v1::IndicatorReplication* r = response->mutable_indicator_replication();
                   r->set_role("writer");
                   r->set_last_applied_sequence(indicators_->last_sequence());
                   r->set_writer_head_sequence(indicators_->last_sequence());
                   r->set_log_id(indicators_->log_id());
                   r->set_synced(true);
                 }
                 return absl::OkStatus();
               });
}

grpc::ServerWriteReactor<v1::IndicatorChange>* AnalyticsServiceImpl::WatchIndicatorChanges(
    grpc::CallbackServerContext* ctx, const v1::WatchIndicatorChangesRequest* request) {
  absl::StatusOr<std::shared_ptr<const common::Principal>> caller =
      authorizer_->Authorize(*ctx, "WatchIndicatorChanges", *request);
  absl::Status status = caller.status();
  if (status.ok() && (replication_.replica() || replication_.hub == nullptr)) {
    status = common::WithReason(absl::FailedPreconditionError(
                                    "this analytics server is a read replica; follow the writer's "
                                    "WatchIndicatorChanges instead"),
                                "NOT_THE_WRITER");
  }
  if (status.ok()) status = CheckIndicatorWatch(*indicators_, *request);
  if (!status.ok()) return NewIndicatorStream(indicators_, replication_.hub, *request, status);
  return NewIndicatorStream(
      indicators_, replication_.hub, *request,
      common::CallGrant(authorizer_, *ctx, "WatchIndicatorChanges", *std::move(caller)));
}

void AnalyticsServiceImpl::PrepareForward(const grpc::CallbackServerContext& ctx,
                                          grpc::ClientContext* client) const {
  // The writer decides (validation, idempotency, etags); this thread waits for it, which is
  // fine for yearly figures written a few times a year. The caller's deadline and
  // cancellation come with `client` (a child of the call); this bounds the wait further.
  client->set_deadline(std::min(ctx.deadline(), absl::ToChronoTime(absl::Now() + kForwardTimeout)));
  auto auth = ctx.client_metadata().find("authorization");
  if (auth != ctx.client_metadata().end()) {
    client->AddMetadata("authorization", std::string(auth->second.data(), auth->second.size()));
  }
  common::PropagateCorrelation(ctx, client);  // the writer logs the same request id
}

grpc::Status AnalyticsServiceImpl::ForwardedStatus(absl::string_view method,
                                                   const grpc::ClientContext& client,
                                                   grpc::Status status) const {
  if (status.ok()) {
    auto head = client.GetServerTrailingMetadata().find(kIndicatorSequenceKey);
    uint64_t sequence = 0;
    if (head != client.GetServerTrailingMetadata().end() &&
        absl::SimpleAtoi(absl::string_view(head->second.data(), head->second.size()), &sequence) &&
        !replication_.follower->WaitApplied(sequence, kReadYourWriteWait)) {
      common::LogWarning(
          "write forwarded, but not yet applied here",
          {{"method", std::string(method)}, {"sequence", static_cast<int64_t>(sequence)}});
    }
  } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    status = grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        absl::StrCat("this read replica forwards writes to the analytics writer, which is "
                     "unavailable: ",
                     status.error_message()),
        status.error_details());
  }
  return status;
}

}  // namespace analytics
