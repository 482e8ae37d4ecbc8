#include "services/records/storage/write_plan.h"

#include <cstdlib>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/logging.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/wire_format_lite.h"
#include "services/records/storage/keys.h"
#include "services/records/storage/revision.h"

namespace records {

// The parts of a ResourceChange only this file sees: its key and index entries.
class WritePlanInternal {
 public:
  static std::string& key(ResourceChange& c) { return c.key; }
  static const std::string& key(const ResourceChange& c) { return c.key; }
  static std::vector<IndexEntry>& index_before(ResourceChange& c) { return c.index_before; }
  static const std::vector<IndexEntry>& index_before(const ResourceChange& c) {
    return c.index_before;
  }
  static std::vector<IndexEntry>& index_after(ResourceChange& c) { return c.index_after; }
  static const std::vector<IndexEntry>& index_after(const ResourceChange& c) {
    return c.index_after;
  }
};

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

void SetStringField(Message* m, const char* field, const std::string& value) {
  const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(field);
  if (f != nullptr) m->GetReflection()->SetString(m, f, value);
}

void SetTimestampField(Message* m, const char* field, const google::protobuf::Timestamp& t) {
  const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(field);
  if (f != nullptr) m->GetReflection()->MutableMessage(m, f)->CopyFrom(t);
}

// The ChangeEvent / ResourceSnapshot oneof member that holds resources of `resource`'s type.
const FieldDescriptor* ResourceField(const google::protobuf::Descriptor* holder,
                                     const Message& resource) {
  for (int i = 0; i < holder->field_count(); ++i) {
    const FieldDescriptor* f = holder->field(i);
    if (f->containing_oneof() != nullptr && f->message_type() == resource.GetDescriptor()) {
      return f;
    }
  }
  return nullptr;
}

// Sets the ChangeEvent / ResourceSnapshot oneof member for the resource's type.
void SetResource(Message* holder, const Message& resource) {
  const FieldDescriptor* f = ResourceField(holder->GetDescriptor(), resource);
  if (f != nullptr) holder->GetReflection()->MutableMessage(holder, f)->CopyFrom(resource);
}

// Appends field `number` holding the serialized message `bytes` to a serialized message:
// parsing the result gives the message with that field set, as if it had been set before
// serializing, without copying or serializing the embedded message again.
void AppendMessageField(std::string* message, int number, absl::string_view bytes) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::StringOutputStream stream(message);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteTag(WireFormatLite::MakeTag(number, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  coded.WriteVarint32(static_cast<uint32_t>(bytes.size()));
  coded.WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
}

// Appends the resource serialized as `bytes` to `holder` (a serialized ChangeEvent or
// ResourceSnapshot of type `holder_type`) as its oneof member for the resource's type.
void AppendResource(std::string* holder, const google::protobuf::Descriptor* holder_type,
                    const Message& resource, absl::string_view bytes) {
  const FieldDescriptor* f = ResourceField(holder_type, resource);
  if (f != nullptr) AppendMessageField(holder, f->number(), bytes);
}

// What a unique index key holds: the resource field it comes from and the ErrorInfo reason
// of a conflict on it.
struct UniqueKind {
  const char* field;
  const char* reason;
};
UniqueKind UniqueKindOf(absl::string_view key) {
  switch (key.empty() ? keys::Index{0} : static_cast<keys::Index>(key[0])) {
    case keys::Index::kOrganizationCode:
      return {"code", "ORGANIZATION_CODE_TAKEN"};
    case keys::Index::kActiveCellName:
      return {"display_name", "CELL_DISPLAY_NAME_TAKEN"};
    case keys::Index::kUniqueNationalId:
      return {"national_id", "MEMBER_NATIONAL_ID_TAKEN"};
    case keys::Index::kUniquePartyCard:
      return {"party_card_number", "MEMBER_PARTY_CARD_NUMBER_TAKEN"};
    case keys::Index::kUniqueMemberFile:
      return {"member_file_number", "MEMBER_FILE_NUMBER_TAKEN"};
    default:
      return {"id", "ALREADY_EXISTS"};
  }
}

rocksdb::ColumnFamilyHandle* ResourceFamily(const RecordsDb& db,
                                            v1::ChangeEvent::ResourceType type) {
  switch (type) {
    case v1::ChangeEvent::ORGANIZATION:
      return db.cf(keys::kOrganizations);
    case v1::ChangeEvent::CELL:
      return db.cf(keys::kCells);
    case v1::ChangeEvent::MEMBER:
      return db.cf(keys::kMembers);
    case v1::ChangeEvent::INSPECTION_PLAN:
      return db.cf(keys::kInspectionPlans);
    case v1::ChangeEvent::DUES_RATE_TABLE:
    case v1::ChangeEvent::DUES_BASIS:
    case v1::ChangeEvent::DUES_PAYMENT:
    case v1::ChangeEvent::DUES_REMITTANCE:
      return db.cf(keys::kDues);
    case v1::ChangeEvent::MEETING:
      return db.cf(keys::kMeetings);
    default:
      common::LogError("unknown resource type", {{"type", static_cast<int>(type)}});
      std::abort();
  }
}

ResourceChange NewChange(v1::ChangeEvent::ResourceType type, std::string key, uint64_t revision) {
  ResourceChange c;
  c.type = type;
  WritePlanInternal::key(c) = std::move(key);
  c.revision = revision;
  return c;
}

}  // namespace

ResourceChange OrganizationChange(const std::string& id, uint64_t revision,
                                  const v1::Organization* before, v1::Organization after) {
  ResourceChange c = NewChange(v1::ChangeEvent::ORGANIZATION, keys::OrganizationKey(id), revision);
  if (before != nullptr) WritePlanInternal::index_before(c) = OrganizationIndexEntries(*before);
  WritePlanInternal::index_after(c) = OrganizationIndexEntries(after);
  c.after = std::make_shared<v1::Organization>(std::move(after));
  return c;
}

ResourceChange CellChange(const std::string& org, const std::string& cell_id, uint64_t revision,
                          const v1::Cell* before, v1::Cell after) {
  ResourceChange c = NewChange(v1::ChangeEvent::CELL, keys::CellKey(org, cell_id), revision);
  if (before != nullptr) WritePlanInternal::index_before(c) = CellIndexEntries(org, *before);
  WritePlanInternal::index_after(c) = CellIndexEntries(org, after);
  c.after = std::make_shared<v1::Cell>(std::move(after));
  return c;
}

ResourceChange MemberChange(const std::string& org, const std::string& member_id, uint64_t revision,
                            const v1::Member* before, v1::Member after) {
  ResourceChange c = NewChange(v1::ChangeEvent::MEMBER, keys::MemberKey(org, member_id), revision);
  if (before != nullptr) {
    WritePlanInternal::index_before(c) = MemberIndexEntries(org, member_id, *before);
  }
  WritePlanInternal::index_after(c) = MemberIndexEntries(org, member_id, after);
  if (after.history_size() > 0) {
    const v1::LifecycleEvent& last = after.history(after.history_size() - 1);
    c.member_event_kind = last.kind();
    c.member_event_id = last.event_id();
  }
  after.clear_party_age_years();
  after.clear_party_age_months();
  after.clear_next_badge_years();
  after.clear_next_badge_date();
  after.clear_derived_as_of();
  after.clear_masked_fields();
  c.after = std::make_shared<v1::Member>(std::move(after));
  return c;
}

ResourceChange InspectionPlanChange(const std::string& org, const std::string& id,
                                    uint64_t revision, v1::InspectionPlan after) {
  ResourceChange c =
      NewChange(v1::ChangeEvent::INSPECTION_PLAN, keys::InspectionPlanKey(org, id), revision);
  c.after = std::make_shared<v1::InspectionPlan>(std::move(after));
  return c;
}

ResourceChange DuesRateTableChange(const std::string& org, const std::string& id,
                                   v1::DuesRateTable after) {
  ResourceChange c =
      NewChange(v1::ChangeEvent::DUES_RATE_TABLE, keys::DuesRateTableKey(org, id), 0);
  c.after = std::make_shared<v1::DuesRateTable>(std::move(after));
  return c;
}

ResourceChange DuesBasisChange(const std::string& org, const std::string& member_id,
                               uint64_t revision, v1::DuesBasis after) {
  const uint32_t month =
      keys::MonthNumber(after.effective_from().year(), after.effective_from().month());
  ResourceChange c =
      NewChange(v1::ChangeEvent::DUES_BASIS,
                keys::MemberMonthKey(keys::DuesKind::kBasis, org, member_id, month), revision);
  c.after = std::make_shared<v1::DuesBasis>(std::move(after));
  return c;
}

ResourceChange DuesPaymentChange(const std::string& org, const std::string& member_id,
                                 uint64_t revision, v1::DuesPayment after) {
  const uint32_t month = keys::MonthNumber(after.period().year(), after.period().month());
  ResourceChange c =
      NewChange(v1::ChangeEvent::DUES_PAYMENT,
                keys::MemberMonthKey(keys::DuesKind::kPayment, org, member_id, month), revision);
  // The cell segment of "organizations/{o}/cells/{c}".
  const std::string& cell = after.cell();
  const std::string cell_id = cell.substr(cell.rfind('/') + 1);
  IndexEntry by_cell{keys::DuesPaymentByCellKey(org, cell_id, month, member_id),
                     WritePlanInternal::key(c)};
  WritePlanInternal::index_after(c) = {by_cell};
  // A correction keeps the cell, so the entry is the same before and after.
  if (revision != 0) WritePlanInternal::index_before(c) = {by_cell};
  c.after = std::make_shared<v1::DuesPayment>(std::move(after));
  return c;
}

ResourceChange DuesRemittanceChange(const std::string& org, const std::string& cell_id,
                                    uint64_t revision, v1::DuesRemittance after) {
  const uint32_t month = keys::MonthNumber(after.period().year(), after.period().month());
  ResourceChange c = NewChange(v1::ChangeEvent::DUES_REMITTANCE,
                               keys::DuesRemittanceKey(org, cell_id, month), revision);
  c.after = std::make_shared<v1::DuesRemittance>(std::move(after));
  return c;
}

ResourceChange MeetingChange(const std::string& org, const std::string& cell_id,
                             const std::string& meeting_id, uint64_t revision, v1::Meeting after) {
  ResourceChange c =
      NewChange(v1::ChangeEvent::MEETING, keys::MeetingKey(org, cell_id, meeting_id), revision);
  c.after = std::make_shared<v1::Meeting>(std::move(after));
  return c;
}

Precondition OrganizationGuard(const RecordsDb& db, absl::string_view organization_id,
                               uint64_t revision) {
  return Precondition::AtRevision(db.cf(keys::kOrganizations),
                                  keys::OrganizationKey(organization_id), revision);
}

Precondition CellGuard(const RecordsDb& db, absl::string_view organization_id,
                       absl::string_view cell_id, uint64_t revision) {
  return Precondition::AtRevision(db.cf(keys::kCells), keys::CellKey(organization_id, cell_id),
                                  revision);
}

Precondition MemberGuard(const RecordsDb& db, absl::string_view organization_id,
                         absl::string_view member_id, uint64_t revision) {
  return Precondition::AtRevision(db.cf(keys::kMembers),
                                  keys::MemberKey(organization_id, member_id), revision);
}

Precondition RequestIdUnused(const RecordsDb& db, absl::string_view request_id) {
  return Precondition::Absent(db.cf(keys::kRequests), keys::RequestKey(request_id));
}

std::vector<std::string> UniqueClaims(const ResourceChange& change) {
  return NewUniqueKeys(WritePlanInternal::index_before(change),
                       WritePlanInternal::index_after(change));
}

absl::StatusOr<std::optional<UniqueConflict>> FindUniqueConflict(const RecordsDb& db,
                                                                 const WritePlan& plan) {
  for (const ResourceChange& change : plan.changes) {
    const std::string name = ResourceName(*change.after);
    for (const std::string& key : NewUniqueKeys(WritePlanInternal::index_before(change),
                                                WritePlanInternal::index_after(change))) {
      absl::StatusOr<std::string> holder = db.store()->Get(db.cf(keys::kIndex), key);
      if (absl::IsNotFound(holder.status())) continue;
      if (!holder.ok()) return holder.status();
      if (*holder == name) continue;
      const UniqueKind kind = UniqueKindOf(key);
      return UniqueConflict{name, kind.field, kind.reason, *std::move(holder)};
    }
  }
  return std::nullopt;
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t micros = absl::ToUnixMicros(t);
  ts.set_seconds(micros / 1000000);
  ts.set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
  if (ts.nanos() < 0) {
    ts.set_seconds(ts.seconds() - 1);
    ts.set_nanos(ts.nanos() + 1000000000);
  }
  return ts;
}

std::string ResourceName(const Message& resource) {
  const FieldDescriptor* f = resource.GetDescriptor()->FindFieldByName("name");
  return f == nullptr ? std::string() : resource.GetReflection()->GetString(resource, f);
}

std::vector<std::string> ChangedFields(const Message& before, const Message& after) {
  std::vector<std::string> fields;
  const google::protobuf::Descriptor* d = after.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->name() == "etag" || f->name() == "update_time" || f->name() == "create_time") continue;
    std::string a, b;
    const google::protobuf::Reflection* r = after.GetReflection();
    if (f->is_repeated()) {
      if (r->FieldSize(before, f) != r->FieldSize(after, f)) {
        fields.push_back(f->name());
        continue;
      }
    }
    // Compare the field's serialized form.
    std::unique_ptr<Message> x(before.New()), y(after.New());
    std::vector<const FieldDescriptor*> one = {f};
    x->CopyFrom(before);
    y->CopyFrom(after);
    for (int j = 0; j < d->field_count(); ++j) {
      if (d->field(j) != f) {
        x->GetReflection()->ClearField(x.get(), d->field(j));
        y->GetReflection()->ClearField(y.get(), d->field(j));
      }
    }
    if (x->SerializeAsString() != y->SerializeAsString()) fields.push_back(f->name());
  }
  return fields;
}

namespace {

// Adds the preconditions every commit of `plan` carries: each resource still at the revision
// it was read at (absent for a creation), each new unique index key absent, the plan's guards.
void AddPreconditions(const RecordsDb& db, WritePlan* plan, std::vector<Precondition>* out) {
  for (const ResourceChange& c : plan->changes) {
    rocksdb::ColumnFamilyHandle* cf = ResourceFamily(db, c.type);
    out->push_back(c.revision == 0
                       ? Precondition::Absent(cf, WritePlanInternal::key(c))
                       : Precondition::AtRevision(cf, WritePlanInternal::key(c), c.revision));
    for (const std::string& key :
         NewUniqueKeys(WritePlanInternal::index_before(c), WritePlanInternal::index_after(c))) {
      out->push_back(Precondition::Absent(db.cf(keys::kIndex), key));
    }
  }
  for (Precondition& p : plan->preconditions) out->push_back(std::move(p));
  plan->preconditions.clear();
}

// Writes `p` into `batch` (see the file comment) but for the request_id record of `origin`:
// its changes take the change-log sequences from `first_change` on within `stamp`, its audit
// entry `audit_sequence`.
void BuildPlan(const RecordsDb* db, const WriteOrigin& origin, WritePlan& p,
               const CommitStamp& stamp, int first_change, uint64_t audit_sequence,
               rocksdb::WriteBatch* batch) {
  const google::protobuf::Timestamp commit_time = ToTimestamp(stamp.commit_time);
  std::string after_etag;
  std::string after_bytes;  // changes[0] serialized
  for (size_t i = 0; i < p.changes.size(); ++i) {
    ResourceChange& c = p.changes[i];
    const uint64_t sequence = stamp.sequence(first_change + static_cast<int>(i));
    Message* resource = c.after.get();
    SetStringField(resource, "etag", EtagForRevision(sequence));
    SetTimestampField(resource, "update_time", commit_time);
    if (c.revision == 0) SetTimestampField(resource, "create_time", commit_time);
    if (i == 0) after_etag = EtagForRevision(sequence);
    // Serialized once: the change event and the audit entry embed these bytes.
    std::string bytes = resource->SerializeAsString();
    batch->Put(ResourceFamily(*db, c.type), WritePlanInternal::key(c),
               EncodeVersioned(sequence, bytes));
    WriteIndexChanges(batch, db->cf(keys::kIndex), WritePlanInternal::index_before(c),
                      WritePlanInternal::index_after(c));
    v1::ChangeEvent event;
    event.set_sequence(sequence);
    *event.mutable_commit_time() = commit_time;
    event.set_resource_name(ResourceName(*resource));
    event.set_resource_type(c.type);
    event.set_change_kind(c.revision == 0 ? v1::ChangeEvent::CREATED : v1::ChangeEvent::UPDATED);
    event.set_member_event_kind(c.member_event_kind);
    event.set_member_event_id(c.member_event_id);
    event.set_method(origin.method);
    event.set_principal(origin.principal);
    std::string event_bytes = event.SerializeAsString();
    AppendResource(&event_bytes, v1::ChangeEvent::descriptor(), *resource, bytes);
    batch->Put(db->cf(keys::kChanges), keys::SequenceKey(sequence), event_bytes);
    if (i == 0) after_bytes = std::move(bytes);
  }
  v1::AuditEvent audit;
  audit.set_sequence(audit_sequence);
  *audit.mutable_time() = commit_time;
  audit.set_principal(origin.principal);
  audit.set_method(origin.method);
  audit.set_resource_name(p.audit_resource.empty() ? ResourceName(*p.changes[0].after)
                                                   : p.audit_resource);
  audit.set_request_id(origin.request_id);
  if (p.before != nullptr) {
    audit.set_before_etag(EtagForRevision(p.changes[0].revision));
    SetResource(audit.mutable_before(), *p.before);
  }
  audit.set_after_etag(after_etag);
  if (p.changed_fields.empty() && p.before != nullptr) {
    p.changed_fields = ChangedFields(*p.before, *p.changes[0].after);
  }
  for (const std::string& f : p.changed_fields) audit.add_changed_fields(f);
  audit.set_summary(p.summary);
  audit.set_result(v1::AuditEvent::SUCCEEDED);
  audit.set_change_sequence(stamp.sequence(first_change));
  audit.set_change_count(static_cast<int>(p.changes.size()));
  std::string snapshot;
  AppendResource(&snapshot, v1::ResourceSnapshot::descriptor(), *p.changes[0].after, after_bytes);
  std::string audit_bytes = audit.SerializeAsString();
  AppendMessageField(&audit_bytes, v1::AuditEvent::kAfterFieldNumber, snapshot);
  batch->Put(db->cf(keys::kAudit), keys::SequenceKey(audit_sequence), audit_bytes);
  for (auto& [request_id, record] : p.request_records) {
    record.time = stamp.commit_time;
    PutRequestRecord(batch, *db, request_id, record);
  }
}

}  // namespace

void CommitPlan(RecordsDb* db, const WriteOrigin& origin, const std::string& request_hash,
                WritePlan plan, Presenter present,
                std::function<void(const absl::Status&, std::shared_ptr<Message>)> done) {
  Mutation m;
  AddPreconditions(*db, &plan, &m.preconditions);
  if (!origin.request_id.empty()) {
    m.preconditions.push_back(
        Precondition::Absent(db->cf(keys::kRequests), keys::RequestKey(origin.request_id)));
  }
  m.change_count = static_cast<int>(plan.changes.size());
  auto shared_plan = std::make_shared<WritePlan>(std::move(plan));
  auto response = std::make_shared<std::shared_ptr<Message>>();
  m.build = [db, origin, request_hash, shared_plan, present, response](const CommitStamp& stamp,
                                                                       rocksdb::WriteBatch* batch) {
    WritePlan& p = *shared_plan;
    BuildPlan(db, origin, p, stamp, 0, stamp.audit_sequence, batch);
    std::shared_ptr<Message> out(p.changes[0].after->New());
    out->CopyFrom(*p.changes[0].after);
    if (present) present(out.get());
    if (!origin.request_id.empty()) {
      PutRequestRecord(batch, *db, origin.request_id,
                       {origin.method, request_hash, out->SerializeAsString(), stamp.commit_time});
    }
    *response = std::move(out);
  };
  m.done = [done, response](const absl::Status& status, const CommitStamp&) {
    done(status, status.ok() ? *response : nullptr);
  };
  db->commits()->Submit(std::move(m));
}

void CommitPlans(RecordsDb* db, const WriteOrigin& origin, std::vector<WritePlan> plans,
                 std::function<void(const absl::Status&)> done) {
  Mutation m;
  std::set<std::pair<uint32_t, std::string>> absent, written, guarded;
  bool overlap = false;
  for (WritePlan& plan : plans) {
    std::vector<Precondition> own;
    AddPreconditions(*db, &plan, &own);
    for (const ResourceChange& c : plan.changes) {
      const std::pair<uint32_t, std::string> key{ResourceFamily(*db, c.type)->GetID(),
                                                 WritePlanInternal::key(c)};
      overlap |= !written.insert(key).second || guarded.count(key) > 0;
    }
    for (Precondition& p : own) {
      std::pair<uint32_t, std::string> key{p.cf->GetID(), p.key};
      if (p.kind == Precondition::Kind::kAbsent) {
        // Two plans creating the same key (or claiming the same unique value).
        overlap |= !absent.insert(key).second;
      } else {
        overlap |= written.count(key) > 0;
        // The same guard in several plans is checked once.
        if (!guarded.insert(std::move(key)).second) continue;
      }
      m.preconditions.push_back(std::move(p));
    }
  }
  if (overlap) {
    // Each plan must be checked against the others' writes: commit them one by one.
    done(common::WithReason(absl::AbortedError("the plans of one commit write the same keys"),
                            "CONCURRENT_MODIFICATION"));
    return;
  }
  m.change_count = 0;
  for (const WritePlan& plan : plans) m.change_count += static_cast<int>(plan.changes.size());
  m.audit_count = static_cast<int>(plans.size());
  auto shared_plans = std::make_shared<std::vector<WritePlan>>(std::move(plans));
  m.build = [db, origin, shared_plans](const CommitStamp& stamp, rocksdb::WriteBatch* batch) {
    int first_change = 0;
    for (size_t i = 0; i < shared_plans->size(); ++i) {
      WritePlan& plan = (*shared_plans)[i];
      BuildPlan(db, origin, plan, stamp, first_change, stamp.audit(static_cast<int>(i)), batch);
      first_change += static_cast<int>(plan.changes.size());
    }
  };
  m.done = [done](const absl::Status& status, const CommitStamp&) { done(status); };
  db->commits()->Submit(std::move(m));
}

void AppendAuditEvent(RecordsDb* db, std::shared_ptr<v1::AuditEvent> audit) {
  Mutation m;
  m.change_count = 0;
  m.build = [db, audit](const CommitStamp& stamp, rocksdb::WriteBatch* batch) {
    audit->set_sequence(stamp.audit_sequence);
    *audit->mutable_time() = ToTimestamp(stamp.commit_time);
    batch->Put(db->cf(keys::kAudit), keys::SequenceKey(stamp.audit_sequence),
               audit->SerializeAsString());
  };
  db->commits()->Submit(std::move(m));
}

}  // namespace records
