// File: services/records/storage/backups.h
//
// Backups of the records database in a backup directory (RocksDB BackupEngine), and the
// offline restore.
//
// Create() is online: it takes a RocksDB checkpoint of the live database (hard links where
// the backup directory shares the data directory's filesystem) under
// <backup_dir>/staging, opens that private copy, reads its change-log head, log_id and
// schema, backs it up with BackupEngine (flushed, so the backup is SST files only) and
// removes the copy. The recorded last_sequence is therefore exactly the state the backup
// holds, and it contains every write acknowledged before Create() started.
//
// Retention: after every successful Create() the store deletes what BackupRetention does not
// keep (see there); Prune() does the same on demand. A failed prune is logged and leaves the
// new backup in place.
//
// Metadata of each backup (sequence, log_id, schema, description, creator, request_id and
// request hash, create time) is kept as the BackupEngine app_metadata; the time of the last
// successful verification in <backup_dir>/verified/<id>.
//
// Errors: UNAVAILABLE (another Create is running), RESOURCE_EXHAUSTED (disk full), NOT_FOUND
// (unknown backup_id), DATA_LOSS (Verify found a missing, short or corrupt file; the message
// names it), INVALID_ARGUMENT / FAILED_PRECONDITION for Restore's target.
//
// Thread-safety: every method may be called concurrently; only one Create runs at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/store.h"
#include "rocksdb/utilities/backup_engine.h"

namespace records {

struct BackupRecord {
  uint32_t backup_id = 0;
  absl::Time create_time;
  int64_t size_bytes = 0;
  int32_t file_count = 0;
  uint64_t last_sequence = 0;
  std::string log_id;
  int schema_version = 0;
  std::string description;
  std::string created_by;
  std::string request_id;
  std::string request_hash;  // RequestHash() of the CreateBackup request; "" before it was kept
  absl::Time verify_time = absl::InfinitePast();  // InfinitePast: never verified
};

// What the caller of Create() says about the backup.
struct BackupRequest {
  std::string request_id;    // idempotency key; "" for none
  std::string request_hash;  // RequestHash() of the request (with request_id)
  std::string description;
  std::string created_by;
};

// Which backups to keep: the `keep` newest, and of those only the ones younger than
// `max_age` (by create_time). The newest backup is always kept, whatever its age, so an old
// but only backup is never deleted. Zero means no limit; both zero keep everything.
struct BackupRetention {
  int keep = 0;
  absl::Duration max_age = absl::ZeroDuration();
};

class BackupStore {
 public:
  // A store for `backup_dir`. The directory is created and opened on first use (a server
  // that never backs up leaves no trace), so errors about it come from the calls.
  static std::unique_ptr<BackupStore> Open(const std::string& backup_dir,
                                           BackupRetention retention = {});
  ~BackupStore();

  const std::string& dir() const { return dir_; }

  // Backs up `db` (the live records store, not owned). With a request_id that an existing
  // backup carries, returns that backup and creates nothing, or, when that backup was made for
  // another request (request_hash), is INVALID_ARGUMENT REQUEST_ID_REUSED.
  absl::StatusOr<BackupRecord> Create(common::Store* db, const BackupRequest& request);

  // Every backup, newest (highest id) first.
  absl::StatusOr<std::vector<BackupRecord>> List() const;

  // Checks the backup's files (existence, sizes, checksums) and records the verify time.
  absl::StatusOr<BackupRecord> Verify(uint32_t backup_id);

  absl::Status Delete(uint32_t backup_id);

  // Deletes the backups the retention does not keep as of `now`; returns their ids, oldest
  // first. Serialized with Create(): UNAVAILABLE while a backup is being created.
  absl::StatusOr<std::vector<uint32_t>> Prune(absl::Time now);

 private:
  BackupStore(std::string dir, BackupRetention retention)
      : dir_(std::move(dir)), retention_(retention) {}
  // Prune() for a caller that holds creating_.
  absl::StatusOr<std::vector<uint32_t>> PruneLocked(absl::Time now);
  absl::StatusOr<BackupRecord> Get(uint32_t backup_id) const;
  absl::StatusOr<BackupRecord> ToRecord(const rocksdb::BackupInfo& info) const;
  // The engine, opened (and the directory created) on first use.
  absl::StatusOr<rocksdb::BackupEngine*> Engine() const;

  std::string dir_;
  BackupRetention retention_;
  mutable std::mutex engine_mu_;
  mutable std::unique_ptr<rocksdb::BackupEngine> engine_;  // guarded by engine_mu_ until set
  std::atomic<bool> creating_{false};
  mutable std::mutex verified_mu_;  // guards the files under verified/
};

// Restores backup `backup_id` of `backup_dir` into `data_dir`, which must not exist or be an
// empty directory (FAILED_PRECONDITION otherwise: nothing is overwritten), and gives the
// restored database a new change-log log_id so that followers relist. Returns the new
// log_id. NOT_FOUND for an unknown backup; DATA_LOSS when the backup is corrupt.
absl::StatusOr<std::string> RestoreBackup(const std::string& backup_dir, uint32_t backup_id,
                                          const std::string& data_dir);

}  // namespace records
