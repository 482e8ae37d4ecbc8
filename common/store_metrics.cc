#include "common/store_metrics.h"

#include <cstdint>
#include <utility>

#include "rocksdb/db.h"
#include "rocksdb/statistics.h"

namespace common {
namespace {

struct Property {
  const char* metric;
  const char* help;
  const std::string& property;
};

struct Ticker {
  const char* metric;
  const char* help;
  rocksdb::Tickers ticker;
  double scale;  // STALL_MICROS is in microseconds; the metric in seconds
};

constexpr Ticker kTickers[] = {
    {"dangbo_rocksdb_block_cache_hits_total", "Block cache lookups that found the block.",
     rocksdb::BLOCK_CACHE_HIT, 1},
    {"dangbo_rocksdb_block_cache_misses_total",
     "Block cache lookups that missed: the block was read from disk (the page cache).",
     rocksdb::BLOCK_CACHE_MISS, 1},
    {"dangbo_rocksdb_block_cache_data_misses_total",
     "Block cache misses of data blocks (index and filter blocks excluded).",
     rocksdb::BLOCK_CACHE_DATA_MISS, 1},
    {"dangbo_rocksdb_bloom_filter_useful_total",
     "Point reads a bloom filter answered without reading a data block.",
     rocksdb::BLOOM_FILTER_USEFUL, 1},
    {"dangbo_rocksdb_read_bytes_total", "Bytes of values returned by point lookups.",
     rocksdb::BYTES_READ, 1},
    {"dangbo_rocksdb_iterator_read_bytes_total", "Bytes of keys and values read by iterators.",
     rocksdb::ITER_BYTES_READ, 1},
    {"dangbo_rocksdb_written_bytes_total", "Bytes of keys and values written.",
     rocksdb::BYTES_WRITTEN, 1},
    {"dangbo_rocksdb_wal_written_bytes_total", "Bytes written to the write-ahead log.",
     rocksdb::WAL_FILE_BYTES, 1},
    {"dangbo_rocksdb_wal_syncs_total", "Write-ahead log syncs (fsync).", rocksdb::WAL_FILE_SYNCED,
     1},
    {"dangbo_rocksdb_flush_written_bytes_total", "Bytes written by memtable flushes.",
     rocksdb::FLUSH_WRITE_BYTES, 1},
    {"dangbo_rocksdb_compaction_read_bytes_total", "Bytes read by compactions.",
     rocksdb::COMPACT_READ_BYTES, 1},
    {"dangbo_rocksdb_compaction_written_bytes_total", "Bytes written by compactions.",
     rocksdb::COMPACT_WRITE_BYTES, 1},
    {"dangbo_rocksdb_stall_seconds_total",
     "Time writes were delayed or stopped because compaction or flushes fell behind.",
     rocksdb::STALL_MICROS, 1e-6},
};

}  // namespace

std::vector<MetricFamily> CollectStoreMetrics(const Store& store, const std::string& db_label) {
  rocksdb::DB* db = store.db();
  std::vector<MetricFamily> families;
  if (db == nullptr) return families;  // closed

  using P = rocksdb::DB::Properties;
  const Property per_family[] = {
      {"dangbo_rocksdb_sst_files_bytes", "Size of all SST files of the column family.",
       P::kTotalSstFilesSize},
      {"dangbo_rocksdb_live_data_bytes", "Estimated size of the column family's live data.",
       P::kEstimateLiveDataSize},
      {"dangbo_rocksdb_pending_compaction_bytes",
       "Estimated bytes compaction must rewrite to bring every level under its target size.",
       P::kEstimatePendingCompactionBytes},
      {"dangbo_rocksdb_memtable_bytes",
       "Size of the column family's active and unflushed memtables.", P::kCurSizeAllMemTables},
      {"dangbo_rocksdb_estimated_keys", "Estimated number of keys in the column family.",
       P::kEstimateNumKeys},
      {"dangbo_rocksdb_table_readers_bytes",
       "Memory of the column family's open SST readers outside the block cache.",
       P::kEstimateTableReadersMem},
  };
  const Property per_database[] = {
      {"dangbo_rocksdb_block_cache_usage_bytes", "Memory used by the block cache.",
       P::kBlockCacheUsage},
      {"dangbo_rocksdb_block_cache_capacity_bytes", "Capacity of the block cache.",
       P::kBlockCacheCapacity},
      {"dangbo_rocksdb_block_cache_pinned_bytes", "Memory pinned in the block cache.",
       P::kBlockCachePinnedUsage},
      {"dangbo_rocksdb_running_compactions", "Compactions running now.", P::kNumRunningCompactions},
      {"dangbo_rocksdb_running_flushes", "Memtable flushes running now.", P::kNumRunningFlushes},
      {"dangbo_rocksdb_background_errors",
       "Background errors (failed flushes or compactions, e.g. a full disk) since open.",
       P::kBackgroundErrors},
      {"dangbo_rocksdb_write_stopped", "1 while RocksDB stops writes (stall or error), else 0.",
       P::kIsWriteStopped},
  };

  const std::vector<std::string> names = store.ColumnFamilyNames();
  for (const Property& p : per_family) {
    MetricFamily family{p.metric, p.help, MetricType::kGauge, {}};
    for (const std::string& name : names) {
      if (!store.HasColumnFamily(name)) continue;
      uint64_t value = 0;
      if (db->GetIntProperty(store.cf(name), p.property, &value)) {
        family.samples.push_back(
            {"", {{"db", db_label}, {"cf", name}}, static_cast<double>(value)});
      }
    }
    if (!family.samples.empty()) families.push_back(std::move(family));
  }
  // The block cache is shared by every column family and the counters are database-wide:
  // read them once, through the default family.
  for (const Property& p : per_database) {
    uint64_t value = 0;
    if (db->GetIntProperty(db->DefaultColumnFamily(), p.property, &value)) {
      families.push_back({p.metric,
                          p.help,
                          MetricType::kGauge,
                          {{"", {{"db", db_label}}, static_cast<double>(value)}}});
    }
  }
  if (const rocksdb::Statistics* statistics = store.statistics(); statistics != nullptr) {
    for (const Ticker& t : kTickers) {
      families.push_back({t.metric,
                          t.help,
                          MetricType::kCounter,
                          {{"",
                            {{"db", db_label}},
                            static_cast<double>(statistics->getTickerCount(t.ticker)) * t.scale}}});
    }
  }
  return families;
}

MetricsRegistration RegisterStoreMetrics(const Store* store, std::string db_label,
                                         MetricsRegistry* registry) {
  return registry->AddCollector(
      [store, db_label = std::move(db_label)] { return CollectStoreMetrics(*store, db_label); });
}

}  // namespace common
