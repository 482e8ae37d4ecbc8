// analytics' data directory: identity record, reopening, and refusing another service's data.
#include "services/analytics/store/analytics_db.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/analytics/store/indicator_store.h"
#include "tests/support/process.h"

namespace analytics {
namespace {

using ::testing::HasSubstr;
using testing_support::TempDir;

common::StoreOptions Options(const std::string& path) {
  common::StoreOptions options;
  options.path = path;
  options.block_cache_bytes = 8 << 20;
  options.sync_writes = false;
  return options;
}

TEST(AnalyticsDbTest, CreatesAndReopensItsOwnDirectory) {
  TempDir dir;
  {
    auto db = OpenAnalyticsDb(Options(dir.Sub("db")));
    ASSERT_TRUE(db.ok()) << db.status();
    IndicatorStore store(db->get());
    ASSERT_TRUE(store.OpenLog().ok());
    IndicatorWrite write;
    Indicator indicator;
    indicator.set_name("organizations/o/indicators/i");
    store.PutIndicator(&write, "o", "i", indicator);
    absl::MutexLock lock(&store.write_mutex());
    ASSERT_TRUE(store.Commit(&write).ok());
  }
  auto db = OpenAnalyticsDb(Options(dir.Sub("db")));
  ASSERT_TRUE(db.ok()) << db.status();
  IndicatorStore store(db->get());
  EXPECT_TRUE(store.GetIndicator("o", "i").ok());
  EXPECT_TRUE(absl::IsNotFound(store.GetIndicator("o", "j").status()));
}

TEST(AnalyticsDbTest, RefusesAnotherServicesDirectoryWithoutTouchingIt) {
  TempDir dir;
  {
    common::StoreOptions records = Options(dir.Sub("db"));
    records.column_families = {"members", "changes"};
    ASSERT_TRUE(common::Store::Open(records).ok());
  }
  auto db = OpenAnalyticsDb(Options(dir.Sub("db")));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(db.status().message()), HasSubstr("not an analytics database"));
  EXPECT_THAT(std::string(db.status().message()), HasSubstr("members"));
  // Nothing was added to it.
  common::StoreOptions reopen = Options(dir.Sub("db"));
  reopen.create_if_missing = false;
  auto store = common::Store::Open(reopen);
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE((*store)->HasColumnFamily("indicators"));
}

TEST(AnalyticsDbTest, RefusesADirectoryWithDataButNoIdentity) {
  TempDir dir;
  {
    auto store = common::Store::Open(Options(dir.Sub("db")));
    ASSERT_TRUE(store.ok());
    rocksdb::WriteBatch batch;
    batch.Put((*store)->cf("default"), "k", "v");
    ASSERT_TRUE((*store)->Write(&batch).ok());
  }
  auto db = OpenAnalyticsDb(Options(dir.Sub("db")));
  ASSERT_FALSE(db.ok());
  EXPECT_THAT(std::string(db.status().message()), HasSubstr("no analytics identity"));
}

}  // namespace
}  // namespace analytics
