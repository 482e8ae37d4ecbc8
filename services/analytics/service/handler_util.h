// File: services/analytics/service/handler_util.h
//
// What the handler files (analytics_service.h) share: the one shape of a unary handler
// (AnalyticsServiceImpl::Serve), and request_id replay for the writes.
//
//   return Serve(ctx, "GetIndicator", request, response, Mode::kNow,
//                [this, request, response](const Call&) -> absl::Status { ... });
//
// `how` is Mode::kNow (run on gRPC's callback thread), Mode::kOnPool (run on scan_pool_,
// after the handler returned: capture by value), or, for a write, the writer stub's method of
// the same name (&Stub::CreateIndicator): on a writer the handler runs here and the reply
// carries the indicator log head (kIndicatorSequenceKey); on a replica the writer decides
// (validation, idempotency, etags) and the handler does not run. Every call is authorized
// first, before validation and existence checks.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/pooled_call.h"
#include "common/status_macros.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/analytics/service/analytics_service.h"

namespace analytics {

using Stub = v1::AnalyticsService::StubInterface;

template <typename Request, typename Response, typename How, typename Handler>
grpc::ServerUnaryReactor* AnalyticsServiceImpl::Serve(grpc::CallbackServerContext* ctx,
                                                      absl::string_view method,
                                                      const Request* request,
                                                      [[maybe_unused]] Response* response, How how,
                                                      Handler handler) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<std::shared_ptr<const common::Principal>> principal =
      authorizer_->Authorize(*ctx, method, *request);
  if (!principal.ok()) {
    reactor->Finish(common::ToGrpcStatus(principal.status()));
    return reactor;
  }
  if constexpr (std::is_member_function_pointer_v<How>) {  // a write
    if (replication_.replica()) {
      // A child of this call: its deadline and cancellation pass on to the writer.
      std::unique_ptr<grpc::ClientContext> client =
          grpc::ClientContext::FromCallbackServerContext(*ctx);
      PrepareForward(*ctx, client.get());
      grpc::Status status = (replication_.writer->*how)(client.get(), *request, response);
      reactor->Finish(ForwardedStatus(method, *client, std::move(status)));
      return reactor;
    }
    common::Cancellation stop(ctx);
    absl::Status status = handler(Call{**principal, &stop});
    if (status.ok()) {
      ctx->AddTrailingMetadata(kIndicatorSequenceKey, absl::StrCat(indicators_->last_sequence()));
    }
    reactor->Finish(common::ToGrpcStatus(status));
  } else if (how == Mode::kOnPool) {
    common::FinishOnPool(scan_pool_, ctx, reactor, method,
                         [caller = *std::move(principal),
                          handler = std::move(handler)](common::Cancellation* stop) mutable {
                           return handler(Call{*caller, stop});
                         });
  } else {
    common::Cancellation stop(ctx);
    reactor->Finish(common::ToGrpcStatus(handler(Call{**principal, &stop})));
  }
  return reactor;
}

// Now, as a Timestamp.
google::protobuf::Timestamp Now();

// The first response of a request_id: true (and `response` filled) when `request` was done
// before; false to go ahead. The same id with another body is INVALID_ARGUMENT
// (REQUEST_ID_REUSED). `fingerprint` is the request's without its request_id, for
// RememberRequest. Call under the indicator store's write mutex.
template <typename Request, typename Response>
absl::StatusOr<bool> Replayed(const IndicatorStore& store, absl::string_view method,
                              const Request& request, Response* response, uint64_t* fingerprint) {
  Request without_id = request;
  without_id.clear_request_id();
  *fingerprint = Fingerprint(without_id);
  if (request.request_id().empty()) return false;
  ASSIGN_OR_RETURN(std::optional<dangbo::analytics::storage::v1::RequestRecord> record,
                   store.GetRequest(method, request.request_id()));
  if (!record.has_value()) return false;
  if (record->fingerprint() != *fingerprint) {
    return common::WithReason(
        common::InvalidField("request_id",
                             "was already used for a different request; use a "
                             "new request_id for a new request"),
        "REQUEST_ID_REUSED");
  }
  if (!response->ParseFromString(record->response())) {
    return absl::DataLossError("corrupt idempotency record");
  }
  return true;
}

// Adds to `batch` the response of `request_id` (none when empty), for Replayed.
template <typename Response>
void RememberRequest(IndicatorStore* store, IndicatorWrite* batch, absl::string_view method,
                     const std::string& request_id, uint64_t fingerprint,
                     const Response& response) {
  if (request_id.empty()) return;
  dangbo::analytics::storage::v1::RequestRecord record;
  record.set_fingerprint(fingerprint);
  record.set_response(response.SerializeAsString());
  *record.mutable_time() = Now();
  store->PutRequest(batch, method, request_id, record);
}

}  // namespace analytics
