// File: common/store.h
//
// The RocksDB a service owns: opened with its column families and tuned options; writes go
// through WriteBatch (one mutation = one batch, atomically) and are synced to the WAL before
// they are acknowledged unless `sync_writes` is off. Concurrent synced writers share fsyncs:
// RocksDB's write group commits many threads' batches with one WAL write and one sync.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
//                    Store::Open({.path = dir, .column_families = {"members", "changes"}}));
//   rocksdb::WriteBatch batch;
//   batch.Put(store->cf("members"), key, value);
//   RETURN_IF_ERROR(store->Write(&batch));
//
// Thread-safety: every method may be called concurrently; the Store must outlive its
// iterators and snapshots.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message_lite.h"
#include "rocksdb/db.h"
#include "rocksdb/statistics.h"
#include "rocksdb/write_batch.h"

namespace common {

// A read-only look at a database that is already on disk, taken before Store::Open changes
// anything there (no column family created, no log file written).
struct ExistingDatabase {
  std::vector<std::string> column_families;
  // The value of `key` in `family`; NOT_FOUND when the family or the key is absent.
  std::function<absl::StatusOr<std::string>(absl::string_view family, absl::string_view key)> get;
  // True when any column family holds a key.
  std::function<bool()> has_data;
};

struct StoreOptions {
  std::string path;
  // Column families the caller uses, besides "default". Families that exist on disk but are
  // not listed (written by a newer version) are opened too and left alone.
  std::vector<std::string> column_families;
  // The RocksDB memory budget: the block cache, which is also charged for the memtables
  // (a quarter of it, across all column families).
  int64_t block_cache_bytes = int64_t{256} << 20;
  int bloom_bits_per_key = 10;
  bool sync_writes = true;
  bool create_if_missing = true;
  // When the directory already holds a database, called first with a read-only view of it;
  // an error (e.g. "this directory belongs to another service") is returned by Open and the
  // directory is left exactly as it was.
  std::function<absl::Status(const ExistingDatabase&)> verify_existing;
};

// Translates a RocksDB status: NotFound -> NOT_FOUND, Busy/TryAgain -> ABORTED/UNAVAILABLE,
// NoSpace -> RESOURCE_EXHAUSTED (reason DISK_FULL), IOError -> UNAVAILABLE, Corruption ->
// DATA_LOSS, InvalidArgument -> FAILED_PRECONDITION, anything else -> INTERNAL. `context` says what
// was being done ("open /var/lib/records").
absl::Status FromRocksDb(const rocksdb::Status& status, absl::string_view context);

class Store {
 public:
  // Opens (creating if allowed) the database at options.path.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The handle of a column family given at Open (or "default"); aborts on an unknown name,
  // which is a programming error.
  rocksdb::ColumnFamilyHandle* cf(absl::string_view name) const;
  bool HasColumnFamily(absl::string_view name) const;
  // Every column family on disk, "default" included.
  std::vector<std::string> ColumnFamilyNames() const;

  // Applies the batch atomically; synced per options.sync_writes. After a write error (the
  // disk was full, an I/O error) RocksDB refuses every write until it is resumed: Write then
  // tries DB::Resume() — at most once a second — and, when that succeeds, writes the batch
  // again. On a full disk the error is RESOURCE_EXHAUSTED with reason DISK_FULL; reads keep
  // working throughout.
  absl::Status Write(rocksdb::WriteBatch* batch);
  absl::Status Write(rocksdb::WriteBatch* batch, bool sync);

  // NOT_FOUND when the key is absent.
  absl::StatusOr<std::string> Get(rocksdb::ColumnFamilyHandle* cf, absl::string_view key,
                                  const rocksdb::Snapshot* snapshot = nullptr) const;

  // A new iterator; pass a snapshot for a consistent multi-read view.
  std::unique_ptr<rocksdb::Iterator> NewIterator(rocksdb::ColumnFamilyHandle* cf,
                                                 const rocksdb::Snapshot* snapshot = nullptr) const;

  // A consistent point-in-time view, released when the object dies.
  class Snapshot {
   public:
    ~Snapshot();
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;
    const rocksdb::Snapshot* get() const { return snapshot_; }

   private:
    friend class Store;
    Snapshot(rocksdb::DB* db, const rocksdb::Snapshot* snapshot) : db_(db), snapshot_(snapshot) {}
    rocksdb::DB* db_;
    const rocksdb::Snapshot* snapshot_;
  };
  std::unique_ptr<Snapshot> GetSnapshot() const;

  // Flushes memtables and closes the database; later calls fail. Called by the destructor.
  absl::Status Close();

  rocksdb::DB* db() const { return db_.get(); }
  // RocksDB's counters (tickers) since open: block cache hits and misses, bytes read and
  // written, stall time, compaction and flush bytes (common/store_metrics.h exports them).
  // Kept at StatsLevel kExceptHistogramOrTimers: counters only, no histograms or timers, so
  // a read or write costs a few per-core atomic adds more. Never null while open.
  const rocksdb::Statistics* statistics() const { return statistics_.get(); }
  const std::string& path() const { return path_; }
  bool sync_writes() const { return sync_writes_; }

 private:
  Store() = default;
  // Resumes the database after a background error; false when it is still stopped or was
  // tried less than kResumeInterval ago.
  bool Resume();

  static constexpr int kResumeIntervalMs = 1000;
  static constexpr absl::Duration kResumeInterval = absl::Milliseconds(kResumeIntervalMs);

  std::string path_;
  bool sync_writes_ = true;
  std::shared_ptr<rocksdb::Statistics> statistics_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> by_name_;
  std::mutex resume_mu_;
  absl::Time next_resume_ = absl::InfinitePast();
};

// Parses the stored protobuf `value` into `message`; DATA_LOSS ("the stored <what> is corrupt")
// when it does not parse. For scans; GetMessage below is the point read.
absl::Status ParseStoredMessage(const rocksdb::Slice& value, absl::string_view what,
                                google::protobuf::MessageLite* message);

// The protobuf message stored under `key`: nullopt when absent, the read error when the read
// fails, DATA_LOSS ("the stored <what> is corrupt") when it does not parse.
template <typename Message>
absl::StatusOr<std::optional<Message>> GetMessage(const Store& store,
                                                  rocksdb::ColumnFamilyHandle* cf,
                                                  absl::string_view key, absl::string_view what) {
  absl::StatusOr<std::string> raw = store.Get(cf, key);
  if (absl::IsNotFound(raw.status())) return std::nullopt;
  if (!raw.ok()) return raw.status();
  Message message;
  if (absl::Status s = ParseStoredMessage(*raw, what, &message); !s.ok()) return s;
  return message;
}

}  // namespace common
