// File: services/records/service/handler_util.h
//
// The two shapes every unary handler takes: a read answered at once, or a write answered
// from the commit callback (write_path.h). Both authorize the call first — before
// validation and before any existence check — with the method's permission
// (common/authorizer.h), mask members' personal data in the reply for callers without
// `pii.read`, and convert errors with common::ToGrpcStatus.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/authorizer.h"
#include "common/cancellation.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/pooled_call.h"
#include "common/work_pool.h"
#include "dangbo/records/v1/member.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "services/records/domain/personal_data.h"
#include "services/records/service/call_context.h"
#include "services/records/service/write_path.h"

namespace records {

// Masks personal data in `response` (a Member, a DuesBasis's amount, a Meeting's excuse
// reasons) when the caller lacks pii.read.
inline void MaskReply(const CallContext& ctx, google::protobuf::Message* response) {
  if (ctx.pii_read || response == nullptr) return;
  if (auto* member = dynamic_cast<v1::Member*>(response)) domain::MaskPersonalData(member);
  if (auto* basis = dynamic_cast<v1::DuesBasis*>(response)) domain::MaskPersonalData(basis);
  if (auto* meeting = dynamic_cast<v1::Meeting*>(response)) domain::MaskPersonalData(meeting);
}

// PERMISSION_DENIED: `what` needs pii.read, which the caller lacks.
inline absl::Status PersonalDataDenied(const CallContext& ctx, absl::string_view what) {
  return common::WithReason(absl::PermissionDeniedError(absl::StrCat(
                                what, " needs the \"", common::kPiiRead, "\" permission, which ",
                                ctx.principal, " does not have")),
                            "PERMISSION_DENIED",
                            {{"permission", common::kPiiRead}, {"method", ctx.method}});
}

// Authorizes `method`, then runs `read` (called with the CallContext, or with nothing) and
// finishes the call with its status. `read` masks what it returns itself (see
// CallContext::pii_read).
template <typename Read>
grpc::ServerUnaryReactor* ReplyNow(const common::Authorizer& authorizer,
                                   grpc::CallbackServerContext* context, absl::string_view method,
                                   const google::protobuf::Message& request, const Read& read) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::shared_ptr<const common::Principal>> caller =
      authorizer.Authorize(*context, method, request);
  if (!caller.ok()) {
    reactor->Finish(common::ToGrpcStatus(caller.status()));
    return reactor;
  }
  absl::Status status;
  if constexpr (std::is_invocable_v<const Read&, const CallContext&>) {
    status = read(MakeCallContext(**caller, method));
  } else {
    status = read();
  }
  reactor->Finish(common::ToGrpcStatus(status));
  return reactor;
}

// A read whose cost grows with the data (a list scan, a search, a headcount): authorized
// here, then run on `pool` (common/work_pool.h) so that gRPC's callback threads stay free for
// point reads; inline when `pool` is null. `read(const CallContext&, common::Cancellation*)`
// runs after the handler returned, so it must own what it captures (the request and
// response pointers stay valid until the call finishes); it ticks the Cancellation in its
// loops (common/pooled_call.h).
template <typename Read>
grpc::ServerUnaryReactor* ReplyFromPool(const common::Authorizer& authorizer,
                                        common::WorkPool* pool,
                                        grpc::CallbackServerContext* context,
                                        absl::string_view method,
                                        const google::protobuf::Message& request, Read read) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::shared_ptr<const common::Principal>> caller =
      authorizer.Authorize(*context, method, request);
  if (!caller.ok()) {
    reactor->Finish(common::ToGrpcStatus(caller.status()));
    return reactor;
  }
  common::FinishOnPool(pool, context, reactor, method,
                       [ctx = MakeCallContext(**caller, method),
                        read = std::move(read)](common::Cancellation* stop) mutable {
                         return read(static_cast<const CallContext&>(ctx), stop);
                       });
  return reactor;
}

// Extra permission checks of one write method on the authorized call (e.g. UpdateMember of
// personal data needs pii.read): PERMISSION_DENIED, checked before validation.
using Permit = std::function<absl::Status(const CallContext&)>;

// A write RPC: authorize `method`, `permit`, `validation` (request alone), then RunWrite with
// `plan`. A Member reply is masked for callers without pii.read. Nothing is written for a
// refused call, except the audit entry (DENIED) of a `permit` refusal.
inline grpc::ServerUnaryReactor* ReplyAfterCommit(
    const common::Authorizer& authorizer, RecordsDb* db, grpc::CallbackServerContext* context,
    absl::string_view method, const google::protobuf::Message& request,
    absl::string_view request_id, absl::string_view etag, const absl::Status& validation,
    std::function<absl::StatusOr<WritePlan>(const CallContext&)> plan, Presenter present,
    google::protobuf::Message* response, const Permit& permit = nullptr) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::shared_ptr<const common::Principal>> caller =
      authorizer.Authorize(*context, method, request);
  if (!caller.ok()) {
    reactor->Finish(common::ToGrpcStatus(caller.status()));
    return reactor;
  }
  CallContext ctx = MakeCallContext(**caller, method, request_id);
  if (permit) {
    if (absl::Status allowed = permit(ctx); !allowed.ok()) {
      AuditFailure(db, ctx, RequestResource(request), allowed);
      reactor->Finish(common::ToGrpcStatus(allowed));
      return reactor;
    }
  }
  if (!validation.ok()) {
    reactor->Finish(common::ToGrpcStatus(validation));
    return reactor;
  }
  RunWrite(
      db, ctx, request, !etag.empty(), [plan, ctx]() { return plan(ctx); }, std::move(present),
      response,
      [reactor, ctx, response](const absl::Status& s) {
        if (s.ok()) MaskReply(ctx, response);
        reactor->Finish(common::ToGrpcStatus(s));
      });
  return reactor;
}

// The one shape of every write RPC: after authorization `request` is validated
// (domain::Validate) and its text put in stored form (domain::NormalizeText); then
// `plan(ctx, req)`, given the normalized request, is committed under the request's
// request_id (ReplyAfterCommit; `etag` makes a lost race an error instead of a re-plan).
//
//   return ReplyWrite(*authorizer_, db, context, "UpdateCell", *request, request->cell().etag(),
//                     [db](const CallContext& ctx, const v1::UpdateCellRequest& req)
//                         -> absl::StatusOr<WritePlan> { ... }, CellPresenter(db), response);
template <typename Request, typename Plan>
grpc::ServerUnaryReactor* ReplyWrite(const common::Authorizer& authorizer, RecordsDb* db,
                                     grpc::CallbackServerContext* context, absl::string_view method,
                                     const Request& request, absl::string_view etag, Plan plan,
                                     Presenter present, google::protobuf::Message* response,
                                     const Permit& permit = nullptr);

}  // namespace records

#include "services/records/domain/validation.h"

namespace records {

template <typename Request, typename Plan>
grpc::ServerUnaryReactor* ReplyWrite(const common::Authorizer& authorizer, RecordsDb* db,
                                     grpc::CallbackServerContext* context, absl::string_view method,
                                     const Request& request, absl::string_view etag, Plan plan,
                                     Presenter present, google::protobuf::Message* response,
                                     const Permit& permit) {
  auto normalized = std::make_shared<Request>(request);
  absl::Status valid = domain::Validate(request);
  if (valid.ok()) valid = domain::NormalizeText(normalized.get());
  return ReplyAfterCommit(
      authorizer, db, context, method, request, request.request_id(), etag, valid,
      [normalized, plan = std::move(plan)](const CallContext& ctx) -> absl::StatusOr<WritePlan> {
        return plan(ctx, static_cast<const Request&>(*normalized));
      },
      std::move(present), response, permit);
}

}  // namespace records
