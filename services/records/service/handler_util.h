// File: services/records/service/handler_util.h
//
// The two shapes every unary handler takes: a read answered at once, or a write answered
// from the commit callback (write_path.h). Both convert errors with common::ToGrpcStatus.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "services/records/service/call_context.h"
#include "services/records/service/write_path.h"

namespace records {

// Runs `read` and finishes the call with its status.
inline grpc::ServerUnaryReactor* ReplyNow(grpc::CallbackServerContext* context,
                                          const std::function<absl::Status()>& read) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(common::ToGrpcStatus(read()));
  return reactor;
}

// A write RPC: `validate` (request alone), then RunWrite with `plan`.
inline grpc::ServerUnaryReactor* ReplyAfterCommit(
    RecordsDb* db, grpc::CallbackServerContext* context, absl::string_view method,
    const google::protobuf::Message& request, absl::string_view request_id, absl::string_view etag,
    const absl::Status& validation,
    std::function<absl::StatusOr<WritePlan>(const CallContext&)> plan, Presenter present,
    google::protobuf::Message* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!validation.ok()) {
    reactor->Finish(common::ToGrpcStatus(validation));
    return reactor;
  }
  CallContext ctx = MakeCallContext(context, method, request_id);
  RunWrite(
      db, ctx, request, !etag.empty(), [plan, ctx]() { return plan(ctx); }, std::move(present),
      response, [reactor](const absl::Status& s) { reactor->Finish(common::ToGrpcStatus(s)); });
  return reactor;
}

// A normalized copy of a request (domain::NormalizeText): text in its stored form.
template <typename T>
absl::StatusOr<T> Normalized(const T& request);

}  // namespace records

#include "services/records/domain/validation.h"

namespace records {
template <typename T>
absl::StatusOr<T> Normalized(const T& request) {
  T copy = request;
  absl::Status s = domain::NormalizeText(&copy);
  if (!s.ok()) return s;
  return copy;
}
}  // namespace records
