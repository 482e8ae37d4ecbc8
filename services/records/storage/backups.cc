#include "services/records/storage/backups.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <system_error>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "rocksdb/utilities/checkpoint.h"
#include "services/records/storage/keys.h"
#include "services/records/storage/records_db.h"
#include "services/records/storage/request_records.h"

namespace records {
namespace {

namespace fs = std::filesystem;

constexpr char kMetadataHeader[] = "dangbo-records-backup 1";

// app_metadata: a header line, then key=value lines with C-escaped values.
std::string EncodeMetadata(const BackupRecord& r) {
  return absl::StrCat(
      kMetadataHeader, "\nlast_sequence=", r.last_sequence, "\nlog_id=", absl::CEscape(r.log_id),
      "\nschema_version=", r.schema_version, "\ndescription=", absl::CEscape(r.description),
      "\ncreated_by=", absl::CEscape(r.created_by), "\nrequest_id=", absl::CEscape(r.request_id),
      "\nrequest_hash=", absl::CEscape(r.request_hash),
      "\ncreate_micros=", absl::ToUnixMicros(r.create_time), "\n");
}

absl::Status DecodeMetadata(absl::string_view text, BackupRecord* r) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  if (lines.empty() || lines[0] != kMetadataHeader) {
    return absl::DataLossError(
        absl::StrCat("backup ", r->backup_id, " was not made by records_server (no metadata)"));
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(lines[i], '=');
    std::string value;
    bool ok = absl::CUnescape(kv.second, &value);
    int64_t micros = 0;
    if (kv.first == "last_sequence") {
      ok = ok && absl::SimpleAtoi(value, &r->last_sequence);
    } else if (kv.first == "log_id") {
      r->log_id = value;
    } else if (kv.first == "schema_version") {
      ok = ok && absl::SimpleAtoi(value, &r->schema_version);
    } else if (kv.first == "description") {
      r->description = value;
    } else if (kv.first == "created_by") {
      r->created_by = value;
    } else if (kv.first == "request_id") {
      r->request_id = value;
    } else if (kv.first == "request_hash") {
      r->request_hash = value;
    } else if (kv.first == "create_micros") {
      ok = ok && absl::SimpleAtoi(value, &micros);
      r->create_time = absl::FromUnixMicros(micros);
    }
    if (!ok) {
      return absl::DataLossError(
          absl::StrCat("backup ", r->backup_id, " metadata line \"", lines[i], "\" is corrupt"));
    }
  }
  return absl::OkStatus();
}

std::string VerifiedPath(const std::string& dir, uint32_t id) {
  return absl::StrCat(dir, "/verified/", id);
}

absl::Status NoBackup(uint32_t id) {
  return absl::NotFoundError(absl::StrCat("backup_id ", id, " does not exist"));
}

// The change-log head, log_id and schema of a (private, quiescent) records store.
absl::Status ReadIdentity(const common::Store& store, BackupRecord* r) {
  ASSIGN_OR_RETURN(r->last_sequence, ReadMetaUint64(store, keys::kMetaLastSequence, 0));
  ASSIGN_OR_RETURN(r->log_id, store.Get(store.cf(keys::kMeta), keys::kMetaLogId));
  ASSIGN_OR_RETURN(std::string schema, store.Get(store.cf(keys::kMeta), keys::kMetaSchema));
  if (!absl::SimpleAtoi(schema, &r->schema_version)) {
    return absl::DataLossError(absl::StrCat("schema version record is corrupt: ", schema));
  }
  return absl::OkStatus();
}

}  // namespace

std::unique_ptr<BackupStore> BackupStore::Open(const std::string& backup_dir,
                                               BackupRetention retention) {
  return std::unique_ptr<BackupStore>(new BackupStore(backup_dir, retention));
}

absl::StatusOr<rocksdb::BackupEngine*> BackupStore::Engine() const {
  std::lock_guard<std::mutex> lock(engine_mu_);
  if (engine_ != nullptr) return engine_.get();
  std::error_code ec;
  fs::create_directories(fs::path(dir_) / "verified", ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create backup directory ", dir_, ": ", ec.message()));
  }
  rocksdb::BackupEngine* engine = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngine::Open(rocksdb::BackupEngineOptions(dir_),
                                                    rocksdb::Env::Default(), &engine);
  if (!s.ok()) return common::FromRocksDb(s, absl::StrCat("open backup directory ", dir_));
  engine_.reset(engine);
  return engine_.get();
}

BackupStore::~BackupStore() = default;

absl::StatusOr<BackupRecord> BackupStore::Create(common::Store* db, const BackupRequest& request) {
  if (creating_.exchange(true)) {
    return absl::UnavailableError("another backup is running; retry later");
  }
  struct Done {
    std::atomic<bool>* flag;
    ~Done() { flag->store(false); }
  } done{&creating_};

  ASSIGN_OR_RETURN(rocksdb::BackupEngine * engine, Engine());
  if (!request.request_id.empty()) {
    ASSIGN_OR_RETURN(std::vector<BackupRecord> existing, List());
    for (const BackupRecord& r : existing) {
      if (r.request_id != request.request_id) continue;
      // Backups made before request hashes were kept answer any request with their id.
      if (!r.request_hash.empty() && r.request_hash != request.request_hash) {
        return RequestIdReused("CreateBackup");
      }
      return r;
    }
  }

  BackupRecord record;
  record.description = request.description;
  record.created_by = request.created_by;
  record.request_id = request.request_id;
  record.request_hash = request.request_hash;
  record.create_time = absl::Now();

  const std::string staging = dir_ + "/staging";
  std::error_code ec;
  fs::remove_all(staging, ec);  // left over by a crash
  rocksdb::Checkpoint* raw = nullptr;
  RETURN_IF_ERROR(common::FromRocksDb(rocksdb::Checkpoint::Create(db->db(), &raw),
                                      "prepare the backup checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  RETURN_IF_ERROR(common::FromRocksDb(checkpoint->CreateCheckpoint(staging),
                                      absl::StrCat("checkpoint into ", staging)));
  absl::Status status = [&]() -> absl::Status {
    common::StoreOptions options;
    options.path = staging;
    options.create_if_missing = false;
    options.sync_writes = false;
    options.block_cache_bytes = int64_t{8} << 20;
    ASSIGN_OR_RETURN(std::unique_ptr<common::Store> copy, common::Store::Open(options));
    RETURN_IF_ERROR(ReadIdentity(*copy, &record));
    rocksdb::CreateBackupOptions create;
    create.flush_before_backup = true;
    rocksdb::BackupID id = 0;
    RETURN_IF_ERROR(common::FromRocksDb(
        engine->CreateNewBackupWithMetadata(create, copy->db(), EncodeMetadata(record), &id),
        absl::StrCat("back up into ", dir_)));
    record.backup_id = id;
    return copy->Close();
  }();
  fs::remove_all(staging, ec);
  RETURN_IF_ERROR(status);
  ASSIGN_OR_RETURN(BackupRecord created, Get(record.backup_id));
  absl::StatusOr<std::vector<uint32_t>> pruned = PruneLocked(absl::Now());
  if (!pruned.ok()) {
    common::LogWarning("old backups not deleted",
                       {{"error", pruned.status().ToString()}, {"backup_dir", dir_}});
  }
  return created;
}

absl::StatusOr<std::vector<uint32_t>> BackupStore::Prune(absl::Time now) {
  if (creating_.exchange(true)) {
    return absl::UnavailableError("a backup is being created; retry later");
  }
  struct Done {
    std::atomic<bool>* flag;
    ~Done() { flag->store(false); }
  } done{&creating_};
  return PruneLocked(now);
}

absl::StatusOr<std::vector<uint32_t>> BackupStore::PruneLocked(absl::Time now) {
  std::vector<uint32_t> deleted;
  if (retention_.keep <= 0 && retention_.max_age <= absl::ZeroDuration()) return deleted;
  ASSIGN_OR_RETURN(std::vector<BackupRecord> backups, List());  // newest first
  // The newest (i == 0) always stays.
  for (size_t i = 1; i < backups.size(); ++i) {
    const bool beyond_count = retention_.keep > 0 && i >= static_cast<size_t>(retention_.keep);
    const bool too_old = retention_.max_age > absl::ZeroDuration() &&
                         now - backups[i].create_time > retention_.max_age;
    if (!beyond_count && !too_old) continue;
    RETURN_IF_ERROR(Delete(backups[i].backup_id));
    deleted.push_back(backups[i].backup_id);
  }
  std::reverse(deleted.begin(), deleted.end());
  if (!deleted.empty()) {
    common::LogInfo("old backups deleted",
                    {{"backup_ids", absl::StrJoin(deleted, ",")},
                     {"kept", static_cast<int64_t>(backups.size() - deleted.size())},
                     {"keep", retention_.keep},
                     {"max_age", absl::FormatDuration(retention_.max_age)}});
  }
  return deleted;
}

absl::StatusOr<BackupRecord> BackupStore::ToRecord(const rocksdb::BackupInfo& info) const {
  BackupRecord r;
  r.backup_id = info.backup_id;
  r.create_time = absl::FromUnixSeconds(info.timestamp);
  r.size_bytes = static_cast<int64_t>(info.size);
  r.file_count = static_cast<int32_t>(info.number_files);
  RETURN_IF_ERROR(DecodeMetadata(info.app_metadata, &r));
  std::lock_guard<std::mutex> lock(verified_mu_);
  std::ifstream in(VerifiedPath(dir_, r.backup_id));
  int64_t micros = 0;
  if (in >> micros) r.verify_time = absl::FromUnixMicros(micros);
  return r;
}

absl::StatusOr<BackupRecord> BackupStore::Get(uint32_t backup_id) const {
  ASSIGN_OR_RETURN(rocksdb::BackupEngine * engine, Engine());
  rocksdb::BackupInfo info;
  rocksdb::Status s = engine->GetBackupInfo(backup_id, &info);
  if (s.IsNotFound()) return NoBackup(backup_id);
  RETURN_IF_ERROR(common::FromRocksDb(s, absl::StrCat("read backup ", backup_id)));
  return ToRecord(info);
}

absl::StatusOr<std::vector<BackupRecord>> BackupStore::List() const {
  ASSIGN_OR_RETURN(rocksdb::BackupEngine * engine, Engine());
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  std::vector<BackupRecord> records;
  records.reserve(infos.size());
  for (const rocksdb::BackupInfo& info : infos) {
    ASSIGN_OR_RETURN(BackupRecord r, ToRecord(info));
    records.push_back(std::move(r));
  }
  std::sort(records.begin(), records.end(),
            [](const BackupRecord& a, const BackupRecord& b) { return a.backup_id > b.backup_id; });
  return records;
}

absl::StatusOr<BackupRecord> BackupStore::Verify(uint32_t backup_id) {
  RETURN_IF_ERROR(Get(backup_id).status());
  ASSIGN_OR_RETURN(rocksdb::BackupEngine * engine, Engine());
  rocksdb::IOStatus s = engine->VerifyBackup(backup_id, /*verify_with_checksum=*/true);
  if (!s.ok()) {
    // A missing file is corruption of the backup, not an unknown backup_id.
    return absl::DataLossError(absl::StrCat("backup ", backup_id, " is corrupt: ", s.ToString()));
  }
  {
    std::lock_guard<std::mutex> lock(verified_mu_);
    std::ofstream out(VerifiedPath(dir_, backup_id), std::ios::trunc);
    out << absl::ToUnixMicros(absl::Now()) << "\n";
    if (!out.flush()) {
      return absl::UnavailableError(
          absl::StrCat("cannot record the verification in ", VerifiedPath(dir_, backup_id)));
    }
  }
  return Get(backup_id);
}

absl::Status BackupStore::Delete(uint32_t backup_id) {
  RETURN_IF_ERROR(Get(backup_id).status());
  ASSIGN_OR_RETURN(rocksdb::BackupEngine * engine, Engine());
  rocksdb::IOStatus s = engine->DeleteBackup(backup_id);
  if (s.IsNotFound()) return NoBackup(backup_id);
  RETURN_IF_ERROR(common::FromRocksDb(s, absl::StrCat("delete backup ", backup_id)));
  std::lock_guard<std::mutex> lock(verified_mu_);
  std::error_code ec;
  fs::remove(VerifiedPath(dir_, backup_id), ec);
  return absl::OkStatus();
}

absl::StatusOr<std::string> RestoreBackup(const std::string& backup_dir, uint32_t backup_id,
                                          const std::string& data_dir) {
  std::error_code ec;
  if (fs::exists(data_dir, ec)) {
    if (!fs::is_directory(data_dir, ec)) {
      return absl::FailedPreconditionError(
          absl::StrCat("--data_dir ", data_dir, " exists and is not a directory"));
    }
    if (!fs::is_empty(data_dir, ec)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--data_dir ", data_dir, " is not empty; restore into a new or empty directory"));
    }
  }
  if (!fs::is_directory(fs::path(backup_dir) / "meta", ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat("--backup_dir ", backup_dir, " holds no backups"));
  }
  fs::create_directories(data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create --data_dir ", data_dir, ": ", ec.message()));
  }
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  RETURN_IF_ERROR(common::FromRocksDb(
      rocksdb::BackupEngineReadOnly::Open(rocksdb::BackupEngineOptions(backup_dir),
                                          rocksdb::Env::Default(), &raw),
      absl::StrCat("open backup directory ", backup_dir)));
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  rocksdb::BackupInfo info;
  if (!engine->GetBackupInfo(backup_id, &info).ok()) return NoBackup(backup_id);
  rocksdb::IOStatus s =
      engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), backup_id, data_dir, data_dir);
  if (!s.ok()) {
    return absl::DataLossError(
        absl::StrCat("restoring backup ", backup_id, " failed: ", s.ToString()));
  }

  common::StoreOptions options;
  options.path = data_dir;
  options.create_if_missing = false;
  ASSIGN_OR_RETURN(std::unique_ptr<common::Store> store, common::Store::Open(options));
  if (!store->HasColumnFamily(keys::kMeta)) {
    return absl::DataLossError(absl::StrCat("backup ", backup_id, " is not a records database"));
  }
  ASSIGN_OR_RETURN(std::string identity, store->Get(store->cf(keys::kMeta), keys::kMetaIdentity));
  if (identity != kServiceIdentity) {
    return absl::DataLossError(absl::StrCat("backup ", backup_id, " belongs to service \"",
                                            identity, "\", not \"", kServiceIdentity, "\""));
  }
  const std::string log_id = RandomLogId();
  rocksdb::WriteBatch batch;
  batch.Put(store->cf(keys::kMeta), keys::kMetaLogId, log_id);
  RETURN_IF_ERROR(store->Write(&batch, /*sync=*/true));
  RETURN_IF_ERROR(store->Close());
  return log_id;
}

}  // namespace records
