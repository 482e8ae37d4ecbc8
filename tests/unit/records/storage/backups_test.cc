// Backup retention: after each backup the store keeps the `keep` newest and none older than
// `max_age`, but never deletes the newest; Prune() applies the same rule on demand.
#include "services/records/storage/backups.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/records/storage/records_db.h"
#include "tests/support/process.h"

namespace records {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

BackupRetention Retention(int keep, absl::Duration max_age = absl::ZeroDuration()) {
  BackupRetention retention;
  retention.keep = keep;
  retention.max_age = max_age;
  return retention;
}

class BackupRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RecordsDbOptions options;
    options.store.path = dir_.Sub("db");
    options.store.sync_writes = false;
    options.store.block_cache_bytes = int64_t{8} << 20;
    absl::StatusOr<std::unique_ptr<RecordsDb>> db = RecordsDb::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }

  std::unique_ptr<BackupStore> Store(BackupRetention retention) {
    return BackupStore::Open(dir_.Sub("backups"), retention);
  }

  uint32_t Backup(BackupStore* store) {
    absl::StatusOr<BackupRecord> backup = store->Create(db_->store(), BackupRequest{});
    EXPECT_TRUE(backup.ok()) << backup.status();
    return backup.ok() ? backup->backup_id : 0;
  }

  std::vector<uint32_t> Ids(const BackupStore& store) {
    std::vector<uint32_t> ids;
    absl::StatusOr<std::vector<BackupRecord>> all = store.List();
    EXPECT_TRUE(all.ok()) << all.status();
    if (all.ok()) {
      for (const BackupRecord& r : *all) ids.push_back(r.backup_id);
    }
    return ids;
  }

  testing_support::TempDir dir_;
  std::unique_ptr<RecordsDb> db_;
};

TEST_F(BackupRetentionTest, EachBackupDeletesThoseBeyondTheNewestN) {
  std::unique_ptr<BackupStore> store = Store(Retention(2));
  EXPECT_EQ(Backup(store.get()), 1u);
  EXPECT_EQ(Backup(store.get()), 2u);
  EXPECT_THAT(Ids(*store), ElementsAre(2, 1));
  EXPECT_EQ(Backup(store.get()), 3u);
  EXPECT_THAT(Ids(*store), ElementsAre(3, 2)) << "backup 1 was the third newest";
  EXPECT_EQ(Backup(store.get()), 4u);
  EXPECT_THAT(Ids(*store), ElementsAre(4, 3));
}

TEST_F(BackupRetentionTest, BackupsOlderThanTheMaximumAgeGoButTheNewestStays) {
  std::unique_ptr<BackupStore> store = Store(Retention(0, absl::Hours(24)));
  Backup(store.get());
  Backup(store.get());
  Backup(store.get());
  absl::StatusOr<std::vector<uint32_t>> pruned = store->Prune(absl::Now() + absl::Hours(23));
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_THAT(*pruned, IsEmpty()) << "all younger than a day";
  EXPECT_THAT(Ids(*store), ElementsAre(3, 2, 1));

  pruned = store->Prune(absl::Now() + absl::Hours(25));
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_THAT(*pruned, ElementsAre(1, 2)) << "oldest first";
  EXPECT_THAT(Ids(*store), ElementsAre(3)) << "the only backup left is kept, however old";
  pruned = store->Prune(absl::Now() + absl::Hours(24 * 365));
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_THAT(Ids(*store), ElementsAre(3));
}

TEST_F(BackupRetentionTest, CountAndAgeTogetherAndADeletedBackupIsGoneFromDisk) {
  std::unique_ptr<BackupStore> store = Store(Retention(3, absl::Hours(24)));
  for (int i = 0; i < 4; ++i) Backup(store.get());
  EXPECT_THAT(Ids(*store), ElementsAre(4, 3, 2));
  absl::StatusOr<std::vector<uint32_t>> pruned = store->Prune(absl::Now() + absl::Hours(48));
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_THAT(*pruned, ElementsAre(2, 3));
  EXPECT_THAT(Ids(*store), ElementsAre(4));
  // A new store on the directory (a restarted server) sees the same.
  store.reset();
  EXPECT_THAT(Ids(*Store(Retention(0))), ElementsAre(4));
}

TEST_F(BackupRetentionTest, WithoutLimitsNothingIsDeleted) {
  std::unique_ptr<BackupStore> store = Store(Retention(0));
  for (int i = 0; i < 3; ++i) Backup(store.get());
  absl::StatusOr<std::vector<uint32_t>> pruned = store->Prune(absl::Now() + absl::Hours(1e5));
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_THAT(*pruned, IsEmpty());
  EXPECT_THAT(Ids(*store), ElementsAre(3, 2, 1));
}

}  // namespace
}  // namespace records
