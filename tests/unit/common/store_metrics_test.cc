// RocksDB properties of a Store as Prometheus gauges: present per column family and per
// database, and they follow the data (memtable, then SST files after a flush). Its Statistics
// tickers as counters: they count the reads and writes made.
#include "common/store_metrics.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace common {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class StoreMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dangbo-store-metrics-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    StoreOptions options;
    options.path = dir_;
    options.column_families = {"members"};
    options.block_cache_bytes = 8 << 20;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The value of name{labels} in a fresh collection, or -1 when absent.
  double Value(const std::string& name, const MetricLabels& labels,
               MetricType type = MetricType::kGauge) {
    for (const MetricFamily& family : CollectStoreMetrics(*store_, "records")) {
      if (family.name != name) continue;
      EXPECT_EQ(family.type, type) << name;
      for (const MetricSample& sample : family.samples) {
        if (sample.labels == labels) return sample.value;
      }
    }
    return -1;
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

const MetricLabels kMembers = {{"db", "records"}, {"cf", "members"}};
const MetricLabels kDb = {{"db", "records"}};

TEST_F(StoreMetricsTest, ReportsEveryColumnFamilyAndTheSharedBlockCache) {
  for (const char* name :
       {"dangbo_rocksdb_sst_files_bytes", "dangbo_rocksdb_live_data_bytes",
        "dangbo_rocksdb_pending_compaction_bytes", "dangbo_rocksdb_memtable_bytes",
        "dangbo_rocksdb_estimated_keys", "dangbo_rocksdb_table_readers_bytes"}) {
    EXPECT_GE(Value(name, kMembers), 0) << name;
    EXPECT_GE(Value(name, {{"db", "records"}, {"cf", "default"}}), 0) << name;
  }
  EXPECT_EQ(Value("dangbo_rocksdb_block_cache_capacity_bytes", kDb), 8 << 20);
  for (const char* name :
       {"dangbo_rocksdb_block_cache_usage_bytes", "dangbo_rocksdb_block_cache_pinned_bytes",
        "dangbo_rocksdb_running_compactions", "dangbo_rocksdb_running_flushes"}) {
    EXPECT_GE(Value(name, kDb), 0) << name;
  }
  EXPECT_EQ(Value("dangbo_rocksdb_background_errors", kDb), 0);
  EXPECT_EQ(Value("dangbo_rocksdb_write_stopped", kDb), 0);
}

TEST_F(StoreMetricsTest, SizesFollowTheData) {
  const double empty_memtable = Value("dangbo_rocksdb_memtable_bytes", kMembers);
  EXPECT_EQ(Value("dangbo_rocksdb_sst_files_bytes", kMembers), 0);
  rocksdb::WriteBatch batch;
  for (int i = 0; i < 100; ++i) {
    batch.Put(store_->cf("members"), "member-" + std::to_string(i), std::string(1000, 'x'));
  }
  ASSERT_TRUE(store_->Write(&batch).ok());
  EXPECT_GT(Value("dangbo_rocksdb_memtable_bytes", kMembers), empty_memtable + 100 * 1000);
  EXPECT_EQ(Value("dangbo_rocksdb_estimated_keys", kMembers), 100);

  ASSERT_TRUE(store_->db()->Flush(rocksdb::FlushOptions(), store_->cf("members")).ok());
  EXPECT_GT(Value("dangbo_rocksdb_sst_files_bytes", kMembers), 0);
  EXPECT_GT(Value("dangbo_rocksdb_live_data_bytes", kMembers), 0);
}

TEST_F(StoreMetricsTest, StatisticsCountTheReadsAndWritesMade) {
  auto counter = [this](const std::string& name) { return Value(name, kDb, MetricType::kCounter); };
  for (const char* name :
       {"dangbo_rocksdb_block_cache_hits_total", "dangbo_rocksdb_block_cache_misses_total",
        "dangbo_rocksdb_block_cache_data_misses_total", "dangbo_rocksdb_bloom_filter_useful_total",
        "dangbo_rocksdb_read_bytes_total", "dangbo_rocksdb_iterator_read_bytes_total",
        "dangbo_rocksdb_written_bytes_total", "dangbo_rocksdb_wal_written_bytes_total",
        "dangbo_rocksdb_wal_syncs_total", "dangbo_rocksdb_flush_written_bytes_total",
        "dangbo_rocksdb_compaction_read_bytes_total",
        "dangbo_rocksdb_compaction_written_bytes_total", "dangbo_rocksdb_stall_seconds_total"}) {
    EXPECT_GE(counter(name), 0) << name;
  }
  const double written_before = counter("dangbo_rocksdb_written_bytes_total");
  rocksdb::WriteBatch batch;
  for (int i = 0; i < 100; ++i) {
    batch.Put(store_->cf("members"), "member-" + std::to_string(i), std::string(1000, 'x'));
  }
  ASSERT_TRUE(store_->Write(&batch).ok());
  EXPECT_GE(counter("dangbo_rocksdb_written_bytes_total"), written_before + 100 * 1000);
  EXPECT_GE(counter("dangbo_rocksdb_wal_written_bytes_total"), 100 * 1000);
  EXPECT_GE(counter("dangbo_rocksdb_wal_syncs_total"), 1);  // synced writes

  ASSERT_TRUE(store_->db()->Flush(rocksdb::FlushOptions(), store_->cf("members")).ok());
  EXPECT_GT(counter("dangbo_rocksdb_flush_written_bytes_total"), 0);
  // The first read of a block misses the cache, the second finds it.
  const double misses = counter("dangbo_rocksdb_block_cache_data_misses_total");
  ASSERT_TRUE(store_->Get(store_->cf("members"), "member-7").ok());
  EXPECT_GT(counter("dangbo_rocksdb_block_cache_data_misses_total"), misses);
  EXPECT_GE(counter("dangbo_rocksdb_block_cache_misses_total"),
            counter("dangbo_rocksdb_block_cache_data_misses_total"));
  const double hits = counter("dangbo_rocksdb_block_cache_hits_total");
  ASSERT_TRUE(store_->Get(store_->cf("members"), "member-7").ok());
  EXPECT_GT(counter("dangbo_rocksdb_block_cache_hits_total"), hits);
  EXPECT_GE(counter("dangbo_rocksdb_read_bytes_total"), 2 * 1000);
  // An absent key within the file's range: its bloom filter answers.
  EXPECT_TRUE(absl::IsNotFound(store_->Get(store_->cf("members"), "member-5x").status()));
  EXPECT_GE(counter("dangbo_rocksdb_bloom_filter_useful_total"), 1);
  EXPECT_EQ(counter("dangbo_rocksdb_stall_seconds_total"), 0);
}

TEST_F(StoreMetricsTest, RegistrationRendersWhileItLives) {
  MetricsRegistry registry;
  {
    MetricsRegistration registration = RegisterStoreMetrics(store_.get(), "records", &registry);
    EXPECT_THAT(registry.Render(),
                HasSubstr("dangbo_rocksdb_block_cache_capacity_bytes{db=\"records\"} 8388608\n"));
    EXPECT_THAT(registry.Render(),
                HasSubstr("# TYPE dangbo_rocksdb_block_cache_hits_total counter\n"));
  }
  EXPECT_THAT(registry.Render(), Not(HasSubstr("dangbo_rocksdb_")));
}

TEST_F(StoreMetricsTest, AClosedStoreReportsNothing) {
  ASSERT_TRUE(store_->Close().ok());
  EXPECT_TRUE(CollectStoreMetrics(*store_, "records").empty());
}

}  // namespace
}  // namespace common
