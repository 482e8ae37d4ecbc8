// The records database across schema versions: a database written by schema 1 (active cell
// names indexed exactly as written) is upgraded when it is opened: the name index is rebuilt in
// its folded form, stale entries are gone, and the schema version says so.
#include "services/records/storage/records_db.h"

#include <map>
#include <string>

#include "dangbo/records/v1/cell.pb.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"
#include "services/records/storage/indexes.h"
#include "services/records/storage/keys.h"
#include "services/records/storage/revision.h"
#include "tests/support/process.h"

namespace records {
namespace {

namespace v1 = ::dangbo::records::v1;

absl::StatusOr<std::unique_ptr<RecordsDb>> OpenAt(const std::string& path) {
  RecordsDbOptions options;
  options.store.path = path;
  options.store.sync_writes = false;
  options.store.block_cache_bytes = int64_t{8} << 20;
  return RecordsDb::Open(options);
}

v1::Cell Cell(const std::string& org, const std::string& id, const std::string& display_name,
              v1::Cell::State state = v1::Cell::ACTIVE) {
  v1::Cell cell;
  cell.set_name("organizations/" + org + "/cells/" + id);
  cell.set_display_name(display_name);
  cell.set_state(state);
  return cell;
}

// Writes `cell` with the index entry schema 1 gave it: the display name exactly as written.
void PutSchema1Cell(RecordsDb* db, const std::string& org, const std::string& id,
                    const v1::Cell& cell, rocksdb::WriteBatch* batch) {
  batch->Put(db->cf(keys::kCells), keys::CellKey(org, id),
             EncodeVersioned(1, cell.SerializeAsString()));
  if (cell.state() == v1::Cell::ACTIVE) {
    batch->Put(db->cf(keys::kIndex), keys::ActiveCellNameKey(org, cell.display_name()),
               cell.name());
  }
}

// Every active-cell-name entry: key -> holder.
std::map<std::string, std::string> NameEntries(const RecordsDb& db) {
  std::map<std::string, std::string> entries;
  const std::string prefix(1, static_cast<char>(keys::Index::kActiveCellName));
  std::unique_ptr<rocksdb::Iterator> it = db.store()->NewIterator(db.cf(keys::kIndex));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    entries[it->key().ToString()] = it->value().ToString();
  }
  return entries;
}

TEST(RecordsDbUpgradeTest, Schema1CellNameEntriesAreRebuiltFoldedWhenOpened) {
  testing_support::TempDir dir;
  const std::string path = dir.Sub("db");
  {
    auto db = OpenAt(path);
    ASSERT_TRUE(db.ok()) << db.status();
    rocksdb::WriteBatch batch;
    batch.Put((*db)->cf(keys::kMeta), keys::kMetaSchema, "1");
    PutSchema1Cell(db->get(), "hq", "nghiep-vu", Cell("hq", "nghiep-vu", "Chi bộ Nghiệp vụ"),
                   &batch);
    PutSchema1Cell(db->get(), "hq", "cu", Cell("hq", "cu", "Chi bộ Cũ", v1::Cell::MERGED), &batch);
    // A stale entry of a cell that is no longer active (schema 1 left none, but a rebuild
    // must not keep what the cells do not justify).
    batch.Put((*db)->cf(keys::kIndex), keys::ActiveCellNameKey("hq", "Chi bộ Cũ"),
              "organizations/hq/cells/cu");
    // Two active cells whose names differ only by case: schema 1 accepted them.
    PutSchema1Cell(db->get(), "hq", "kiem-soat", Cell("hq", "kiem-soat", "Chi bộ Kiểm soát"),
                   &batch);
    PutSchema1Cell(db->get(), "hq", "kiem-soat-2", Cell("hq", "kiem-soat-2", "CHI BỘ KIỂM SOÁT"),
                   &batch);
    ASSERT_TRUE((*db)->store()->Write(&batch).ok());
    ASSERT_TRUE((*db)->Close().ok());
  }
  auto db = OpenAt(path);
  ASSERT_TRUE(db.ok()) << "an upgrade never refuses existing data: " << db.status();
  absl::StatusOr<std::string> schema =
      (*db)->store()->Get((*db)->cf(keys::kMeta), keys::kMetaSchema);
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ(*schema, std::to_string(kSchemaVersion));
  EXPECT_GE(kSchemaVersion, 2);

  const std::map<std::string, std::string> entries = NameEntries(**db);
  // The folded form: NFC, lower case, diacritics kept.
  const auto folded = [](const std::string& lower) { return keys::ActiveCellNameKey("hq", lower); };
  ASSERT_EQ(entries.count(folded("chi bộ nghiệp vụ")), 1u);
  EXPECT_EQ(entries.at(folded("chi bộ nghiệp vụ")), "organizations/hq/cells/nghiep-vu");
  EXPECT_EQ(entries.count(keys::ActiveCellNameKey("hq", "Chi bộ Nghiệp vụ")), 0u)
      << "the schema 1 entry is gone";
  EXPECT_EQ(entries.count(folded("chi bộ cũ")), 0u) << "a merged cell holds no name";
  EXPECT_EQ(entries.count(keys::ActiveCellNameKey("hq", "Chi bộ Cũ")), 0u);
  // Of the two names that are now the same, one holds the entry (the first in key order).
  ASSERT_EQ(entries.count(folded("chi bộ kiểm soát")), 1u);
  EXPECT_EQ(entries.at(folded("chi bộ kiểm soát")), "organizations/hq/cells/kiem-soat");
  EXPECT_EQ(entries.size(), 2u);
  // The entries are what a write computes for the cells now.
  for (const IndexEntry& e : CellIndexEntries("hq", Cell("hq", "nghiep-vu", "Chi bộ Nghiệp vụ"))) {
    EXPECT_EQ(entries.count(e.key), 1u);
  }
  ASSERT_TRUE((*db)->Close().ok());

  // Opening again changes nothing.
  db = OpenAt(path);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(NameEntries(**db), entries);
}

}  // namespace
}  // namespace records
