// File: services/records/storage/records_db.h
//
// The records database: one RocksDB (common::Store) with a column family per concern (see
// keys.h), its identity record, and the commit queue that is its only writer.
//
// Open() creates a new database (identity "records", schema kSchemaVersion, a random log_id)
// or checks an existing one: a directory written by another service or by a newer schema fails
// with FAILED_PRECONDITION and a message saying which. An older schema is upgraded in place,
// in one synced write with the new version (a crash leaves the old schema whole):
//   1 -> 2: active cell display names are unique case- and white-space-insensitively; their
//           index entries are rebuilt from the cells. Two active cells whose names have become
//           the same keep one entry (the first cell in key order) and are logged, to be renamed.
//   2 -> 3: every member is indexed as ever in each cell its history names (a correction can
//           place a member in a cell that was never its current one); the entries are written
//           from the stored members in chunks, then the version (a crash redoes them).
// An older binary refuses the upgraded directory (restore a backup taken before to go back).
//
// The indexes keyed by folded or collated text (active cell names; members by name, cell and
// state, and their name words) depend on ICU's rules, which change between ICU releases (a new
// Debian, a new image). The database records the version they were built with
// (common::TextRulesVersion()); when Open finds another version, or none (a database from
// before versions were recorded), it rebuilds those indexes from the stored resources before
// anything is served: the old entries are dropped, the new ones written in chunks, progress
// logged every few seconds and counted in dangbo_records_text_index_rebuilt_members_total, and
// the new version is written last, so a crash midway rebuilds again on the next start.
//
// Reads are point reads and range scans, optionally on a snapshot; resources come back with
// their revision (see revision.h).
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/store.h"
#include "google/protobuf/message.h"
#include "rocksdb/slice.h"
#include "services/records/storage/commit_queue.h"

namespace records {

// Parses a stored resource value (envelope + proto, see revision.h) into `message`, and its
// revision when `revision` is not null; DATA_LOSS naming the message type when it is corrupt.
// For scans; point reads use RecordsDb::Read.
absl::Status ParseVersioned(const rocksdb::Slice& value, google::protobuf::Message* message,
                            uint64_t* revision = nullptr);

// A fresh random change-log id (32 hex digits): a new database, or a restored copy, gets one
// so that followers notice they must relist.
std::string RandomLogId();

inline constexpr char kServiceIdentity[] = "records";
inline constexpr int kSchemaVersion = 3;

struct RecordsDbOptions {
  common::StoreOptions store;  // path, cache, sync; column families are added by Open
  // The text rules the indexes must follow; empty: common::TextRulesVersion(). Tests set it
  // to fake an ICU upgrade.
  std::string text_rules_version;
};

// A resource as stored, with its revision.
template <typename T>
struct Versioned {
  T value;
  uint64_t revision = 0;
};

class RecordsDb {
 public:
  static absl::StatusOr<std::unique_ptr<RecordsDb>> Open(const RecordsDbOptions& options);
  ~RecordsDb();  // stops the commit queue, closes the store

  common::Store* store() const { return store_.get(); }
  CommitQueue* commits() const { return commits_.get(); }
  rocksdb::ColumnFamilyHandle* cf(absl::string_view name) const { return store_->cf(name); }

  // The change log's identity (random, made with the database).
  const std::string& log_id() const { return log_id_; }
  // The oldest retained change-log sequence (last_sequence + 1 when the log is empty).
  uint64_t first_retained_sequence() const;

  // Reads a resource (envelope + proto). NOT_FOUND when absent; DATA_LOSS when corrupt.
  absl::Status ReadVersioned(rocksdb::ColumnFamilyHandle* cf, absl::string_view key,
                             google::protobuf::Message* message, uint64_t* revision,
                             const rocksdb::Snapshot* snapshot = nullptr) const;
  template <typename T>
  absl::StatusOr<Versioned<T>> Read(rocksdb::ColumnFamilyHandle* cf, absl::string_view key,
                                    const rocksdb::Snapshot* snapshot = nullptr) const {
    Versioned<T> v;
    absl::Status s = ReadVersioned(cf, key, &v.value, &v.revision, snapshot);
    if (!s.ok()) return s;
    return v;
  }

  // True when `key` exists in `cf`.
  absl::StatusOr<bool> Exists(rocksdb::ColumnFamilyHandle* cf, absl::string_view key,
                              const rocksdb::Snapshot* snapshot = nullptr) const;

  // Close the commit queue and the store (the destructor does it too).
  absl::Status Close();

 private:
  RecordsDb() = default;
  absl::Status InitMeta(const std::string& text_rules);
  // Schema 1 -> 2 (see the file comment).
  absl::Status RebuildActiveCellNames(int from_version);
  // Schema 2 -> 3 (see the file comment).
  absl::Status IndexCellsNamedByHistories(int from_version);
  // Rebuilds the text-keyed indexes when they were built under other rules (file comment).
  absl::Status CheckTextRules(const std::string& text_rules);
  absl::Status RebuildTextIndexes(const std::string& from, const std::string& to);

  std::unique_ptr<common::Store> store_;
  std::unique_ptr<CommitQueue> commits_;
  std::string log_id_;
};

// Reads a big-endian uint64 meta value; `fallback` when absent.
absl::StatusOr<uint64_t> ReadMetaUint64(const common::Store& store, absl::string_view key,
                                        uint64_t fallback);

}  // namespace records
