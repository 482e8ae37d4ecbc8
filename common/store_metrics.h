// File: common/store_metrics.h
//
// RocksDB statistics of a common::Store as Prometheus metrics, read at scrape time: gauges
// from the database's properties, counters from its Statistics tickers (which RocksDB keeps
// in per-core counters; see Store::statistics()):
//
//   per column family, label {db, cf}:
//     dangbo_rocksdb_sst_files_bytes                   rocksdb.total-sst-files-size
//     dangbo_rocksdb_live_data_bytes                   rocksdb.estimate-live-data-size
//     dangbo_rocksdb_pending_compaction_bytes          rocksdb.estimate-pending-compaction-bytes
//     dangbo_rocksdb_memtable_bytes                    rocksdb.cur-size-all-mem-tables
//     dangbo_rocksdb_estimated_keys                    rocksdb.estimate-num-keys
//   per database, label {db}:
//     dangbo_rocksdb_block_cache_usage_bytes           rocksdb.block-cache-usage
//     dangbo_rocksdb_block_cache_capacity_bytes        rocksdb.block-cache-capacity
//     dangbo_rocksdb_block_cache_pinned_bytes          rocksdb.block-cache-pinned-usage
//     dangbo_rocksdb_running_compactions               rocksdb.num-running-compactions
//     dangbo_rocksdb_running_flushes                   rocksdb.num-running-flushes
//     dangbo_rocksdb_background_errors                 rocksdb.background-errors (e.g. disk full)
//     dangbo_rocksdb_write_stopped                     rocksdb.is-write-stopped (1: writes stall)
//   RocksDB Statistics (Store::statistics()), counters since open, label {db}:
//     dangbo_rocksdb_block_cache_hits_total            BLOCK_CACHE_HIT
//     dangbo_rocksdb_block_cache_misses_total          BLOCK_CACHE_MISS (a block read from disk)
//     dangbo_rocksdb_block_cache_data_misses_total     BLOCK_CACHE_DATA_MISS (data blocks only)
//     dangbo_rocksdb_bloom_filter_useful_total         BLOOM_FILTER_USEFUL (reads a filter saved)
//     dangbo_rocksdb_read_bytes_total                  BYTES_READ (point lookups' values)
//     dangbo_rocksdb_iterator_read_bytes_total         ITER_BYTES_READ (scans' keys and values)
//     dangbo_rocksdb_written_bytes_total               BYTES_WRITTEN (writes' payload)
//     dangbo_rocksdb_wal_written_bytes_total           WAL_FILE_BYTES
//     dangbo_rocksdb_wal_syncs_total                   WAL_FILE_SYNCED
//     dangbo_rocksdb_flush_written_bytes_total         FLUSH_WRITE_BYTES
//     dangbo_rocksdb_compaction_read_bytes_total       COMPACT_READ_BYTES
//     dangbo_rocksdb_compaction_written_bytes_total    COMPACT_WRITE_BYTES
//     dangbo_rocksdb_stall_seconds_total               STALL_MICROS / 1e6 (writes delayed)
//
//   common::MetricsRegistration m = common::RegisterStoreMetrics(store, "records");
//   ...
//   m.Reset();            // before store->Close()
//   store->Close();
//
// A property RocksDB cannot answer is left out (no sample), never reported as 0.
// Thread-safety: the collector runs on the scrape thread; RocksDB's property getters are
// thread-safe. The store must stay open while the registration lives. Register one store per
// `db` label per registry (two would repeat the families).
#pragma once

#include <string>
#include <vector>

#include "common/metrics.h"
#include "common/store.h"

namespace common {

// The families above, read now from `store` (which must be open).
std::vector<MetricFamily> CollectStoreMetrics(const Store& store, const std::string& db_label);

// Registers CollectStoreMetrics(*store, db_label) with `registry` while the returned
// registration lives.
[[nodiscard]] MetricsRegistration RegisterStoreMetrics(
    const Store* store, std::string db_label,
    MetricsRegistry* registry = &MetricsRegistry::Default());

}  // namespace common
