#include "services/records/storage/indexes.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_split.h"
#include "common/vi_text.h"
#include "services/records/storage/keys.h"

namespace records {

namespace v1 = ::dangbo::records::v1;

bool HoldsMembership(v1::Member::State state) {
  return state != v1::Member::TRANSFERRED_OUT && state != v1::Member::TEMPORARILY_HOSTED;
}

std::vector<std::string> FoldedNameWords(absl::string_view full_name) {
  std::vector<std::string> words =
      absl::StrSplit(common::FoldForSearch(full_name), ' ', absl::SkipEmpty());
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

std::vector<IndexEntry> OrganizationIndexEntries(const v1::Organization& org) {
  return {{keys::OrganizationCodeKey(org.code()), org.name(), true}};
}

std::vector<IndexEntry> CellIndexEntries(absl::string_view organization_id, const v1::Cell& cell) {
  std::vector<IndexEntry> entries;
  if (cell.state() == v1::Cell::ACTIVE) {
    entries.push_back(
        {keys::ActiveCellNameKey(organization_id, common::FoldCase(cell.display_name())),
         cell.name(), true});
  }
  return entries;
}

namespace {

std::string CellIdOf(absl::string_view cell_name) {
  const size_t slash = cell_name.rfind('/');
  return std::string(slash == absl::string_view::npos ? cell_name : cell_name.substr(slash + 1));
}

// Every cell the member's history can place it in: the current cell and each to_cell an event
// or a correction names (the domain's replay takes a member's cell only from to_cell). Indexing
// only the current cell at each write missed cells reached through a correction: admitted to
// c2, moved to c3, then to c2, then the first move corrected to c1 places the member in c1 for
// a while although c1 was never its current cell, and GetCellHeadcount(c1) did not see it.
std::set<std::string> CellsNamed(const v1::Member& member) {
  std::set<std::string> cells;
  if (!member.cell().empty()) cells.insert(member.cell());
  for (const v1::LifecycleEvent& e : member.history()) {
    if (!e.to_cell().empty()) cells.insert(e.to_cell());
    if (!e.corrected_values().to_cell().empty()) cells.insert(e.corrected_values().to_cell());
  }
  return cells;
}

}  // namespace

std::vector<IndexEntry> MemberIndexEntries(absl::string_view org, absl::string_view member_id,
                                           const v1::Member& member) {
  std::vector<IndexEntry> entries;
  const std::string id(member_id);
  const std::string collation = common::NameCollationKey(member.full_name());
  const uint8_t state = static_cast<uint8_t>(member.state());
  entries.push_back({keys::MemberByNameKey(org, collation, id), id});
  entries.push_back({keys::MemberByStateKey(org, state, collation, id), id});
  for (const std::string& word : FoldedNameWords(member.full_name())) {
    entries.push_back({keys::MemberNameWordKey(org, word, id), id});
  }
  const auto& d = member.admission_date();
  entries.push_back(
      {keys::MemberByAdmissionKey(org, keys::DateNumber(d.year(), d.month(), d.day()), id), id});
  entries.push_back({keys::MemberByCardKey(org, member.party_card_number(), id), id});
  if (!member.cell().empty()) {
    const std::string cell = CellIdOf(member.cell());
    std::string value(1, static_cast<char>(state));
    value += id;
    entries.push_back({keys::MemberByCellKey(org, cell, collation, id), value});
  }
  for (const std::string& cell : CellsNamed(member)) {
    entries.push_back({keys::MemberEverInCellKey(org, CellIdOf(cell), id), id});
  }
  if (HoldsMembership(member.state())) {
    const std::string name = member.name();
    if (!member.national_id().empty()) {
      entries.push_back(
          {keys::UniqueKey(keys::Index::kUniqueNationalId, member.national_id()), name, true});
    }
    if (!member.party_card_number().empty()) {
      entries.push_back(
          {keys::UniqueKey(keys::Index::kUniquePartyCard, member.party_card_number()), name, true});
    }
    if (!member.member_file_number().empty()) {
      entries.push_back(
          {keys::UniqueKey(keys::Index::kUniqueMemberFile, member.member_file_number()), name,
           true});
    }
  }
  return entries;
}

void WriteIndexChanges(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* index_cf,
                       const std::vector<IndexEntry>& before,
                       const std::vector<IndexEntry>& after) {
  std::set<std::string> kept;
  for (const IndexEntry& e : after) kept.insert(e.key);
  for (const IndexEntry& e : before) {
    // kMemberEverInCell entries are history: never deleted.
    if (!e.key.empty() && e.key[0] == static_cast<char>(keys::Index::kMemberEverInCell)) continue;
    if (kept.count(e.key) == 0) batch->Delete(index_cf, e.key);
  }
  for (const IndexEntry& e : after) {
    if (std::find(before.begin(), before.end(), e) == before.end()) {
      batch->Put(index_cf, e.key, e.value);
    }
  }
}

std::vector<std::string> NewUniqueKeys(const std::vector<IndexEntry>& before,
                                       const std::vector<IndexEntry>& after) {
  std::set<std::string> had;
  for (const IndexEntry& e : before) had.insert(e.key);
  std::vector<std::string> keys;
  for (const IndexEntry& e : after) {
    if (e.unique && had.count(e.key) == 0) keys.push_back(e.key);
  }
  return keys;
}

}  // namespace records
