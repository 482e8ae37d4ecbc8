// File: services/records/service/write_path.h
//
// How every records mutation is committed. A handler turns a request into a WritePlan (the
// resources after the change, with the revisions they were read at, their index entries, and
// what the audit entry says); CommitWrite() makes it one Mutation for the commit queue:
//   - preconditions: each resource still at the revision it was read at (or absent for a
//     creation), each new unique index key absent, the request_id unused;
//   - the build stamps each resource with its change-log sequence (revision, etag,
//     update_time, create_time for creations), writes it, replaces its index entries, writes
//     one ChangeEvent per resource, one AuditEvent and the request_id record holding the
//     response bytes.
// RunWrite() adds the call's protocol around it: a retried request_id returns the stored
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
#include "services/records/storage/commit_queue.h"
#include "services/records/storage/indexes.h"
#include "services/records/storage/records_db.h"

namespace records {

namespace v1 = ::dangbo::records::v1;

// One resource written by a mutation.
struct ResourceChange {
  v1::ChangeEvent::ResourceType type = v1::ChangeEvent::RESOURCE_TYPE_UNSPECIFIED;
  std::string key;        // in the resource's column family (derived from type)
  uint64_t revision = 0;  // the revision it was read at; 0: created by this write
  std::shared_ptr<google::protobuf::Message> after;  // the resource after the change
  std::vector<IndexEntry> index_before;
  std::vector<IndexEntry> index_after;
  // Members: the last history event this change appended.
  v1::LifecycleEvent::Kind member_event_kind = v1::LifecycleEvent::KIND_UNSPECIFIED;
  std::string member_event_id;
};

struct WritePlan {
  std::vector<ResourceChange> changes;      // changes[0] is the resource the call addressed
  std::vector<Precondition> preconditions;  // beyond the automatic ones
  std::shared_ptr<google::protobuf::Message> before;  // changes[0] before (audit); null: created
  std::vector<std::string> changed_fields;
  std::string summary;
  std::string audit_resource;  // default: changes[0]'s name
  // Extra writes in the same batch (e.g. import row records).
  std::function<void(const CommitStamp&, rocksdb::WriteBatch*)> extra;
};

// Column family of a resource type.
rocksdb::ColumnFamilyHandle* ResourceFamily(const RecordsDb& db,
                                            v1::ChangeEvent::ResourceType type);

// The resource's "name" field (reflection).
std::string ResourceName(const google::protobuf::Message& resource);

// Maps a stored resource to what callers see (members: derived fields). Applied to the
// response before it is stored with the request_id.
using Presenter = std::function<void(google::protobuf::Message*)>;

// Commits `plan`; `done` gets the status and, when OK, the stamped changes[0].
void CommitWrite(
    RecordsDb* db, const CallContext& ctx, const std::string& request_hash, WritePlan plan,
    Presenter present,
    std::function<void(const absl::Status&, std::shared_ptr<google::protobuf::Message>)> done);

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

// A precondition that keeps the organization at the revision it was read at, so that no
// write under it commits after a concurrent CloseOrganization or update.
Precondition OrganizationGuard(const RecordsDb& db, absl::string_view organization_id,
                               uint64_t revision);

// The top-level fields that differ between two versions of a resource (etag and times
// excluded), for the audit entry.
std::vector<std::string> ChangedFields(const google::protobuf::Message& before,
                                       const google::protobuf::Message& after);

// Converts a Time to a Timestamp.
google::protobuf::Timestamp ToTimestamp(absl::Time t);

}  // namespace records
