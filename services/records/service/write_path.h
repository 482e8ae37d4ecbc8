// File: services/records/service/write_path.h
//
// How every records write call runs. A handler turns a request into a WritePlan
// (storage/write_plan.h: the resources after the change, the revisions they were read at,
// guards, what the audit entry says); CommitWrite() commits it (storage/write_plan.h says
// how). RunWrite() adds the call's protocol around it: a retried request_id returns the stored
// response; a different request under the same id is INVALID_ARGUMENT; a commit that lost a
// race (ABORTED CONCURRENT_MODIFICATION) is planned again (up to 8 attempts in all) unless the
// client sent an etag; failures are audited (result FAILED) in a write of their own.
//
// Thread-safety: functions are reentrant; callbacks run on the commit thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dangbo/records/v1/audit.pb.h"
#include "dangbo/records/v1/change.pb.h"
#include "google/protobuf/message.h"
#include "services/records/service/call_context.h"
#include "services/records/storage/records_db.h"
#include "services/records/storage/write_plan.h"

namespace records {

namespace v1 = ::dangbo::records::v1;

// Commits `plan`; `done` gets the status and, when OK, the stamped changes[0].
void CommitWrite(
    RecordsDb* db, const CallContext& ctx, const std::string& request_hash, WritePlan plan,
    Presenter present,
    std::function<void(const absl::Status&, std::shared_ptr<google::protobuf::Message>)> done);

// Commits `plans` atomically (storage/write_plan.h CommitPlans: the bulk path of imports);
// `ctx.request_id` must be empty.
void CommitWrites(RecordsDb* db, const CallContext& ctx, std::vector<WritePlan> plans,
                  std::function<void(const absl::Status&)> done);

// Runs a write RPC end to end (see the file comment). `plan` is called on the calling thread
// and, for retries, on the commit thread. `finish` receives the final status; on OK the
// response has been copied into `response`.
void RunWrite(RecordsDb* db, CallContext ctx, const google::protobuf::Message& request,
              bool client_etag, std::function<absl::StatusOr<WritePlan>()> plan, Presenter present,
              google::protobuf::Message* response, std::function<void(const absl::Status&)> finish);

// ALREADY_EXISTS (reason e.g. MEMBER_NATIONAL_ID_TAKEN, ErrorInfo metadata "field") when a
// unique index key the plan adds is held by another resource. The holder is named (message
// and metadata "resource") unless the key is personal data (domain/personal_data.h: the
// national ID) and the caller lacks pii.read (`pii_read` false): who holds a national ID is
// personal data too, so such a caller learns only that the value is taken.
absl::Status CheckUniqueKeys(const RecordsDb& db, const WritePlan& plan, bool pii_read);

// The resource a request addresses, for audit entries of failed calls: its "name", the name
// of the resource it carries, or its "parent".
std::string RequestResource(const google::protobuf::Message& request);

// Writes an audit event for a call that failed or was denied (a write of its own; fire and
// forget): result DENIED or FAILED, the status code, the ErrorInfo reason, and as summary the
// message the caller got (prefixed with `what` when given, e.g. "ImportMembers row 7").
void AuditFailure(RecordsDb* db, const CallContext& ctx, absl::string_view resource,
                  const absl::Status& status, absl::string_view what = "");

// Writes the audit event of an export (result SUCCEEDED; fire and forget).
void AuditExport(RecordsDb* db, const CallContext& ctx, absl::string_view resource,
                 std::string summary);

// Checks that `etag` (when non-empty) is the etag of `revision`: ABORTED (ETAG_MISMATCH)
// naming the resource otherwise.
absl::Status CheckEtag(absl::string_view etag, uint64_t revision, absl::string_view resource);

}  // namespace records
