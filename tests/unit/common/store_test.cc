#include "common/store.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/errors.h"
#include "gtest/gtest.h"

namespace common {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dangbo-store-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Store> OpenOrDie(std::vector<std::string> families) {
    StoreOptions options;
    options.path = dir_;
    options.column_families = std::move(families);
    options.block_cache_bytes = 8 << 20;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::string dir_;
};

TEST_F(StoreTest, BatchIsAtomicAcrossFamilies) {
  auto store = OpenOrDie({"members", "changes"});
  ASSERT_NE(store, nullptr);
  rocksdb::WriteBatch batch;
  batch.Put(store->cf("members"), "m1", "member one");
  batch.Put(store->cf("changes"), "0001", "created m1");
  ASSERT_TRUE(store->Write(&batch).ok());
  EXPECT_EQ(*store->Get(store->cf("members"), "m1"), "member one");
  EXPECT_EQ(*store->Get(store->cf("changes"), "0001"), "created m1");
  EXPECT_EQ(store->Get(store->cf("members"), "nope").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, DataSurvivesCloseAndReopen) {
  {
    auto store = OpenOrDie({"members"});
    rocksdb::WriteBatch batch;
    batch.Put(store->cf("members"), "m1", "v1");
    ASSERT_TRUE(store->Write(&batch).ok());
    ASSERT_TRUE(store->Close().ok());
  }
  auto store = OpenOrDie({"members"});
  EXPECT_EQ(*store->Get(store->cf("members"), "m1"), "v1");
}

TEST_F(StoreTest, OpensDatabaseWrittenWithMoreColumnFamilies) {
  {
    auto newer = OpenOrDie({"members", "added_later"});
    rocksdb::WriteBatch batch;
    batch.Put(newer->cf("added_later"), "k", "v");
    ASSERT_TRUE(newer->Write(&batch).ok());
  }
  // An older binary asks only for "members"; the extra family is opened and kept.
  auto older = OpenOrDie({"members"});
  ASSERT_NE(older, nullptr);
  EXPECT_TRUE(older->HasColumnFamily("added_later"));
  older.reset();
  auto again = OpenOrDie({"members", "added_later"});
  EXPECT_EQ(*again->Get(again->cf("added_later"), "k"), "v");
}

TEST_F(StoreTest, AddsNewColumnFamiliesToAnExistingDatabase) {
  { OpenOrDie({"members"}); }
  auto store = OpenOrDie({"members", "indexes"});
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->HasColumnFamily("indexes"));
}

TEST_F(StoreTest, SnapshotSeesPointInTime) {
  auto store = OpenOrDie({"members"});
  rocksdb::WriteBatch first;
  first.Put(store->cf("members"), "a", "1");
  ASSERT_TRUE(store->Write(&first).ok());
  auto snapshot = store->GetSnapshot();
  rocksdb::WriteBatch second;
  second.Put(store->cf("members"), "a", "2");
  second.Put(store->cf("members"), "b", "2");
  ASSERT_TRUE(store->Write(&second).ok());
  EXPECT_EQ(*store->Get(store->cf("members"), "a", snapshot->get()), "1");
  EXPECT_EQ(store->Get(store->cf("members"), "b", snapshot->get()).status().code(),
            absl::StatusCode::kNotFound);
  int count = 0;
  auto it = store->NewIterator(store->cf("members"), snapshot->get());
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
  EXPECT_EQ(count, 1);
}

TEST_F(StoreTest, OpenWithoutCreateOnMissingDirectoryFails) {
  StoreOptions options;
  options.path = dir_ + "/absent";
  options.create_if_missing = false;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  EXPECT_FALSE(store.ok());
}

TEST_F(StoreTest, CreatesTheDataDirectoryWithItsParents) {
  StoreOptions options;
  options.path = dir_ + "/volume/dangbo/records";
  options.column_families = {"things"};
  options.block_cache_bytes = 8 << 20;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(std::filesystem::exists(options.path + "/CURRENT"));
}

TEST_F(StoreTest, ADataDirectoryThatCannotBeCreatedIsNamedInTheError) {
  // A regular file where a parent directory should be.
  { std::ofstream(dir_ + "/volume") << "not a directory"; }
  StoreOptions options;
  options.path = dir_ + "/volume/records";
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("cannot create the data directory " + options.path),
            std::string::npos)
      << store.status();
}

TEST_F(StoreTest, MapsRocksDbStatuses) {
  EXPECT_EQ(FromRocksDb(rocksdb::Status::NotFound(), "x").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::Corruption(), "x").code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::NoSpace(), "x").code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorReason(FromRocksDb(rocksdb::Status::NoSpace(), "x")), "DISK_FULL");
  EXPECT_EQ(FromRocksDb(rocksdb::Status::Busy(), "x").code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(FromRocksDb(rocksdb::Status::OK(), "x").ok());
}

}  // namespace
}  // namespace common
