// analytics' data directory: identity record, reopening, and refusing another service's data
// or a newer schema without changing anything.
#include "services/analytics/store/analytics_db.h"

#include "absl/strings/str_cat.h"
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

TEST(AnalyticsDbTest, RefusesANewerSchemaAndLeavesItAlone) {
  TempDir dir;
  dangbo::analytics::storage::v1::Identity newer;
  newer.set_service("analytics");
  newer.set_schema(kSchemaVersion + 1);
  {
    auto db = OpenAnalyticsDb(Options(dir.Sub("db")));
    ASSERT_TRUE(db.ok()) << db.status();
    // What a newer analytics_server would have written.
    rocksdb::WriteBatch batch;
    batch.Put((*db)->cf(kMetaFamily), "identity", newer.SerializeAsString());
    batch.Put((*db)->cf(kIndicatorsFamily), "o/i", "a newer format");
    ASSERT_TRUE((*db)->Write(&batch).ok());
  }
  auto db = OpenAnalyticsDb(Options(dir.Sub("db")));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(db.status().message()),
              HasSubstr(absl::StrCat("analytics schema ", kSchemaVersion + 1, ", newer than")));
  EXPECT_THAT(std::string(db.status().message()), HasSubstr("run a newer analytics_server"));
  // Still the newer server's data: neither the identity nor the records were touched.
  common::StoreOptions reopen = Options(dir.Sub("db"));
  reopen.create_if_missing = false;
  auto store = common::Store::Open(reopen);
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<std::string> identity = (*store)->Get((*store)->cf(kMetaFamily), "identity");
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(*identity, newer.SerializeAsString());
  absl::StatusOr<std::string> record = (*store)->Get((*store)->cf(kIndicatorsFamily), "o/i");
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(*record, "a newer format");
}

}  // namespace
}  // namespace analytics
