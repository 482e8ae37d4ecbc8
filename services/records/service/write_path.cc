#include "services/records/service/write_path.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "common/auth.h"
#include "common/errors.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/inspection_plan.pb.h"
#include "dangbo/records/v1/member.pb.h"
#include "dangbo/records/v1/organization.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/records/domain/personal_data.h"
#include "services/records/storage/request_records.h"
#include "services/records/storage/revision.h"

namespace records {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr int kMaxAttempts = 8;

}  // namespace

absl::Status CheckUniqueKeys(const RecordsDb& db, const WritePlan& plan, bool pii_read) {
  ASSIGN_OR_RETURN(std::optional<UniqueConflict> conflict, FindUniqueConflict(db, plan));
  if (!conflict.has_value()) return absl::OkStatus();
  const UniqueConflict& c = *conflict;
  if (!pii_read && domain::IsPersonalDataPath(c.field)) {
    // Who holds a personal-data value is itself personal data (personal_data.h).
    return common::WithReason(
        absl::AlreadyExistsError(absl::StrCat(
            c.field, " of ", c.resource,
            " is already used by another member record; it must be unique (the holder is "
            "named only to callers with the \"",
            common::kPiiRead, "\" permission)")),
        c.reason, {{"field", c.field}});
  }
  return common::WithReason(
      absl::AlreadyExistsError(absl::StrCat(c.field, " of ", c.resource, " is already used by ",
                                            c.holder, "; it must be unique")),
      c.reason, {{"resource", c.holder}, {"field", c.field}});
}

absl::Status CheckEtag(absl::string_view etag, uint64_t revision, absl::string_view resource) {
  if (etag.empty() || etag == EtagForRevision(revision)) return absl::OkStatus();
  return common::WithReason(
      absl::AbortedError(absl::StrCat("etag ", etag, " is not the current etag of ", resource, " (",
                                      EtagForRevision(revision), "); read it again and retry")),
      "ETAG_MISMATCH", {{"resource", std::string(resource)}});
}

void CommitWrite(RecordsDb* db, const CallContext& ctx, const std::string& request_hash,
                 WritePlan plan, Presenter present,
                 std::function<void(const absl::Status&, std::shared_ptr<Message>)> done) {
  CommitPlan(db, {ctx.method, ctx.principal, ctx.request_id}, request_hash, std::move(plan),
             std::move(present), std::move(done));
}

void CommitWrites(RecordsDb* db, const CallContext& ctx, std::vector<WritePlan> plans,
                  std::function<void(const absl::Status&)> done) {
  CommitPlans(db, {ctx.method, ctx.principal, ctx.request_id}, std::move(plans), std::move(done));
}

void AuditFailure(RecordsDb* db, const CallContext& ctx, absl::string_view resource,
                  const absl::Status& status, absl::string_view what) {
  auto audit = std::make_shared<v1::AuditEvent>();
  audit->set_principal(ctx.principal);
  audit->set_method(ctx.method);
  audit->set_resource_name(std::string(resource));
  audit->set_request_id(ctx.request_id);
  const bool denied = status.code() == absl::StatusCode::kPermissionDenied ||
                      status.code() == absl::StatusCode::kUnauthenticated;
  audit->set_result(denied ? v1::AuditEvent::DENIED : v1::AuditEvent::FAILED);
  audit->set_status_code(static_cast<int>(status.code()));
  audit->set_reason(common::ErrorReason(status));
  const std::string summary =
      what.empty() ? std::string(status.message()) : absl::StrCat(what, ": ", status.message());
  audit->set_summary(summary.substr(0, 500));
  AppendAuditEvent(db, std::move(audit));
}

void AuditExport(RecordsDb* db, const CallContext& ctx, absl::string_view resource,
                 std::string summary) {
  auto audit = std::make_shared<v1::AuditEvent>();
  audit->set_principal(ctx.principal);
  audit->set_method(ctx.method);
  audit->set_resource_name(std::string(resource));
  audit->set_result(v1::AuditEvent::SUCCEEDED);
  audit->set_summary(std::move(summary));
  AppendAuditEvent(db, std::move(audit));
}

namespace {

struct WriteCall {
  RecordsDb* db;
  CallContext ctx;
  std::string request_hash;
  bool client_etag;
  std::function<absl::StatusOr<WritePlan>()> plan;
  Presenter present;
  Message* response;
  std::function<void(const absl::Status&)> finish;
  std::string resource_hint;
  int attempts = 0;
};

void Fail(const std::shared_ptr<WriteCall>& call, const absl::Status& status) {
  if (status.code() != absl::StatusCode::kInvalidArgument) {
    // Request-alone errors are not audited (nothing was attempted); the rest are.
    AuditFailure(call->db, call->ctx, call->resource_hint, status);
  }
  call->finish(status);
}

void Attempt(std::shared_ptr<WriteCall> call) {
  ++call->attempts;
  if (!call->ctx.request_id.empty()) {
    absl::StatusOr<std::optional<std::string>> stored =
        CheckRequestId(*call->db, call->ctx.request_id, call->ctx.method, call->request_hash);
    if (!stored.ok()) return call->finish(stored.status());
    if (stored->has_value()) {
      if (!call->response->ParseFromString(**stored)) {
        return call->finish(absl::DataLossError("the stored response is corrupt"));
      }
      return call->finish(absl::OkStatus());
    }
  }
  absl::StatusOr<WritePlan> plan = call->plan();
  if (!plan.ok()) return Fail(call, plan.status());
  if (plan->changes.empty()) return call->finish(absl::InternalError("empty write plan"));
  if (absl::Status unique = CheckUniqueKeys(*call->db, *plan, call->ctx.pii_read); !unique.ok()) {
    return Fail(call, unique);
  }
  CommitWrite(call->db, call->ctx, call->request_hash, *std::move(plan), call->present,
              [call](const absl::Status& status, std::shared_ptr<Message> result) {
                if (status.ok()) {
                  call->response->CopyFrom(*result);
                  return call->finish(status);
                }
                if (status.code() == absl::StatusCode::kAborted && !call->client_etag &&
                    call->attempts < kMaxAttempts) {
                  return Attempt(call);  // lost a race: read again and re-plan
                }
                Fail(call, status);
              });
}

}  // namespace

// The resource a request addresses, for audit entries of failed calls: its "name", the name
// of the resource it carries, or its "parent".
std::string RequestResource(const Message& request) {
  const google::protobuf::Descriptor* d = request.GetDescriptor();
  const google::protobuf::Reflection* r = request.GetReflection();
  if (const FieldDescriptor* f = d->FindFieldByName("name");
      f != nullptr && f->type() == FieldDescriptor::TYPE_STRING) {
    return r->GetString(request, f);
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->type() == FieldDescriptor::TYPE_MESSAGE && !f->is_repeated() &&
        r->HasField(request, f)) {
      const std::string name = ResourceName(r->GetMessage(request, f));
      if (!name.empty()) return name;
    }
  }
  if (const FieldDescriptor* f = d->FindFieldByName("parent"); f != nullptr) {
    return r->GetString(request, f);
  }
  return std::string();
}

void RunWrite(RecordsDb* db, CallContext ctx, const Message& request, bool client_etag,
              std::function<absl::StatusOr<WritePlan>()> plan, Presenter present, Message* response,
              std::function<void(const absl::Status&)> finish) {
  auto call = std::make_shared<WriteCall>();
  call->db = db;
  call->ctx = std::move(ctx);
  call->request_hash = call->ctx.request_id.empty() ? std::string() : RequestHash(request);
  call->client_etag = client_etag;
  call->plan = std::move(plan);
  call->present = std::move(present);
  call->response = response;
  call->finish = std::move(finish);
  call->resource_hint = RequestResource(request);
  Attempt(std::move(call));
}

}  // namespace records
