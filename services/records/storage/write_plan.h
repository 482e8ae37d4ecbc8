// File: services/records/storage/write_plan.h
//
// What a records write changes, in the terms of the resources, and how it becomes one atomic
// commit. Handlers describe a write as a WritePlan — the resources after the change
// (OrganizationChange, CellChange, MemberChange, InspectionPlanChange: each knows its key and
// its index entries), the revisions they were read at, guards on other resources
// (OrganizationGuard, CellGuard, MemberGuard, RequestIdUnused), and what the audit entry says
// — and never see a key, a column family or a batch. CommitPlan() turns the plan into one
// Mutation for the commit queue:
//   - preconditions: each resource still at the revision it was read at (or absent for a
//     creation), each new unique index key absent, the request_id unused, and the guards;
//   - the batch stamps each resource with its change-log sequence (revision, etag,
//     update_time, create_time for creations), writes it, replaces its index entries, writes
//     one ChangeEvent per resource, one AuditEvent, the request_id record holding the response
//     bytes, and the plan's extra request records (import rows).
// This is the only place that knows how a write is laid out in the database, as
// WriteBatchInternal is for RocksDB's batches.
//
// Thread-safety: functions are reentrant; CommitPlan's callback runs on the commit thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "dangbo/records/v1/audit.pb.h"
#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/change.pb.h"
#include "dangbo/records/v1/dues.pb.h"
#include "dangbo/records/v1/inspection_plan.pb.h"
#include "dangbo/records/v1/meeting.pb.h"
#include "dangbo/records/v1/member.pb.h"
#include "dangbo/records/v1/organization.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/records/storage/commit_queue.h"
#include "services/records/storage/indexes.h"
#include "services/records/storage/records_db.h"
#include "services/records/storage/request_records.h"

namespace records {

namespace v1 = ::dangbo::records::v1;

// One resource written by a mutation. Made by the *Change functions below.
struct ResourceChange {
  v1::ChangeEvent::ResourceType type = v1::ChangeEvent::RESOURCE_TYPE_UNSPECIFIED;
  uint64_t revision = 0;  // the revision it was read at; 0: created by this write
  std::shared_ptr<google::protobuf::Message> after;  // the resource after the change
  // Members: the last history event this change appended.
  v1::LifecycleEvent::Kind member_event_kind = v1::LifecycleEvent::KIND_UNSPECIFIED;
  std::string member_event_id;

 private:
  friend class WritePlanInternal;
  std::string key;  // in the resource type's column family
  std::vector<IndexEntry> index_before;
  std::vector<IndexEntry> index_after;
};

// The change of a resource from `before` (null: created) at `revision` to `after`.
ResourceChange OrganizationChange(const std::string& organization_id, uint64_t revision,
                                  const v1::Organization* before, v1::Organization after);
ResourceChange CellChange(const std::string& organization_id, const std::string& cell_id,
                          uint64_t revision, const v1::Cell* before, v1::Cell after);
// Derived member fields (party age, badges, masking) are computed on read and never stored.
ResourceChange MemberChange(const std::string& organization_id, const std::string& member_id,
                            uint64_t revision, const v1::Member* before, v1::Member after);
ResourceChange InspectionPlanChange(const std::string& organization_id, const std::string& plan_id,
                                    uint64_t revision, v1::InspectionPlan after);

// Dues and meetings (dues.proto, meeting.proto). A payment is indexed under the cell it was
// recorded at (after.cell(), which a correction keeps); months are the resources' periods.
ResourceChange DuesRateTableChange(const std::string& organization_id, const std::string& table_id,
                                   v1::DuesRateTable after);
ResourceChange DuesBasisChange(const std::string& organization_id, const std::string& member_id,
                               uint64_t revision, v1::DuesBasis after);
ResourceChange DuesPaymentChange(const std::string& organization_id, const std::string& member_id,
                                 uint64_t revision, v1::DuesPayment after);
// A remittance is recorded once (revision 0) and rewritten only with recomputed outputs.
ResourceChange DuesRemittanceChange(const std::string& organization_id, const std::string& cell_id,
                                    uint64_t revision, v1::DuesRemittance after);
ResourceChange MeetingChange(const std::string& organization_id, const std::string& cell_id,
                             const std::string& meeting_id, uint64_t revision, v1::Meeting after);

// Guards: the write commits only if the resource is still at `revision` when it does, so
// that a concurrent close, merge or departure cannot slip in between read and commit.
Precondition OrganizationGuard(const RecordsDb& db, absl::string_view organization_id,
                               uint64_t revision);
Precondition CellGuard(const RecordsDb& db, absl::string_view organization_id,
                       absl::string_view cell_id, uint64_t revision);
Precondition MemberGuard(const RecordsDb& db, absl::string_view organization_id,
                         absl::string_view member_id, uint64_t revision);
// The write commits only if no record is stored under `request_id`.
Precondition RequestIdUnused(const RecordsDb& db, absl::string_view request_id);

struct WritePlan {
  std::vector<ResourceChange> changes;      // changes[0] is the resource the call addressed
  std::vector<Precondition> preconditions;  // guards beyond the automatic ones
  std::shared_ptr<google::protobuf::Message> before;  // changes[0] before (audit); null: created
  std::vector<std::string> changed_fields;            // default: ChangedFields(before, changes[0])
  std::string summary;
  std::string audit_resource;  // default: changes[0]'s name
  // request_id records written in the same batch (import rows); their time is the commit's.
  std::vector<std::pair<std::string, RequestRecord>> request_records;
};

// Who writes: the call's method, principal and request_id (empty: none).
struct WriteOrigin {
  std::string method;
  std::string principal;
  std::string request_id;
};

// Maps a stored resource to what callers see (members: derived fields). Applied to the
// response before it is stored with the request_id.
using Presenter = std::function<void(google::protobuf::Message*)>;

// Commits `plan` (see the file comment); `done` gets the status and, when OK, the stamped and
// presented changes[0]. `request_hash` is stored with the request_id record.
void CommitPlan(
    RecordsDb* db, const WriteOrigin& origin, const std::string& request_hash, WritePlan plan,
    Presenter present,
    std::function<void(const absl::Status&, std::shared_ptr<google::protobuf::Message>)> done);

// Commits `plans` atomically as one mutation, the bulk path of imports: each plan as
// CommitPlan would (its own change events and audit entry, in order), but checked and written
// together, the same guard once. All commit or none: ABORTED (CONCURRENT_MODIFICATION) when a
// precondition fails or when two plans write or claim the same key — commit them one by one
// then, to learn which. `origin.request_id` must be empty (plans carry their own records).
void CommitPlans(RecordsDb* db, const WriteOrigin& origin, std::vector<WritePlan> plans,
                 std::function<void(const absl::Status&)> done);

// The unique values (organization code, national ID, ...) `change` claims that its previous
// version did not, as opaque tokens: two changes claiming the same token conflict.
std::vector<std::string> UniqueClaims(const ResourceChange& change);

// A unique value the plan adds that another resource holds.
struct UniqueConflict {
  std::string resource;  // the plan's resource that adds it
  std::string field;     // "code", "display_name", "national_id", ...
  std::string reason;    // ErrorInfo reason, e.g. MEMBER_NATIONAL_ID_TAKEN
  std::string holder;    // the resource name holding it
};
// The first unique value of `plan` held by another resource, or nullopt.
absl::StatusOr<std::optional<UniqueConflict>> FindUniqueConflict(const RecordsDb& db,
                                                                 const WritePlan& plan);

// Appends `audit` to the audit log in a commit of its own (fire and forget); its sequence and
// time are the commit's.
void AppendAuditEvent(RecordsDb* db, std::shared_ptr<v1::AuditEvent> audit);

// The resource's "name" field (reflection).
std::string ResourceName(const google::protobuf::Message& resource);

// The top-level fields that differ between two versions of a resource (etag and times
// excluded), for the audit entry.
std::vector<std::string> ChangedFields(const google::protobuf::Message& before,
                                       const google::protobuf::Message& after);

// Converts a Time to a Timestamp.
google::protobuf::Timestamp ToTimestamp(absl::Time t);

}  // namespace records
