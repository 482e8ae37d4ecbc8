#include "services/records/service/write_path.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "common/auth.h"
#include "common/errors.h"
#include "common/logging.h"
#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/inspection_plan.pb.h"
#include "dangbo/records/v1/member.pb.h"
#include "dangbo/records/v1/organization.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/records/domain/personal_data.h"
#include "services/records/storage/keys.h"
#include "services/records/storage/request_records.h"
#include "services/records/storage/revision.h"

namespace records {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr int kMaxAttempts = 8;

void SetStringField(Message* m, const char* field, const std::string& value) {
  const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(field);
  if (f != nullptr) m->GetReflection()->SetString(m, f, value);
}

void SetTimestampField(Message* m, const char* field, const google::protobuf::Timestamp& t) {
  const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(field);
  if (f != nullptr) m->GetReflection()->MutableMessage(m, f)->CopyFrom(t);
}

// Sets the ChangeEvent / ResourceSnapshot oneof member for the resource's type.
void SetResource(Message* holder, const Message& resource) {
  const google::protobuf::Descriptor* d = holder->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->containing_oneof() != nullptr && f->message_type() == resource.GetDescriptor()) {
      holder->GetReflection()->MutableMessage(holder, f)->CopyFrom(resource);
      return;
    }
  }
}

std::string UniqueReason(absl::string_view key) {
  if (key.empty()) return "ALREADY_EXISTS";
  switch (static_cast<keys::Index>(key[0])) {
    case keys::Index::kOrganizationCode:
      return "ORGANIZATION_CODE_TAKEN";
    case keys::Index::kActiveCellName:
      return "CELL_DISPLAY_NAME_TAKEN";
    case keys::Index::kUniqueNationalId:
      return "MEMBER_NATIONAL_ID_TAKEN";
    case keys::Index::kUniquePartyCard:
      return "MEMBER_PARTY_CARD_NUMBER_TAKEN";
    case keys::Index::kUniqueMemberFile:
      return "MEMBER_FILE_NUMBER_TAKEN";
    default:
      return "ALREADY_EXISTS";
  }
}

std::string UniqueField(absl::string_view key) {
  switch (static_cast<keys::Index>(key[0])) {
    case keys::Index::kOrganizationCode:
      return "code";
    case keys::Index::kActiveCellName:
      return "display_name";
    case keys::Index::kUniqueNationalId:
      return "national_id";
    case keys::Index::kUniquePartyCard:
      return "party_card_number";
    case keys::Index::kUniqueMemberFile:
      return "member_file_number";
    default:
      return "id";
  }
}

}  // namespace

absl::Status CheckUniqueKeys(const RecordsDb& db, const WritePlan& plan, bool pii_read) {
  for (const ResourceChange& change : plan.changes) {
    const std::string name = ResourceName(*change.after);
    for (const std::string& key : NewUniqueKeys(change.index_before, change.index_after)) {
      absl::StatusOr<std::string> holder = db.store()->Get(db.cf(keys::kIndex), key);
      if (absl::IsNotFound(holder.status())) continue;
      if (!holder.ok()) return holder.status();
      if (*holder == name) continue;
      const std::string field = UniqueField(key);
      if (!pii_read && domain::IsPersonalDataPath(field)) {
        // Who holds a personal-data value is itself personal data (personal_data.h).
        return common::WithReason(
            absl::AlreadyExistsError(absl::StrCat(
                field, " of ", name,
                " is already used by another member record; it must be unique (the holder is "
                "named only to callers with the \"",
                common::kPiiRead, "\" permission)")),
            UniqueReason(key), {{"field", field}});
      }
      return common::WithReason(
          absl::AlreadyExistsError(absl::StrCat(field, " of ", name, " is already used by ",
                                                *holder, "; it must be unique")),
          UniqueReason(key), {{"resource", *holder}, {"field", field}});
    }
  }
  return absl::OkStatus();
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
    default:
      common::LogError("unknown resource type", {{"type", static_cast<int>(type)}});
      std::abort();
  }
}

std::string ResourceName(const Message& resource) {
  const FieldDescriptor* f = resource.GetDescriptor()->FindFieldByName("name");
  return f == nullptr ? std::string() : resource.GetReflection()->GetString(resource, f);
}

Precondition OrganizationGuard(const RecordsDb& db, absl::string_view organization_id,
                               uint64_t revision) {
  return Precondition::AtRevision(db.cf(keys::kOrganizations),
                                  keys::OrganizationKey(organization_id), revision);
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
  Mutation m;
  for (const ResourceChange& c : plan.changes) {
    rocksdb::ColumnFamilyHandle* cf = ResourceFamily(*db, c.type);
    m.preconditions.push_back(c.revision == 0 ? Precondition::Absent(cf, c.key)
                                              : Precondition::AtRevision(cf, c.key, c.revision));
    for (const std::string& key : NewUniqueKeys(c.index_before, c.index_after)) {
      m.preconditions.push_back(Precondition::Absent(db->cf(keys::kIndex), key));
    }
  }
  for (Precondition& p : plan.preconditions) m.preconditions.push_back(std::move(p));
  if (!ctx.request_id.empty()) {
    m.preconditions.push_back(
        Precondition::Absent(db->cf(keys::kRequests), keys::RequestKey(ctx.request_id)));
  }
  m.change_count = static_cast<int>(plan.changes.size());
  auto shared_plan = std::make_shared<WritePlan>(std::move(plan));
  auto response = std::make_shared<std::shared_ptr<Message>>();
  m.build = [db, ctx, request_hash, shared_plan, present, response](const CommitStamp& stamp,
                                                                    rocksdb::WriteBatch* batch) {
    WritePlan& p = *shared_plan;
    const google::protobuf::Timestamp commit_time = ToTimestamp(stamp.commit_time);
    std::string after_etag;
    for (size_t i = 0; i < p.changes.size(); ++i) {
      ResourceChange& c = p.changes[i];
      const uint64_t sequence = stamp.sequence(static_cast<int>(i));
      Message* resource = c.after.get();
      SetStringField(resource, "etag", EtagForRevision(sequence));
      SetTimestampField(resource, "update_time", commit_time);
      if (c.revision == 0) SetTimestampField(resource, "create_time", commit_time);
      if (i == 0) after_etag = EtagForRevision(sequence);
      batch->Put(ResourceFamily(*db, c.type), c.key,
                 EncodeVersioned(sequence, resource->SerializeAsString()));
      WriteIndexChanges(batch, db->cf(keys::kIndex), c.index_before, c.index_after);
      v1::ChangeEvent event;
      event.set_sequence(sequence);
      *event.mutable_commit_time() = commit_time;
      event.set_resource_name(ResourceName(*resource));
      event.set_resource_type(c.type);
      event.set_change_kind(c.revision == 0 ? v1::ChangeEvent::CREATED : v1::ChangeEvent::UPDATED);
      event.set_member_event_kind(c.member_event_kind);
      event.set_member_event_id(c.member_event_id);
      event.set_method(ctx.method);
      event.set_principal(ctx.principal);
      SetResource(&event, *resource);
      batch->Put(db->cf(keys::kChanges), keys::SequenceKey(sequence), event.SerializeAsString());
    }
    v1::AuditEvent audit;
    audit.set_sequence(stamp.audit_sequence);
    *audit.mutable_time() = commit_time;
    audit.set_principal(ctx.principal);
    audit.set_method(ctx.method);
    audit.set_resource_name(p.audit_resource.empty() ? ResourceName(*p.changes[0].after)
                                                     : p.audit_resource);
    audit.set_request_id(ctx.request_id);
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
    audit.set_change_sequence(stamp.first_sequence);
    audit.set_change_count(stamp.change_count);
    SetResource(audit.mutable_after(), *p.changes[0].after);
    batch->Put(db->cf(keys::kAudit), keys::SequenceKey(stamp.audit_sequence),
               audit.SerializeAsString());
    std::shared_ptr<Message> out(p.changes[0].after->New());
    out->CopyFrom(*p.changes[0].after);
    if (present) present(out.get());
    if (!ctx.request_id.empty()) {
      PutRequestRecord(batch, *db, ctx.request_id,
                       {ctx.method, request_hash, out->SerializeAsString(), stamp.commit_time});
    }
    if (p.extra) p.extra(stamp, batch);
    *response = std::move(out);
  };
  m.done = [done, response](const absl::Status& status, const CommitStamp&) {
    done(status, status.ok() ? *response : nullptr);
  };
  db->commits()->Submit(std::move(m));
}

void AuditFailure(RecordsDb* db, const CallContext& ctx, absl::string_view resource,
                  const absl::Status& status, absl::string_view what) {
  Mutation m;
  m.change_count = 0;
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
  m.build = [db, audit](const CommitStamp& stamp, rocksdb::WriteBatch* batch) {
    audit->set_sequence(stamp.audit_sequence);
    *audit->mutable_time() = ToTimestamp(stamp.commit_time);
    batch->Put(db->cf(keys::kAudit), keys::SequenceKey(stamp.audit_sequence),
               audit->SerializeAsString());
  };
  db->commits()->Submit(std::move(m));
}

void AuditExport(RecordsDb* db, const CallContext& ctx, absl::string_view resource,
                 std::string summary) {
  Mutation m;
  m.change_count = 0;
  auto audit = std::make_shared<v1::AuditEvent>();
  audit->set_principal(ctx.principal);
  audit->set_method(ctx.method);
  audit->set_resource_name(std::string(resource));
  audit->set_result(v1::AuditEvent::SUCCEEDED);
  audit->set_summary(std::move(summary));
  m.build = [db, audit](const CommitStamp& stamp, rocksdb::WriteBatch* batch) {
    audit->set_sequence(stamp.audit_sequence);
    *audit->mutable_time() = ToTimestamp(stamp.commit_time);
    batch->Put(db->cf(keys::kAudit), keys::SequenceKey(stamp.audit_sequence),
               audit->SerializeAsString());
  };
  db->commits()->Submit(std::move(m));
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
