#include "services/records/storage/logs.h"

#include <memory>
#include <utility>

#include "common/errors.h"
#include "common/status_macros.h"
#include "rocksdb/iterator.h"
#include "services/records/storage/keys.h"

namespace records {
namespace {

const rocksdb::Snapshot* Raw(const ReadSnapshot* snapshot) {
  return snapshot == nullptr ? nullptr : snapshot->get();
}

bool SequenceOf(const rocksdb::Slice& key, uint64_t* sequence) {
  return keys::ParseSequenceKey(absl::string_view(key.data(), key.size()), sequence);
}

}  // namespace

absl::StatusOr<AuditLogReader> AuditLogReader::Open(const RecordsDb& db,
                                                    const ReadSnapshot* snapshot) {
  AuditLogReader log(db, snapshot);
  std::unique_ptr<rocksdb::Iterator> it =
      db.store()->NewIterator(db.cf(keys::kAudit), Raw(snapshot));
  it->SeekToFirst();
  if (it->Valid() && !SequenceOf(it->key(), &log.first_)) {
    return absl::DataLossError("an audit key is corrupt");
  }
  it->SeekToLast();
  if (it->Valid() && !SequenceOf(it->key(), &log.last_)) {
    return absl::DataLossError("an audit key is corrupt");
  }
  if (!it->status().ok()) return common::FromRocksDb(it->status(), "read the audit log");
  if (log.last_ == 0) log.first_ = 1;  // empty
  return log;
}

absl::StatusOr<v1::AuditEvent> AuditLogReader::Read(uint64_t sequence) const {
  ASSIGN_OR_RETURN(
      std::string value,
      db_->store()->Get(db_->cf(keys::kAudit), keys::SequenceKey(sequence), Raw(snapshot_)));
  v1::AuditEvent event;
  if (!event.ParseFromString(value)) return absl::DataLossError("an audit entry is corrupt");
  return event;
}

absl::Status AuditLogReader::Scan(
    uint64_t from, bool desc, common::Cancellation* stop,
    const std::function<absl::StatusOr<bool>(uint64_t sequence,
                                             absl::StatusOr<v1::AuditEvent>& event)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it =
      db_->store()->NewIterator(db_->cf(keys::kAudit), Raw(snapshot_));
  const std::string start = keys::SequenceKey(from);
  it->Seek(start);
  if (desc && (!it->Valid() || it->key() != start)) it->SeekForPrev(start);
  for (; it->Valid(); desc ? it->Prev() : it->Next()) {
    uint64_t sequence = 0;
    if (!SequenceOf(it->key(), &sequence) || sequence < first_ || sequence > last_) break;
    if (stop != nullptr) RETURN_IF_ERROR(stop->Tick());
    absl::StatusOr<v1::AuditEvent> event = v1::AuditEvent();
    if (!event->ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      event = absl::DataLossError("an audit entry is corrupt");
    }
    ASSIGN_OR_RETURN(bool go_on, visit(sequence, event));
    if (!go_on) break;
  }
  return common::FromRocksDb(it->status(), "scan the audit log");
}

std::string SequenceCursor(uint64_t sequence) { return keys::SequenceKey(sequence); }

bool ParseSequenceCursor(absl::string_view cursor, uint64_t* sequence) {
  return keys::ParseSequenceKey(cursor, sequence);
}

absl::Status ScanChangeLog(
    const RecordsDb& db, uint64_t from,
    const std::function<bool(uint64_t sequence, absl::string_view event)>& visit) {
  std::unique_ptr<rocksdb::Iterator> it = db.store()->NewIterator(db.cf(keys::kChanges));
  for (it->Seek(keys::SequenceKey(from)); it->Valid(); it->Next()) {
    uint64_t sequence = 0;
    if (!SequenceOf(it->key(), &sequence)) break;
    if (!visit(sequence, absl::string_view(it->value().data(), it->value().size()))) break;
  }
  return common::FromRocksDb(it->status(), "read the change log");
}

}  // namespace records
