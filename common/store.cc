#include "common/store.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/listener.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/options_util.h"
#include "rocksdb/write_buffer_manager.h"

namespace common {
namespace {

bool Supports(rocksdb::CompressionType type) {
  const auto supported = rocksdb::GetSupportedCompressions();
  return std::find(supported.begin(), supported.end(), type) != supported.end();
}

rocksdb::ColumnFamilyOptions FamilyOptions(const std::shared_ptr<rocksdb::Cache>& cache,
                                           int bloom_bits_per_key, size_t memtable_budget) {
  rocksdb::ColumnFamilyOptions cf;
  // A family's memtable is switched (and flushed) at half the budget, so that one busy family
  // does not take the whole budget for itself.
  cf.write_buffer_size = std::min<size_t>(memtable_budget / 2, size_t{64} << 20);
  // A bloom filter over each memtable's keys: writes check many keys that do not exist yet
  // (unique indexes, request ids), and a miss then costs a hash instead of a skiplist search.
  cf.memtable_prefix_bloom_size_ratio = 0.02;
  cf.memtable_whole_key_filtering = true;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(bloom_bits_per_key, false));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Partitioned filters and a two-level index: a point lookup reads one 4 KiB partition, not
  // the whole filter of a large file. Whole filters run to megabytes at national scale; they
  // did not stay in a cache shard, and every lookup re-read and parsed them (import fell to
  // 120 members/s at 0.5 M members).
  table.partition_filters = true;
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.metadata_block_size = 4096;
  table.pin_top_level_index_and_filter = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.format_version = 5;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.level_compaction_dynamic_level_bytes = true;
  // LZ4 is cheap enough for every level; ZSTD squeezes the bottom level, which holds most data.
  if (Supports(rocksdb::kLZ4Compression)) {
    cf.compression = rocksdb::kLZ4Compression;
  } else if (Supports(rocksdb::kSnappyCompression)) {
    cf.compression = rocksdb::kSnappyCompression;
  }
  if (Supports(rocksdb::kZSTD)) {
    cf.bottommost_compression = rocksdb::kZSTD;
  }
  return cf;
}

// Swallows RocksDB's info log: a look at someone else's directory must not write a LOG there.
class SilentLogger : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

// RocksDB's info log, sent to the service's own log (JSON lines on stderr) from WARN up, and
// never to a LOG file in the data directory: RocksDB's file logger aborts the process (Debian
// builds RocksDB with assertions) when it writes again after the disk was full.
class ServiceLogger : public rocksdb::Logger {
 public:
  explicit ServiceLogger(std::string path)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), path_(std::move(path)) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel() || level == rocksdb::InfoLogLevel::HEADER_LEVEL) return;
    char line[1024];
    vsnprintf(line, sizeof(line), format, ap);
    Log(level >= rocksdb::InfoLogLevel::ERROR_LEVEL ? LogLevel::kError : LogLevel::kWarning,
        "rocksdb", {{"path", path_}, {"detail", line}});
  }

 private:
  const std::string path_;
};

// Turns off RocksDB's own recovery from a full disk, which waits until a whole write buffer
// (64 MiB) is free and polls every 5 s: Store::Write resumes the database itself.
class NoSpaceRecovery : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status bg_error,
                            bool* auto_recovery) override {
    if (bg_error.IsNoSpace()) *auto_recovery = false;
  }
};

// Opens the database at `path` read-only with a silent logger and hands a view of it to
// `verify`.
absl::Status VerifyExisting(const std::string& path, const std::vector<std::string>& families,
                            const std::function<absl::Status(const ExistingDatabase&)>& verify) {
  rocksdb::Options options;
  options.create_if_missing = false;
  options.info_log = std::make_shared<SilentLogger>();
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : families) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(options, path, descriptors, &handles, &raw);
  if (!s.ok()) {
    return FromRocksDb(s, absl::StrCat("open ", path));
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  ExistingDatabase view;
  view.column_families = families;
  view.get = [&](absl::string_view family, absl::string_view key) -> absl::StatusOr<std::string> {
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      if (handle->GetName() == family) {
        std::string value;
        rocksdb::Status got =
            db->Get(rocksdb::ReadOptions(), handle, rocksdb::Slice(key.data(), key.size()), &value);
        if (!got.ok()) {
          return FromRocksDb(got, absl::StrCat("read ", path));
        }
        return value;
      }
    }
    return absl::NotFoundError(absl::StrCat("no column family ", family));
  };
  view.has_data = [&]() {
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handle));
      it->SeekToFirst();
      if (it->Valid()) {
        return true;
      }
    }
    return false;
  };
  absl::Status verdict = verify(view);
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle);
  }
  return verdict;
}

}  // namespace

absl::Status FromRocksDb(const rocksdb::Status& status, absl::string_view context) {
  if (status.ok()) {
    return absl::OkStatus();
  }
  const std::string message = absl::StrCat(context, ": ", status.ToString());
  switch (status.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(message);
    case rocksdb::Status::kBusy:
      return absl::AbortedError(message);
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kTimedOut:
      return absl::UnavailableError(message);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(message);
    case rocksdb::Status::kInvalidArgument:
    case rocksdb::Status::kNotSupported:
      return absl::FailedPreconditionError(message);
    case rocksdb::Status::kIOError:
      if (status.IsNoSpace()) {
        // RocksDB's text names files; the client gets what it can act on.
        return WithReason(absl::ResourceExhaustedError(absl::StrCat(
                              context,
                              ": the disk is full (no space left on the data volume); writes are "
                              "refused until space is freed, then resume without a restart")),
                          "DISK_FULL");
      }
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("store path is empty");
  }
  rocksdb::LRUCacheOptions cache_options;
  cache_options.capacity = static_cast<size_t>(options.block_cache_bytes);
  // Fewer, larger shards (at least 8 MiB each, at most 16): a shard must hold the largest
  // blocks with room to spare, and the high-priority half keeps index and filter blocks.
  cache_options.num_shard_bits = 0;
  while (cache_options.num_shard_bits < 4 &&
         (cache_options.capacity >> (cache_options.num_shard_bits + 1)) >= (size_t{8} << 20)) {
    ++cache_options.num_shard_bits;
  }
  cache_options.high_pri_pool_ratio = 0.5;
  auto cache = rocksdb::NewLRUCache(cache_options);
  // Memtables of all families together get a quarter of the cache's size and are charged to
  // the cache: cache plus memtables stay within block_cache_bytes, however many families
  // take writes (unbounded, each family's memtables could take 2 x 64 MiB).
  const size_t memtable_budget = static_cast<size_t>(options.block_cache_bytes) / 4;
  rocksdb::DBOptions db_options;
  db_options.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(memtable_budget, cache);
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  db_options.keep_log_file_num = 5;
  db_options.max_total_wal_size = int64_t{256} << 20;
  db_options.info_log = std::make_shared<ServiceLogger>(options.path);
  db_options.listeners.push_back(std::make_shared<NoSpaceRecovery>());
  db_options.statistics = rocksdb::CreateDBStatistics();
  db_options.statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  db_options.stats_persist_period_sec = 0;  // /metrics exports them; no history kept here

  // Open every family already on disk (a newer version may have added some) plus the ones
  // asked for.
  std::set<std::string> names{rocksdb::kDefaultColumnFamilyName};
  names.insert(options.column_families.begin(), options.column_families.end());
  std::vector<std::string> existing;
  rocksdb::Status list = rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing);
  if (list.ok()) {
    if (options.verify_existing) {
      RETURN_IF_ERROR(VerifyExisting(options.path, existing, options.verify_existing));
    }
    names.insert(existing.begin(), existing.end());
  } else if (!options.create_if_missing ||
             std::filesystem::exists(std::filesystem::path(options.path) / "CURRENT")) {
    // Missing, or a database that cannot even be listed (corrupt): touch nothing.
    return FromRocksDb(list, absl::StrCat("open ", options.path));
  } else {
    // A new database. Create the directory, parents included, before RocksDB looks at it:
    // RocksDB creates only the last component, and logs an ERROR about the missing directory
    // while it opens.
    std::error_code ec;
    std::filesystem::create_directories(options.path, ec);
    if (ec) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot create the data directory ", options.path, ": ", ec.message()));
    }
  }

  const rocksdb::ColumnFamilyOptions cf_options =
      FamilyOptions(cache, options.bloom_bits_per_key, memtable_budget);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    descriptors.emplace_back(name, cf_options);
  }
  std::unique_ptr<Store> store(new Store());
  store->path_ = options.path;
  store->sync_writes_ = options.sync_writes;
  store->statistics_ = db_options.statistics;
  rocksdb::DB* raw = nullptr;
  rocksdb::Options open_options(db_options, cf_options);
  rocksdb::Status s =
      rocksdb::DB::Open(open_options, options.path, descriptors, &store->handles_, &raw);
  if (s.IsIOError() && absl::StrContains(s.ToString(), "While lock file")) {
    // RocksDB's own words ("IO error: While lock file: …/LOCK: Resource temporarily
    // unavailable") hide the cause an operator can act on.
    return absl::FailedPreconditionError(absl::StrCat(
        "the data directory ", options.path,
        " is in use by another process (it holds the directory's LOCK): two servers cannot "
        "share a data directory; stop the other one, or wait until it has shut down"));
  }
  if (!s.ok()) {
    return FromRocksDb(s, absl::StrCat("open ", options.path));
  }
  store->db_.reset(raw);
  for (rocksdb::ColumnFamilyHandle* handle : store->handles_) {
    store->by_name_.emplace(handle->GetName(), handle);
  }
  return store;
}

Store::~Store() {
  if (absl::Status s = Close(); !s.ok()) {
    LogError("closing RocksDB failed", {{"path", path_}, {"error", s.ToString()}});
  }
}

absl::Status Store::Close() {
  if (db_ == nullptr) {
    return absl::OkStatus();
  }
  rocksdb::FlushOptions flush;
  flush.wait = true;
  rocksdb::Status s = db_->Flush(flush, handles_);
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle);
  }
  handles_.clear();
  by_name_.clear();
  rocksdb::Status closed = db_->Close();
  db_.reset();
  if (!s.ok()) {
    return FromRocksDb(s, absl::StrCat("flush ", path_));
  }
  return FromRocksDb(closed, absl::StrCat("close ", path_));
}

rocksdb::ColumnFamilyHandle* Store::cf(absl::string_view name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    LogError("unknown column family", {{"name", std::string(name)}});
    std::abort();
  }
  return it->second;
}

bool Store::HasColumnFamily(absl::string_view name) const {
  return by_name_.find(name) != by_name_.end();
}

std::vector<std::string> Store::ColumnFamilyNames() const {
  std::vector<std::string> names;
  for (const auto& [name, handle] : by_name_) {
    names.push_back(name);
  }
  return names;
}

absl::Status Store::Write(rocksdb::WriteBatch* batch) { return Write(batch, sync_writes_); }

absl::Status Store::Write(rocksdb::WriteBatch* batch, bool sync) {
  rocksdb::WriteOptions options;
  options.sync = sync;
  rocksdb::Status s = db_->Write(options, batch);
  // A failed write applied nothing; once the database is resumed it can be written again.
  if (s.IsIOError() && Resume()) s = db_->Write(options, batch);
  return FromRocksDb(s, "write");
}

bool Store::Resume() {
  std::lock_guard<std::mutex> lock(resume_mu_);
  const absl::Time now = absl::Now();
  if (now < next_resume_) return false;
  next_resume_ = now + kResumeInterval;
  const rocksdb::Status s = db_->Resume();
  if (s.ok()) {
    LogInfo("database resumed after a write error", {{"path", path_}});
    return true;
  }
  LogWarning("database not resumed yet",
             {{"path", path_}, {"error", s.ToString()}, {"retry_after_ms", kResumeIntervalMs}});
  return false;
}

absl::StatusOr<std::string> Store::Get(rocksdb::ColumnFamilyHandle* cf, absl::string_view key,
                                       const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  std::string value;
  rocksdb::Status s = db_->Get(options, cf, rocksdb::Slice(key.data(), key.size()), &value);
  if (!s.ok()) {
    return FromRocksDb(s, "get");
  }
  return value;
}

std::unique_ptr<rocksdb::Iterator> Store::NewIterator(rocksdb::ColumnFamilyHandle* cf,
                                                      const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(options, cf));
}

Store::Snapshot::~Snapshot() { db_->ReleaseSnapshot(snapshot_); }

std::unique_ptr<Store::Snapshot> Store::GetSnapshot() const {
  return std::unique_ptr<Snapshot>(new Snapshot(db_.get(), db_->GetSnapshot()));
}

absl::Status ParseStoredMessage(const rocksdb::Slice& value, absl::string_view what,
                                google::protobuf::MessageLite* message) {
  if (!message->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(absl::StrCat("the stored ", what, " is corrupt"));
  }
  return absl::OkStatus();
}

}  // namespace common
