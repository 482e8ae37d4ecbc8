#include "services/records/storage/records_db.h"

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "common/vi_text.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/status_macros.h"
#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/member.pb.h"
#include "services/records/storage/indexes.h"
#include "services/records/storage/keys.h"
#include "services/records/storage/revision.h"

namespace records {

std::string RandomLogId() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  return absl::StrFormat("%016x%016x", gen(), gen());
}

absl::StatusOr<uint64_t> ReadMetaUint64(const common::Store& store, absl::string_view key,
                                        uint64_t fallback) {
  absl::StatusOr<std::string> value = store.Get(store.cf(keys::kMeta), key);
  if (absl::IsNotFound(value.status())) return fallback;
  if (!value.ok()) return value.status();
  absl::string_view in = *value;
  uint64_t result = 0;
  if (!keys::ConsumeUint64(&in, &result) || !in.empty()) {
    return absl::DataLossError(absl::StrCat("meta record ", key, " is corrupt"));
  }
  return result;
}

// Refuses, before anything is written, a directory that holds another service's data or a
// newer records schema.
absl::Status VerifyExistingRecordsDb(const std::string& path, const common::ExistingDatabase& db) {
  absl::StatusOr<std::string> identity = db.get(keys::kMeta, keys::kMetaIdentity);
  if (absl::IsNotFound(identity.status())) {
    if (!db.has_data()) {
      return absl::OkStatus();  // an empty database: records will initialize it
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "data directory ", path,
        " holds data but no records identity: it belongs to another service or program; "
        "point --data_dir elsewhere"));
  }
  if (!identity.ok()) return identity.status();
  if (*identity != kServiceIdentity) {
    // Another service's identity record may be binary: name it by its printable characters.
    std::string name;
    for (char c : *identity) {
      if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) name.push_back(c);
    }
    return absl::FailedPreconditionError(
        absl::StrCat("data directory ", path, " belongs to service \"", common::ToValidUtf8(name),
                     "\", not \"", kServiceIdentity, "\"; point --data_dir elsewhere"));
  }
  absl::StatusOr<std::string> schema = db.get(keys::kMeta, keys::kMetaSchema);
  int version = 0;
  if (schema.ok() && absl::SimpleAtoi(*schema, &version) && version > kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data directory ", path, " has records schema ", version,
        ", newer than this binary's schema ", kSchemaVersion, "; run a newer records_server"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<RecordsDb>> RecordsDb::Open(const RecordsDbOptions& options) {
  common::StoreOptions store_options = options.store;
  const std::string path = store_options.path;
  store_options.verify_existing = [path](const common::ExistingDatabase& db) {
    return VerifyExistingRecordsDb(path, db);
  };
  // A database from before dues and meetings gets their (empty) families on open.
  store_options.column_families = {keys::kOrganizations,   keys::kCells,   keys::kMembers,
                                   keys::kInspectionPlans, keys::kDues,    keys::kMeetings,
                                   keys::kIndex,           keys::kChanges, keys::kAudit,
                                   keys::kRequests,        keys::kMeta};
  std::unique_ptr<RecordsDb> db(new RecordsDb());
  ASSIGN_OR_RETURN(db->store_, common::Store::Open(store_options));
  RETURN_IF_ERROR(db->InitMeta(options.text_rules_version.empty() ? common::TextRulesVersion()
                                                                  : options.text_rules_version));
  CommitQueue::Options q;
  q.store = db->store_.get();
  q.meta = db->store_->cf(keys::kMeta);
  ASSIGN_OR_RETURN(q.last_sequence, ReadMetaUint64(*db->store_, keys::kMetaLastSequence, 0));
  ASSIGN_OR_RETURN(q.last_audit_sequence,
                   ReadMetaUint64(*db->store_, keys::kMetaLastAuditSequence, 0));
  ASSIGN_OR_RETURN(uint64_t micros, ReadMetaUint64(*db->store_, keys::kMetaLastCommitTime, 0));
  q.last_commit_time =
      micros == 0 ? absl::InfinitePast() : absl::FromUnixMicros(static_cast<int64_t>(micros));
  db->commits_ = std::make_unique<CommitQueue>(q);
  return db;
}

namespace {

// The indexes whose keys fold or collate text with ICU (see keys::Index).
bool IsTextIndexKey(absl::string_view key) {
  if (key.empty()) return false;
  switch (static_cast<keys::Index>(key[0])) {
    case keys::Index::kActiveCellName:
    case keys::Index::kMemberByName:
    case keys::Index::kMemberByCell:
    case keys::Index::kMemberByState:
    case keys::Index::kMemberNameWord:
      return true;
    default:
      return false;
  }
}

struct CellNames {
  int64_t written = 0;
  int duplicates = 0;
};

// Puts the active-cell-name entry of every stored cell into `batch`. Two active cells with
// the same folded name keep one entry (the first in key order); the other is logged, to be
// renamed.
absl::StatusOr<CellNames> PutActiveCellNames(const common::Store& store,
                                             rocksdb::WriteBatch* batch) {
  rocksdb::ColumnFamilyHandle* index = store.cf(keys::kIndex);
  std::map<std::string, std::string> holders;  // key -> cell
  CellNames result;
  std::unique_ptr<rocksdb::Iterator> cells = store.NewIterator(store.cf(keys::kCells));
  dangbo::records::v1::Cell cell;
  for (cells->SeekToFirst(); cells->Valid(); cells->Next()) {
    RETURN_IF_ERROR(ParseVersioned(cells->value(), &cell));
    // "organizations/{org}/cells/{cell}"
    const std::vector<absl::string_view> parts = absl::StrSplit(cell.name(), '/');
    if (parts.size() != 4) {
      return absl::DataLossError(absl::StrCat("a stored cell has a malformed name: ", cell.name()));
    }
    for (const IndexEntry& e : CellIndexEntries(parts[1], cell)) {
      auto [it, added] = holders.emplace(e.key, cell.name());
      if (added) {
        batch->Put(index, e.key, e.value);
        ++result.written;
        continue;
      }
      ++result.duplicates;
      common::LogWarning(
          "two active cells now have the same display name (case and spacing no longer count); "
          "rename one with UpdateCell",
          {{"cell", cell.name()}, {"display_name", cell.display_name()}, {"holder", it->second}});
    }
  }
  RETURN_IF_ERROR(common::FromRocksDb(cells->status(), "read the cells"));
  return result;
}

}  // namespace

absl::Status RecordsDb::InitMeta(const std::string& text_rules) {
  rocksdb::ColumnFamilyHandle* meta = store_->cf(keys::kMeta);
  absl::StatusOr<std::string> identity = store_->Get(meta, keys::kMetaIdentity);
  if (absl::IsNotFound(identity.status())) {
    // A new database, unless it already holds data from elsewhere.
    bool foreign = false;
    for (const std::string& name : store_->ColumnFamilyNames()) {
      std::unique_ptr<rocksdb::Iterator> any = store_->NewIterator(store_->cf(name));
      any->SeekToFirst();
      RETURN_IF_ERROR(common::FromRocksDb(any->status(), "look for existing data"));
      foreign = foreign || any->Valid();
    }
    if (foreign) {
      return absl::FailedPreconditionError(
          absl::StrCat("data directory ", store_->path(),
                       " holds data but no records identity: it belongs to another program"));
    }
    log_id_ = RandomLogId();
    rocksdb::WriteBatch batch;
    batch.Put(meta, keys::kMetaIdentity, kServiceIdentity);
    batch.Put(meta, keys::kMetaSchema, std::to_string(kSchemaVersion));
    batch.Put(meta, keys::kMetaLogId, log_id_);
    batch.Put(meta, keys::kMetaTextRules, text_rules);
    return store_->Write(&batch, /*sync=*/true);
  }
  if (!identity.ok()) return identity.status();
  if (*identity != kServiceIdentity) {
    return absl::FailedPreconditionError(
        absl::StrCat("data directory ", store_->path(), " belongs to service \"", *identity,
                     "\", not \"", kServiceIdentity, "\"; point --data_dir elsewhere"));
  }
  ASSIGN_OR_RETURN(std::string schema, store_->Get(meta, keys::kMetaSchema));
  int version = 0;
  if (!absl::SimpleAtoi(schema, &version)) {
    return absl::DataLossError(absl::StrCat("schema version record is corrupt: ", schema));
  }
  if (version > kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data directory ", store_->path(), " has records schema ", version,
        ", newer than this binary's schema ", kSchemaVersion, "; run a newer records_server"));
  }
  ASSIGN_OR_RETURN(log_id_, store_->Get(meta, keys::kMetaLogId));
  if (version < 2) RETURN_IF_ERROR(RebuildActiveCellNames(version));
  if (version < 3) RETURN_IF_ERROR(IndexCellsNamedByHistories(version));
  return CheckTextRules(text_rules);
}

absl::Status RecordsDb::IndexCellsNamedByHistories(int from_version) {
  rocksdb::ColumnFamilyHandle* index = store_->cf(keys::kIndex);
  rocksdb::WriteBatch batch;
  int64_t members = 0;
  int64_t entries = 0;
  std::unique_ptr<rocksdb::Iterator> it = store_->NewIterator(store_->cf(keys::kMembers));
  dangbo::records::v1::Member member;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    RETURN_IF_ERROR(ParseVersioned(it->value(), &member));
    // "organizations/{org}/members/{member}"
    const std::vector<absl::string_view> parts = absl::StrSplit(member.name(), '/');
    if (parts.size() != 4) {
      return absl::DataLossError(
          absl::StrCat("a stored member has a malformed name: ", member.name()));
    }
    const char ever = static_cast<char>(keys::Index::kMemberEverInCell);
    for (const IndexEntry& e : MemberIndexEntries(parts[1], parts[3], member)) {
      if (e.key.empty() || e.key[0] != ever) continue;
      batch.Put(index, e.key, e.value);  // present already or missing: the same value
      ++entries;
    }
    ++members;
    if (batch.Count() >= 100000) {  // Puts only: a crash before the version write redoes them
      RETURN_IF_ERROR(store_->Write(&batch, /*sync=*/false));
      batch.Clear();
    }
  }
  RETURN_IF_ERROR(common::FromRocksDb(it->status(), "read the members"));
  batch.Put(store_->cf(keys::kMeta), keys::kMetaSchema, "3");
  RETURN_IF_ERROR(store_->Write(&batch, /*sync=*/true));
  common::LogInfo("records schema upgraded", {{"from", std::max(from_version, 2)},
                                              {"to", 3},
                                              {"members", members},
                                              {"ever_in_cell_entries_written", entries}});
  return absl::OkStatus();
}

absl::Status RecordsDb::CheckTextRules(const std::string& text_rules) {
  absl::StatusOr<std::string> stored = store_->Get(store_->cf(keys::kMeta), keys::kMetaTextRules);
  if (stored.ok() && *stored == text_rules) return absl::OkStatus();
  if (!stored.ok() && !absl::IsNotFound(stored.status())) return stored.status();
  return RebuildTextIndexes(stored.ok() ? *stored : "unrecorded", text_rules);
}

absl::Status RecordsDb::RebuildTextIndexes(const std::string& from, const std::string& to) {
  constexpr int kMembersPerBatch = 10000;
  const absl::Duration kProgressEvery = absl::Seconds(5);
  common::Counter& rebuilt = common::MetricsRegistry::Default().AddCounter(
      "dangbo_records_text_index_rebuilt_members_total",
      "Members whose text-keyed index entries were rebuilt at open because ICU's rules "
      "changed.");
  const absl::Time start = absl::Now();
  common::LogWarning("text rules changed: rebuilding the name indexes before serving",
                     {{"from", from}, {"to", to}});
  rocksdb::ColumnFamilyHandle* index = store_->cf(keys::kIndex);
  rocksdb::WriteBatch batch;
  for (keys::Index kind :
       {keys::Index::kActiveCellName, keys::Index::kMemberByName, keys::Index::kMemberByCell,
        keys::Index::kMemberByState, keys::Index::kMemberNameWord}) {
    const std::string prefix = keys::IndexPrefix(kind);
    batch.DeleteRange(index, prefix, keys::PrefixSuccessor(prefix));
  }
  ASSIGN_OR_RETURN(CellNames cells, PutActiveCellNames(*store_, &batch));
  int64_t members = 0;
  int64_t entries = 0;
  absl::Time last_progress = start;
  std::unique_ptr<rocksdb::Iterator> it = store_->NewIterator(store_->cf(keys::kMembers));
  dangbo::records::v1::Member member;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    RETURN_IF_ERROR(ParseVersioned(it->value(), &member));
    // "organizations/{org}/members/{member}"
    const std::vector<absl::string_view> parts = absl::StrSplit(member.name(), '/');
    if (parts.size() != 4) {
      return absl::DataLossError(
          absl::StrCat("a stored member has a malformed name: ", member.name()));
    }
    for (const IndexEntry& e : MemberIndexEntries(parts[1], parts[3], member)) {
      if (!IsTextIndexKey(e.key)) continue;
      batch.Put(index, e.key, e.value);
      ++entries;
    }
    if (++members % kMembersPerBatch != 0) continue;
    RETURN_IF_ERROR(store_->Write(&batch, /*sync=*/false));
    batch.Clear();
    rebuilt.Increment(kMembersPerBatch);
    if (absl::Now() - last_progress >= kProgressEvery) {
      last_progress = absl::Now();
      common::LogInfo(
          "rebuilding the name indexes",
          {{"members", members}, {"seconds", absl::ToDoubleSeconds(last_progress - start)}});
    }
  }
  RETURN_IF_ERROR(common::FromRocksDb(it->status(), "read the members"));
  // The new version goes last, in a synced write: a crash before it rebuilds again.
  batch.Put(store_->cf(keys::kMeta), keys::kMetaTextRules, to);
  RETURN_IF_ERROR(store_->Write(&batch, /*sync=*/true));
  rebuilt.Increment(static_cast<uint64_t>(members % kMembersPerBatch));
  common::LogInfo("name indexes rebuilt",
                  {{"text_rules", to},
                   {"members", members},
                   {"member_entries", entries},
                   {"cell_name_entries", cells.written},
                   {"duplicate_cell_names", cells.duplicates},
                   {"seconds", absl::ToDoubleSeconds(absl::Now() - start)}});
  return absl::OkStatus();
}

absl::Status RecordsDb::RebuildActiveCellNames(int from_version) {
  rocksdb::ColumnFamilyHandle* index = store_->cf(keys::kIndex);
  rocksdb::WriteBatch batch;
  int removed = 0;
  const std::string prefix(1, static_cast<char>(keys::Index::kActiveCellName));
  std::unique_ptr<rocksdb::Iterator> old = store_->NewIterator(index);
  for (old->Seek(prefix); old->Valid() && old->key().starts_with(prefix); old->Next()) {
    batch.Delete(index, old->key());
    ++removed;
  }
  RETURN_IF_ERROR(common::FromRocksDb(old->status(), "read the cell name index"));
  ASSIGN_OR_RETURN(CellNames cells, PutActiveCellNames(*store_, &batch));
  batch.Put(store_->cf(keys::kMeta), keys::kMetaSchema, "2");
  RETURN_IF_ERROR(store_->Write(&batch, /*sync=*/true));
  common::LogInfo("records schema upgraded", {{"from", from_version},
                                              {"to", 2},
                                              {"cell_name_entries_removed", removed},
                                              {"cell_name_entries_written", cells.written},
                                              {"duplicate_cell_names", cells.duplicates}});
  return absl::OkStatus();
}

RecordsDb::~RecordsDb() { (void)Close(); }

absl::Status RecordsDb::Close() {
  if (commits_ != nullptr) commits_->Stop();
  if (store_ == nullptr) return absl::OkStatus();
  return store_->Close();
}

uint64_t RecordsDb::first_retained_sequence() const {
  absl::StatusOr<uint64_t> first = ReadMetaUint64(*store_, keys::kMetaFirstRetained, 1);
  const uint64_t head = commits_->last_sequence();
  uint64_t value = first.ok() ? *first : 1;
  return value > head + 1 ? head + 1 : value;
}

absl::Status RecordsDb::ReadVersioned(rocksdb::ColumnFamilyHandle* cf, absl::string_view key,
                                      google::protobuf::Message* message, uint64_t* revision,
                                      const rocksdb::Snapshot* snapshot) const {
  ASSIGN_OR_RETURN(std::string value, store_->Get(cf, key, snapshot));
  return ParseVersioned(value, message, revision);
}

absl::Status ParseVersioned(const rocksdb::Slice& value, google::protobuf::Message* message,
                            uint64_t* revision) {
  uint64_t stored_revision = 0;
  absl::string_view payload;
  const std::string what = message->GetDescriptor()->name();
  if (!DecodeVersioned(absl::string_view(value.data(), value.size()), &stored_revision, &payload)) {
    return absl::DataLossError(absl::StrCat("the stored ", what, " is corrupt"));
  }
  RETURN_IF_ERROR(
      common::ParseStoredMessage(rocksdb::Slice(payload.data(), payload.size()), what, message));
  if (revision != nullptr) *revision = stored_revision;
  return absl::OkStatus();
}

absl::StatusOr<bool> RecordsDb::Exists(rocksdb::ColumnFamilyHandle* cf, absl::string_view key,
                                       const rocksdb::Snapshot* snapshot) const {
  absl::StatusOr<std::string> value = store_->Get(cf, key, snapshot);
  if (absl::IsNotFound(value.status())) return false;
  if (!value.ok()) return value.status();
  return true;
}

}  // namespace records
