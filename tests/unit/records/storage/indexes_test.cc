// Index entries: which keys a member, cell or organization holds, how a change replaces
// them, and which unique keys a write must find free.
#include "services/records/storage/indexes.h"

#include <algorithm>

#include "common/vi_text.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"
#include "services/records/storage/keys.h"

namespace records {
namespace {

namespace v1 = ::dangbo::records::v1;

v1::Member Member(v1::Member::State state) {
  v1::Member m;
  m.set_name("organizations/hq/members/m1");
  m.set_full_name("Nguyễn Văn Hùng");
  m.set_state(state);
  m.set_cell("organizations/hq/cells/a");
  m.set_national_id("080085001234");
  m.set_party_card_number("51000001");
  m.set_member_file_number("012345LA");
  m.mutable_admission_date()->set_year(2010);
  m.mutable_admission_date()->set_month(5);
  m.mutable_admission_date()->set_day(10);
  return m;
}

bool Has(const std::vector<IndexEntry>& entries, const std::string& key) {
  return std::any_of(entries.begin(), entries.end(),
                     [&](const IndexEntry& e) { return e.key == key; });
}

TEST(IndexesTest, AMemberIsIndexedByNameCellStateWordsAdmissionAndCard) {
  const auto entries = MemberIndexEntries("hq", "m1", Member(v1::Member::FULL));
  const std::string collation = common::NameCollationKey("Nguyễn Văn Hùng");
  EXPECT_TRUE(Has(entries, keys::MemberByNameKey("hq", collation, "m1")));
  EXPECT_TRUE(Has(entries, keys::MemberByCellKey("hq", "a", collation, "m1")));
  EXPECT_TRUE(Has(entries, keys::MemberByStateKey("hq", v1::Member::FULL, collation, "m1")));
  for (const char* word : {"nguyen", "van", "hung"}) {
    EXPECT_TRUE(Has(entries, keys::MemberNameWordKey("hq", word, "m1"))) << word;
  }
  EXPECT_TRUE(Has(entries, keys::MemberByAdmissionKey("hq", 20100510, "m1")));
  EXPECT_TRUE(Has(entries, keys::MemberByCardKey("hq", "51000001", "m1")));
  EXPECT_TRUE(Has(entries, keys::MemberEverInCellKey("hq", "a", "m1")));
  EXPECT_TRUE(Has(entries, keys::UniqueKey(keys::Index::kUniqueNationalId, "080085001234")));
}

TEST(IndexesTest, RecordsThatDoNotHoldTheMembershipReleaseTheUniqueIdentifiers) {
  for (auto state : {v1::Member::TRANSFERRED_OUT, v1::Member::TEMPORARILY_HOSTED}) {
    const auto entries = MemberIndexEntries("hq", "m1", Member(state));
    for (const IndexEntry& e : entries) EXPECT_FALSE(e.unique) << e.key;
  }
  const auto removed = MemberIndexEntries("hq", "m1", Member(v1::Member::REMOVED));
  EXPECT_TRUE(Has(removed, keys::UniqueKey(keys::Index::kUniquePartyCard, "51000001")))
      << "a removed member still holds the card number";
}

TEST(IndexesTest, NewUniqueKeysAreOnlyTheOnesAWriteAdds) {
  const auto before = MemberIndexEntries("hq", "m1", Member(v1::Member::FULL));
  v1::Member changed = Member(v1::Member::FULL);
  changed.set_party_card_number("51000002");
  const auto after = MemberIndexEntries("hq", "m1", changed);
  EXPECT_EQ(NewUniqueKeys(before, after),
            std::vector<std::string>{keys::UniqueKey(keys::Index::kUniquePartyCard, "51000002")});
  EXPECT_EQ(NewUniqueKeys(before, before).size(), 0u);
}

class Recorder : public rocksdb::WriteBatch::Handler {
 public:
  rocksdb::Status PutCF(uint32_t, const rocksdb::Slice& k, const rocksdb::Slice&) override {
    puts.push_back(k.ToString());
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t, const rocksdb::Slice& k) override {
    deletes.push_back(k.ToString());
    return rocksdb::Status::OK();
  }
  std::vector<std::string> puts, deletes;
};

// A correction can place a member in a cell that was never its current cell (admitted to a,
// moved to b, then back to a, the first move corrected to c): GetCellHeadcount(c) for a day in
// that time must still find the member, so every cell the history names is indexed.
TEST(IndexesTest, EveryCellTheHistoryNamesIsIndexedAsEverHeld) {
  v1::Member m = Member(v1::Member::PROBATIONARY);
  v1::LifecycleEvent* admitted = m.add_history();
  admitted->set_kind(v1::LifecycleEvent::ADMITTED);
  admitted->set_to_cell("organizations/hq/cells/a");
  v1::LifecycleEvent* moved = m.add_history();
  moved->set_event_id("e2");
  moved->set_kind(v1::LifecycleEvent::TRANSFERRED_CELL);
  moved->set_to_cell("organizations/hq/cells/b");
  v1::LifecycleEvent* back = m.add_history();
  back->set_kind(v1::LifecycleEvent::TRANSFERRED_CELL);
  back->set_to_cell("organizations/hq/cells/a");
  v1::LifecycleEvent* corrected = m.add_history();
  corrected->set_kind(v1::LifecycleEvent::CORRECTED);
  corrected->set_corrects_event_id("e2");
  corrected->add_corrected_fields("to_cell");
  corrected->mutable_corrected_values()->set_to_cell("organizations/hq/cells/c");
  const auto entries = MemberIndexEntries("hq", "m1", m);
  for (const char* cell : {"a", "b", "c"}) {
    EXPECT_TRUE(Has(entries, keys::MemberEverInCellKey("hq", cell, "m1"))) << cell;
  }
}

TEST(IndexesTest, AChangeReplacesStaleEntriesButKeepsCellHistory) {
  const auto before = MemberIndexEntries("hq", "m1", Member(v1::Member::FULL));
  v1::Member moved = Member(v1::Member::FULL);
  moved.set_cell("organizations/hq/cells/b");
  const auto after = MemberIndexEntries("hq", "m1", moved);
  rocksdb::WriteBatch batch;
  WriteIndexChanges(&batch, nullptr, before, after);
  Recorder r;
  ASSERT_TRUE(batch.Iterate(&r).ok());
  const std::string collation = common::NameCollationKey("Nguyễn Văn Hùng");
  EXPECT_EQ(r.deletes, std::vector<std::string>{keys::MemberByCellKey("hq", "a", collation, "m1")});
  EXPECT_EQ(r.puts.size(), 2u);  // by cell b, ever in cell b
  EXPECT_TRUE(std::find(r.puts.begin(), r.puts.end(), keys::MemberEverInCellKey("hq", "b", "m1")) !=
              r.puts.end());
}

TEST(IndexesTest, OnlyActiveCellsHoldTheirDisplayName) {
  v1::Cell cell;
  cell.set_name("organizations/hq/cells/a");
  cell.set_display_name("Chi bộ Văn phòng");
  cell.set_state(v1::Cell::ACTIVE);
  EXPECT_EQ(CellIndexEntries("hq", cell).size(), 1u);
  cell.set_state(v1::Cell::MERGED);
  EXPECT_TRUE(CellIndexEntries("hq", cell).empty());
}

TEST(IndexesTest, FoldedWordsAreDistinctAndDiacriticFree) {
  EXPECT_EQ(FoldedNameWords("Đặng  Đức Đức"), (std::vector<std::string>{"dang", "duc"}));
}

}  // namespace
}  // namespace records
