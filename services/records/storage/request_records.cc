#include "services/records/storage/request_records.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "services/records/storage/keys.h"

namespace records {
namespace {

uint64_t Fnv1a(absl::string_view bytes, uint64_t basis) {
  uint64_t h = basis;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

std::string EncodeRequestRecord(const RequestRecord& record) {
  std::string out;
  keys::AppendString(&out, record.method);
  keys::AppendString(&out, record.request_hash);
  keys::AppendUint64(&out, static_cast<uint64_t>(absl::ToUnixMicros(record.time)));
  out.append(record.response);
  return out;
}

bool DecodeRequestRecord(absl::string_view bytes, RequestRecord* record) {
  uint64_t micros = 0;
  if (!keys::ConsumeString(&bytes, &record->method) ||
      !keys::ConsumeString(&bytes, &record->request_hash) ||
      !keys::ConsumeUint64(&bytes, &micros)) {
    return false;
  }
  record->time = absl::FromUnixMicros(static_cast<int64_t>(micros));
  record->response = std::string(bytes);
  return true;
}

std::string RequestHash(const google::protobuf::Message& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  return absl::StrFormat("%016x%016x", Fnv1a(bytes, 0xcbf29ce484222325ULL),
                         Fnv1a(bytes, 0x84222325cbf29ce4ULL));
}

void PutRequestRecord(rocksdb::WriteBatch* batch, const RecordsDb& db, absl::string_view request_id,
                      const RequestRecord& record) {
  rocksdb::ColumnFamilyHandle* cf = db.cf(keys::kRequests);
  batch->Put(cf, keys::RequestKey(request_id), EncodeRequestRecord(record));
  batch->Put(cf, keys::RequestTimeKey(absl::ToUnixMicros(record.time), request_id),
             rocksdb::Slice());
}

absl::StatusOr<std::optional<RequestRecord>> FindRequestRecord(const RecordsDb& db,
                                                               absl::string_view request_id) {
  absl::StatusOr<std::string> bytes =
      db.store()->Get(db.cf(keys::kRequests), keys::RequestKey(request_id));
  if (absl::IsNotFound(bytes.status())) return std::nullopt;
  if (!bytes.ok()) return bytes.status();
  RequestRecord record;
  if (!DecodeRequestRecord(*bytes, &record)) {
    return absl::DataLossError(absl::StrCat("request record ", request_id, " is corrupt"));
  }
  return record;
}

absl::StatusOr<std::optional<std::string>> CheckRequestId(const RecordsDb& db,
                                                          absl::string_view request_id,
                                                          absl::string_view method,
                                                          const std::string& request_hash) {
  if (request_id.empty()) return std::nullopt;
  absl::StatusOr<std::optional<RequestRecord>> found = FindRequestRecord(db, request_id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return std::nullopt;
  const RequestRecord& record = **found;
  if (record.method != method || record.request_hash != request_hash) {
    return RequestIdReused(record.method);
  }
  return std::optional<std::string>(record.response);
}

absl::Status RequestIdReused(absl::string_view used_for) {
  return common::WithReason(
      common::InvalidField("request_id",
                           absl::StrCat("was already used for a different request (", used_for,
                                        "); use a new request_id for a new request")),
      "REQUEST_ID_REUSED");
}

void SubmitRequestRecord(RecordsDb* db, std::string request_id, RequestRecord record,
                         std::function<void(const absl::Status&)> done) {
  Mutation m;
  m.change_count = 0;
  m.audited = false;
  m.preconditions.push_back(
      Precondition::Absent(db->cf(keys::kRequests), keys::RequestKey(request_id)));
  m.build = [db, request_id, record](const CommitStamp& stamp, rocksdb::WriteBatch* batch) {
    RequestRecord stamped = record;
    stamped.time = stamp.commit_time;
    PutRequestRecord(batch, *db, request_id, stamped);
  };
  m.done = [done = std::move(done)](const absl::Status& status, const CommitStamp&) {
    done(status);
  };
  db->commits()->Submit(std::move(m));
}

}  // namespace records
