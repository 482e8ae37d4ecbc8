// The records database across schema versions: a database written by schema 1 (active cell
// names indexed exactly as written) is upgraded when it is opened: the name index is rebuilt in
// its folded form, stale entries are gone, and the schema version says so. A database written
// by schema 2 (members indexed only in their current cells) gains an ever-in-cell entry for
// every cell a member's history names.
#include "services/records/storage/records_db.h"

#include <map>
#include <string>

#include "common/metrics.h"
#include "common/vi_text.h"
#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/member.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"
#include "services/records/storage/indexes.h"
#include "services/records/storage/keys.h"
#include "services/records/storage/revision.h"
#include "tests/support/process.h"

namespace records {
namespace {

namespace v1 = ::dangbo::records::v1;

absl::StatusOr<std::unique_ptr<RecordsDb>> OpenAt(const std::string& path,
                                                  const std::string& text_rules = "") {
  RecordsDbOptions options;
  options.text_rules_version = text_rules;
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

// --- Text rules: an ICU upgrade rebuilds the name indexes ---------------------------------

v1::Member Member(const std::string& org, const std::string& id, const std::string& full_name,
                  const std::string& cell_id) {
  v1::Member member;
  member.set_name("organizations/" + org + "/members/" + id);
  member.set_full_name(full_name);
  member.set_state(v1::Member::FULL);
  member.set_cell("organizations/" + org + "/cells/" + cell_id);
  member.mutable_admission_date()->set_year(2015);
  member.mutable_admission_date()->set_month(3);
  member.mutable_admission_date()->set_day(2);
  return member;
}

// Stores `member` with the index entries a write gives it today.
void PutMember(RecordsDb* db, const std::string& org, const std::string& id,
               const v1::Member& member, rocksdb::WriteBatch* batch) {
  batch->Put(db->cf(keys::kMembers), keys::MemberKey(org, id),
             EncodeVersioned(1, member.SerializeAsString()));
  WriteIndexChanges(batch, db->cf(keys::kIndex), {}, MemberIndexEntries(org, id, member));
}

// Every index entry: key -> value.
std::map<std::string, std::string> IndexEntries(const RecordsDb& db) {
  std::map<std::string, std::string> entries;
  std::unique_ptr<rocksdb::Iterator> it = db.store()->NewIterator(db.cf(keys::kIndex));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    entries[it->key().ToString()] = it->value().ToString();
  }
  return entries;
}

std::string StoredTextRules(const RecordsDb& db) {
  absl::StatusOr<std::string> v = db.store()->Get(db.cf(keys::kMeta), keys::kMetaTextRules);
  return v.ok() ? *v : v.status().ToString();
}

uint64_t RebuiltMembers() {
  return common::MetricsRegistry::Default()
      .AddCounter("dangbo_records_text_index_rebuilt_members_total",
                  "Members whose text-keyed index entries were rebuilt at open because ICU's "
                  "rules changed.")
      .value();
}

class RecordsDbTextRulesTest : public testing::Test {
 protected:
  // A database under rules "icu old" holding two members, a cell, and what an older ICU
  // left behind: a member's by-name, by-cell, by-state and name-word entries under collation
  // keys the current rules no longer compute, and a cell name folded differently.
  void SetUp() override {
    auto db = OpenAt(path_, "icu old");
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_EQ(StoredTextRules(**db), "icu old") << "a new database records its rules";
    rocksdb::WriteBatch batch;
    const v1::Cell cell = Cell("hq", "nghiep-vu", "Chi bộ Nghiệp vụ");
    batch.Put((*db)->cf(keys::kCells), keys::CellKey("hq", "nghiep-vu"),
              EncodeVersioned(1, cell.SerializeAsString()));
    WriteIndexChanges(&batch, (*db)->cf(keys::kIndex), {}, CellIndexEntries("hq", cell));
    PutMember(db->get(), "hq", "m1", Member("hq", "m1", "Nguyễn Văn Ánh", "nghiep-vu"), &batch);
    PutMember(db->get(), "hq", "m2", Member("hq", "m2", "Trần Thị Bình", "nghiep-vu"), &batch);
    ASSERT_TRUE((*db)->store()->Write(&batch).ok());
    today_ = IndexEntries(**db);
    const std::string old_key = "\x01\x02old-collation";
    batch.Clear();
    batch.Put((*db)->cf(keys::kIndex), keys::MemberByNameKey("hq", old_key, "m1"), "m1");
    batch.Put((*db)->cf(keys::kIndex),
              keys::MemberByStateKey("hq", static_cast<uint8_t>(v1::Member::FULL), old_key, "m1"),
              "m1");
    batch.Put((*db)->cf(keys::kIndex), keys::MemberByCellKey("hq", "nghiep-vu", old_key, "m1"),
              std::string(1, static_cast<char>(v1::Member::FULL)) + "m1");
    batch.Put((*db)->cf(keys::kIndex), keys::MemberNameWordKey("hq", "anh-old", "m1"), "m1");
    batch.Put((*db)->cf(keys::kIndex), keys::ActiveCellNameKey("hq", "Chi bộ Nghiệp vụ"),
              cell.name());
    ASSERT_TRUE((*db)->store()->Write(&batch).ok());
    with_orphans_ = IndexEntries(**db);
    ASSERT_EQ(with_orphans_.size(), today_.size() + 5);
    ASSERT_TRUE((*db)->Close().ok());
  }

  testing_support::TempDir dir_;
  const std::string path_ = dir_.Sub("db");
  std::map<std::string, std::string> today_;         // the entries the current rules compute
  std::map<std::string, std::string> with_orphans_;  // plus the older ICU's leftovers
};

TEST_F(RecordsDbTextRulesTest, TheSameRulesChangeNothing) {
  const uint64_t before = RebuiltMembers();
  auto db = OpenAt(path_, "icu old");
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(IndexEntries(**db), with_orphans_);
  EXPECT_EQ(RebuiltMembers(), before);
}

TEST_F(RecordsDbTextRulesTest, NewRulesRebuildTheNameIndexesBeforeOpenReturns) {
  const uint64_t before = RebuiltMembers();
  auto db = OpenAt(path_, "icu new");
  ASSERT_TRUE(db.ok()) << db.status();
  // Exactly what the current rules compute: the leftovers are gone, nothing else changed
  // (admission-date, card and unique entries are not text-keyed and are kept as they were).
  EXPECT_EQ(IndexEntries(**db), today_);
  EXPECT_EQ(StoredTextRules(**db), "icu new");
  EXPECT_EQ(RebuiltMembers(), before + 2);
  ASSERT_TRUE((*db)->Close().ok());

  db = OpenAt(path_, "icu new");
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(IndexEntries(**db), today_);
  EXPECT_EQ(RebuiltMembers(), before + 2) << "once rebuilt, opening again rebuilds nothing";
}

TEST_F(RecordsDbTextRulesTest, ADatabaseWithoutRecordedRulesIsRebuiltUnderTheBinarysRules) {
  {
    auto db = OpenAt(path_, "icu old");
    ASSERT_TRUE(db.ok()) << db.status();
    rocksdb::WriteBatch batch;
    batch.Delete((*db)->cf(keys::kMeta), keys::kMetaTextRules);
    ASSERT_TRUE((*db)->store()->Write(&batch).ok());
    ASSERT_TRUE((*db)->Close().ok());
  }
  auto db = OpenAt(path_);  // the rules of the ICU this binary runs with
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(IndexEntries(**db), today_);
  EXPECT_EQ(StoredTextRules(**db), common::TextRulesVersion());
}

TEST(TextRulesVersionTest, NamesIcuItsVietnameseCollatorAndUnicode) {
  const std::string v = common::TextRulesVersion();
  EXPECT_THAT(v, testing::StartsWith("icu "));
  EXPECT_THAT(v, testing::HasSubstr("; collator vi "));
  EXPECT_THAT(v, testing::HasSubstr("; unicode "));
  EXPECT_EQ(v, common::TextRulesVersion());
}

TEST(RecordsDbUpgradeTest, Schema2MembersAreIndexedInEveryCellTheirHistoryNames) {
  testing_support::TempDir dir;
  const std::string path = dir.Sub("db");
  {
    auto db = OpenAt(path);
    ASSERT_TRUE(db.ok()) << db.status();
    // Admitted to a, the move to b corrected to c: schema 2 indexed a only.
    v1::Member m;
    m.set_name("organizations/hq/members/m1");
    m.set_cell("organizations/hq/cells/a");
    m.add_history()->set_to_cell("organizations/hq/cells/a");
    v1::LifecycleEvent* moved = m.add_history();
    moved->set_event_id("e2");
    moved->set_to_cell("organizations/hq/cells/b");
    v1::LifecycleEvent* corrected = m.add_history();
    corrected->set_corrects_event_id("e2");
    corrected->mutable_corrected_values()->set_to_cell("organizations/hq/cells/c");
    rocksdb::WriteBatch batch;
    batch.Put((*db)->cf(keys::kMeta), keys::kMetaSchema, "2");
    batch.Put((*db)->cf(keys::kMembers), keys::MemberKey("hq", "m1"),
              EncodeVersioned(1, m.SerializeAsString()));
    batch.Put((*db)->cf(keys::kIndex), keys::MemberEverInCellKey("hq", "a", "m1"), "m1");
    ASSERT_TRUE((*db)->store()->Write(&batch, true).ok());
    ASSERT_TRUE((*db)->Close().ok());
  }
  auto db = OpenAt(path);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(*(*db)->store()->Get((*db)->cf(keys::kMeta), keys::kMetaSchema),
            std::to_string(kSchemaVersion));
  for (const char* cell : {"a", "b", "c"}) {
    EXPECT_TRUE((*db)
                    ->store()
                    ->Get((*db)->cf(keys::kIndex), keys::MemberEverInCellKey("hq", cell, "m1"))
                    .ok())
        << cell;
  }
  ASSERT_TRUE((*db)->Close().ok());
}

}  // namespace
}  // namespace records
