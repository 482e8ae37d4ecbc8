#include "services/records/storage/resource_store.h"

#include <utility>

#include "absl/strings/match.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "services/records/storage/keys.h"

namespace records {
namespace {

const rocksdb::Snapshot* Raw(const ReadSnapshot* snapshot) {
  return snapshot == nullptr ? nullptr : snapshot->get();
}

absl::Status Tick(common::Cancellation* stop) {
  return stop == nullptr ? absl::OkStatus() : stop->Tick();
}

// Parses each stored resource under `prefix` of `cf` into one reused message and visits it.
template <typename T>
absl::Status ScanResources(const RecordsDb& db, const char* cf, const std::string& prefix,
                           const rocksdb::Snapshot* snapshot, const Visitor<T>& visit,
                           common::Cancellation* stop, absl::string_view what) {
  std::unique_ptr<rocksdb::Iterator> it = db.store()->NewIterator(db.cf(cf), snapshot);
  T item;  // reused: parsing into it recycles its memory
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    RETURN_IF_ERROR(Tick(stop));
    RETURN_IF_ERROR(ParseVersioned(it->value(), &item));
    RETURN_IF_ERROR(visit(item));
  }
  return common::FromRocksDb(it->status(), what);
}

}  // namespace

std::unique_ptr<ReadSnapshot> TakeSnapshot(const RecordsDb& db) {
  return db.store()->GetSnapshot();
}

absl::StatusOr<Versioned<v1::Organization>> ReadOrganization(const RecordsDb& db,
                                                             absl::string_view org,
                                                             const ReadSnapshot* snapshot) {
  return db.Read<v1::Organization>(db.cf(keys::kOrganizations), keys::OrganizationKey(org),
                                   Raw(snapshot));
}

absl::StatusOr<Versioned<v1::Cell>> ReadCell(const RecordsDb& db, absl::string_view org,
                                             absl::string_view cell, const ReadSnapshot* snapshot) {
  return db.Read<v1::Cell>(db.cf(keys::kCells), keys::CellKey(org, cell), Raw(snapshot));
}

absl::StatusOr<Versioned<v1::Member>> ReadMember(const RecordsDb& db, absl::string_view org,
                                                 absl::string_view member,
                                                 const ReadSnapshot* snapshot) {
  return db.Read<v1::Member>(db.cf(keys::kMembers), keys::MemberKey(org, member), Raw(snapshot));
}

absl::StatusOr<std::vector<std::optional<v1::Member>>> ReadMembers(
    const RecordsDb& db, absl::string_view org, const std::vector<std::string>& ids,
    const ReadSnapshot* snapshot) {
  if (ids.empty()) return std::vector<std::optional<v1::Member>>();
  std::vector<std::string> member_keys;
  member_keys.reserve(ids.size());
  for (const std::string& id : ids) member_keys.push_back(keys::MemberKey(org, id));
  std::vector<rocksdb::Slice> slices(member_keys.begin(), member_keys.end());
  std::vector<rocksdb::PinnableSlice> values(ids.size());
  std::vector<rocksdb::Status> statuses(ids.size());
  rocksdb::ReadOptions options;
  options.snapshot = Raw(snapshot);
  db.store()->db()->MultiGet(options, db.cf(keys::kMembers), slices.size(), slices.data(),
                             values.data(), statuses.data());
  std::vector<std::optional<v1::Member>> members(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    RETURN_IF_ERROR(common::FromRocksDb(statuses[i], "read members"));
    RETURN_IF_ERROR(ParseVersioned(values[i], &members[i].emplace()));
  }
  return members;
}

absl::StatusOr<Versioned<v1::InspectionPlan>> ReadInspectionPlan(const RecordsDb& db,
                                                                 absl::string_view org,
                                                                 absl::string_view plan,
                                                                 const ReadSnapshot* snapshot) {
  return db.Read<v1::InspectionPlan>(db.cf(keys::kInspectionPlans),
                                     keys::InspectionPlanKey(org, plan), Raw(snapshot));
}

absl::Status ScanOrganizations(const RecordsDb& db, const Visitor<v1::Organization>& visit,
                               common::Cancellation* stop) {
  return ScanResources(db, keys::kOrganizations, std::string(), nullptr, visit, stop,
                       "scan organizations");
}

absl::Status ScanCells(const RecordsDb& db, absl::string_view org, const Visitor<v1::Cell>& visit,
                       common::Cancellation* stop) {
  return ScanResources(db, keys::kCells, keys::CellPrefix(org), nullptr, visit, stop,
                       "scan an organization's cells");
}

absl::Status ScanInspectionPlans(const RecordsDb& db, absl::string_view org,
                                 const Visitor<v1::InspectionPlan>& visit,
                                 common::Cancellation* stop) {
  return ScanResources(db, keys::kInspectionPlans, keys::InspectionPlanPrefix(org), nullptr, visit,
                       stop, "scan inspection plans");
}

absl::StatusOr<OrganizationRange> ReadOrganizationsByName(const RecordsDb& db,
                                                          absl::string_view after_name, bool desc,
                                                          int page_size, size_t count_limit,
                                                          common::Cancellation* stop) {
  // Organization keys are their ids, and names are "organizations/<id>": id order is name
  // order, so the page is a range of keys and the others are only counted.
  std::string token_key;
  if (!after_name.empty()) {
    constexpr absl::string_view kPrefix = "organizations/";
    if (!absl::StartsWith(after_name, kPrefix)) {
      return absl::InvalidArgumentError("not an organization name");
    }
    token_key = keys::OrganizationKey(after_name.substr(kPrefix.size()));
  }
  OrganizationRange range;
  std::unique_ptr<rocksdb::Iterator> it = db.store()->NewIterator(db.cf(keys::kOrganizations));
  auto step = [&it, desc] { desc ? it->Prev() : it->Next(); };
  if (token_key.empty()) {
    desc ? it->SeekToLast() : it->SeekToFirst();
  } else {
    desc ? it->SeekForPrev(token_key) : it->Seek(token_key);
    if (it->Valid() && it->key() == token_key) step();
  }
  for (; it->Valid() && range.items.size() < static_cast<size_t>(page_size); step()) {
    RETURN_IF_ERROR(Tick(stop));
    RETURN_IF_ERROR(ParseVersioned(it->value(), &range.items.emplace_back()));
    ++range.counted;
  }
  range.more = it->Valid();
  for (; it->Valid() && range.counted < count_limit; step()) {
    RETURN_IF_ERROR(Tick(stop));
    ++range.counted;
  }
  RETURN_IF_ERROR(common::FromRocksDb(it->status(), "scan organizations"));
  if (!token_key.empty() && range.counted < count_limit) {
    // And those before the page, the token's own organization included.
    std::unique_ptr<rocksdb::Iterator> before =
        db.store()->NewIterator(db.cf(keys::kOrganizations));
    desc ? before->Seek(token_key) : before->SeekForPrev(token_key);
    for (; before->Valid() && range.counted < count_limit; desc ? before->Next() : before->Prev()) {
      RETURN_IF_ERROR(Tick(stop));
      ++range.counted;
    }
    RETURN_IF_ERROR(common::FromRocksDb(before->status(), "count organizations"));
  }
  return range;
}

absl::Status ScanCellMembers(
    const RecordsDb& db, absl::string_view org, absl::string_view cell,
    const std::function<void(v1::Member::State state, absl::string_view member_id)>& visit) {
  const std::string prefix = keys::MemberByCellPrefix(org, cell);
  std::unique_ptr<rocksdb::Iterator> it = db.store()->NewIterator(db.cf(keys::kIndex));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const rocksdb::Slice value = it->value();  // one state byte, then the member id
    if (value.empty()) continue;
    visit(static_cast<v1::Member::State>(static_cast<uint8_t>(value[0])),
          absl::string_view(value.data() + 1, value.size() - 1));
  }
  return common::FromRocksDb(it->status(), "scan a cell's members");
}

absl::Status ScanMembersEverInCell(const RecordsDb& db, absl::string_view org,
                                   absl::string_view cell, const ReadSnapshot* snapshot,
                                   const Visitor<v1::Member>& visit, common::Cancellation* stop) {
  const std::string prefix = keys::MemberEverInCellPrefix(org, cell);
  std::unique_ptr<rocksdb::Iterator> it =
      db.store()->NewIterator(db.cf(keys::kIndex), Raw(snapshot));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    RETURN_IF_ERROR(Tick(stop));
    ASSIGN_OR_RETURN(Versioned<v1::Member> member,
                     ReadMember(db, org, it->value().ToString(), snapshot));
    RETURN_IF_ERROR(visit(member.value));
  }
  return common::FromRocksDb(it->status(), "scan a cell's members");
}

absl::StatusOr<std::optional<std::string>> FindNationalIdHolder(const RecordsDb& db,
                                                                absl::string_view national_id,
                                                                const ReadSnapshot* snapshot) {
  absl::StatusOr<std::string> holder =
      db.store()->Get(db.cf(keys::kIndex),
                      keys::UniqueKey(keys::Index::kUniqueNationalId, national_id), Raw(snapshot));
  if (absl::IsNotFound(holder.status())) return std::nullopt;
  if (!holder.ok()) return holder.status();
  return *std::move(holder);
}

namespace {

// Visits the values of the index entries under `prefix`.
absl::Status ScanIndexValues(const RecordsDb& db, const std::string& prefix,
                             const ReadSnapshot* snapshot,
                             const std::function<void(absl::string_view id)>& visit,
                             common::Cancellation* stop) {
  std::unique_ptr<rocksdb::Iterator> it =
      db.store()->NewIterator(db.cf(keys::kIndex), Raw(snapshot));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    RETURN_IF_ERROR(Tick(stop));
    visit(absl::string_view(it->value().data(), it->value().size()));
  }
  return common::FromRocksDb(it->status(), "scan a member index");
}

std::string RangePrefix(const MemberIndexRange& r) {
  using Order = MemberIndexRange::Order;
  switch (r.order) {
    case Order::kCell:
      return keys::MemberByCellPrefix(r.organization_id, r.cell_id);
    case Order::kState:
      return keys::MemberByStatePrefix(r.organization_id, static_cast<uint8_t>(r.state));
    case Order::kAdmission:
      return keys::IndexPrefix(keys::Index::kMemberByAdmission, r.organization_id);
    case Order::kCard:
      return keys::IndexPrefix(keys::Index::kMemberByCard, r.organization_id);
    case Order::kName:
      break;
  }
  return keys::IndexPrefix(keys::Index::kMemberByName, r.organization_id);
}

}  // namespace

absl::Status ScanMemberIdsByCard(const RecordsDb& db, absl::string_view org, absl::string_view card,
                                 const ReadSnapshot* snapshot,
                                 const std::function<void(absl::string_view id)>& visit,
                                 common::Cancellation* stop) {
  std::string prefix = keys::IndexPrefix(keys::Index::kMemberByCard, org);
  keys::AppendString(&prefix, card);
  return ScanIndexValues(db, prefix, snapshot, visit, stop);
}

absl::Status ScanMemberIdsByNameWord(const RecordsDb& db, absl::string_view org,
                                     absl::string_view word_prefix, const ReadSnapshot* snapshot,
                                     const std::function<void(absl::string_view id)>& visit,
                                     common::Cancellation* stop) {
  return ScanIndexValues(db, keys::MemberNameWordPrefix(org, word_prefix), snapshot, visit, stop);
}

bool InMemberIndexRange(const MemberIndexRange& range, absl::string_view cursor) {
  return absl::StartsWith(cursor, RangePrefix(range));
}

absl::Status ScanMemberIndex(
    const RecordsDb& db, const MemberIndexRange& range, absl::string_view cursor, bool desc,
    const ReadSnapshot* snapshot,
    const std::function<absl::StatusOr<bool>(absl::string_view cursor, absl::string_view id)>&
        visit) {
  const std::string prefix = RangePrefix(range);
  const std::string end = keys::PrefixSuccessor(prefix);
  std::unique_ptr<rocksdb::Iterator> it =
      db.store()->NewIterator(db.cf(keys::kIndex), Raw(snapshot));
  const rocksdb::Slice after(cursor.data(), cursor.size());
  const std::string from = cursor.empty() ? (desc ? end : prefix) : std::string(cursor);
  if (desc) {
    if (from.empty()) {
      it->SeekToLast();
    } else {
      it->SeekForPrev(from);
    }
    if (it->Valid() &&
        (cursor.empty() ? it->key().compare(from) >= 0 && !from.empty() : it->key() == after)) {
      it->Prev();
    }
  } else {
    it->Seek(from);
    if (!cursor.empty() && it->Valid() && it->key() == after) it->Next();
  }
  const bool by_cell = range.order == MemberIndexRange::Order::kCell;
  for (; it->Valid() && it->key().starts_with(prefix); desc ? it->Prev() : it->Next()) {
    absl::string_view id(it->value().data(), it->value().size());
    if (by_cell && !id.empty()) id.remove_prefix(1);  // the state byte first
    ASSIGN_OR_RETURN(bool go_on, visit(absl::string_view(it->key().data(), it->key().size()), id));
    if (!go_on) break;
  }
  return common::FromRocksDb(it->status(), "scan members");
}

absl::StatusOr<int> CountMemberIndex(const RecordsDb& db, const MemberIndexRange& range, int limit,
                                     const ReadSnapshot* snapshot, common::Cancellation* stop) {
  const std::string prefix = RangePrefix(range);
  int entries = 0;
  std::unique_ptr<rocksdb::Iterator> it =
      db.store()->NewIterator(db.cf(keys::kIndex), Raw(snapshot));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix) && entries < limit;
       it->Next()) {
    RETURN_IF_ERROR(Tick(stop));
    ++entries;
  }
  RETURN_IF_ERROR(common::FromRocksDb(it->status(), "count members"));
  return entries;
}

SortKey& SortKey::Text(absl::string_view text) {
  keys::AppendString(&bytes_, text);
  return *this;
}

SortKey& SortKey::Number(uint32_t number) {
  keys::AppendUint32(&bytes_, number);
  return *this;
}

SortKey& SortKey::Date(int year, int month, int day) {
  keys::AppendUint32(&bytes_, keys::DateNumber(year, month, day));
  return *this;
}

SortKey& SortKey::Flag(bool flag) {
  keys::AppendByte(&bytes_, flag ? 1 : 0);
  return *this;
}

bool SortKey::ParseText(absl::string_view key, std::string* text) {
  return keys::ConsumeString(&key, text) && key.empty();
}

// --- Dues and meetings ----------------------------------------------------------------------

absl::StatusOr<Versioned<v1::DuesRateTable>> ReadDuesRateTable(const RecordsDb& db,
                                                               absl::string_view org,
                                                               absl::string_view table_id,
                                                               const ReadSnapshot* snapshot) {
  return db.Read<v1::DuesRateTable>(db.cf(keys::kDues), keys::DuesRateTableKey(org, table_id),
                                    Raw(snapshot));
}

absl::Status ScanDuesRateTables(const RecordsDb& db, absl::string_view org,
                                const Visitor<v1::DuesRateTable>& visit,
                                common::Cancellation* stop) {
  return ScanResources(db, keys::kDues, keys::DuesRateTablePrefix(org), nullptr, visit, stop,
                       "scan dues rate tables");
}

absl::StatusOr<Versioned<v1::DuesBasis>> ReadDuesBasis(const RecordsDb& db, absl::string_view org,
                                                       absl::string_view member, int year,
                                                       int month) {
  return db.Read<v1::DuesBasis>(
      db.cf(keys::kDues),
      keys::MemberMonthKey(keys::DuesKind::kBasis, org, member, keys::MonthNumber(year, month)));
}

absl::Status ScanDuesBases(const RecordsDb& db, absl::string_view org, absl::string_view member,
                           const Visitor<v1::DuesBasis>& visit, const ReadSnapshot* snapshot) {
  return ScanResources(db, keys::kDues,
                       keys::MemberMonthPrefix(keys::DuesKind::kBasis, org, member), Raw(snapshot),
                       visit, nullptr, "scan dues bases");
}

absl::StatusOr<Versioned<v1::DuesPayment>> ReadDuesPayment(const RecordsDb& db,
                                                           absl::string_view org,
                                                           absl::string_view member, int year,
                                                           int month) {
  return db.Read<v1::DuesPayment>(
      db.cf(keys::kDues),
      keys::MemberMonthKey(keys::DuesKind::kPayment, org, member, keys::MonthNumber(year, month)));
}

absl::Status ScanDuesPayments(const RecordsDb& db, absl::string_view org, absl::string_view member,
                              const Visitor<v1::DuesPayment>& visit, const ReadSnapshot* snapshot) {
  return ScanResources(db, keys::kDues,
                       keys::MemberMonthPrefix(keys::DuesKind::kPayment, org, member),
                       Raw(snapshot), visit, nullptr, "scan dues payments");
}

absl::Status ScanCellDuesPayments(const RecordsDb& db, absl::string_view org,
                                  absl::string_view cell, int year, int month,
                                  const Visitor<v1::DuesPayment>& visit,
                                  const ReadSnapshot* snapshot, common::Cancellation* stop) {
  const std::string prefix = keys::DuesPaymentByCellPrefix(
      org, cell, year != 0 && month != 0 ? keys::MonthNumber(year, month) : 0);
  // A year is a range of months: from January's entries to December's.
  const std::string from =
      year != 0 && month == 0 ? keys::DuesPaymentByCellPrefix(org, cell, keys::MonthNumber(year, 1))
                              : prefix;
  const std::string to = year != 0 && month == 0
                             ? keys::PrefixSuccessor(keys::DuesPaymentByCellPrefix(
                                   org, cell, keys::MonthNumber(year, 12)))
                             : keys::PrefixSuccessor(prefix);
  std::unique_ptr<rocksdb::Iterator> it =
      db.store()->NewIterator(db.cf(keys::kIndex), Raw(snapshot));
  v1::DuesPayment payment;
  for (it->Seek(from); it->Valid() && it->key().compare(to) < 0; it->Next()) {
    RETURN_IF_ERROR(Tick(stop));
    RETURN_IF_ERROR(db.ReadVersioned(db.cf(keys::kDues), it->value().ToString(), &payment, nullptr,
                                     Raw(snapshot)));
    RETURN_IF_ERROR(visit(payment));
  }
  return common::FromRocksDb(it->status(), "scan a cell's dues payments");
}

absl::StatusOr<Versioned<v1::DuesRemittance>> ReadDuesRemittance(const RecordsDb& db,
                                                                 absl::string_view org,
                                                                 absl::string_view cell, int year,
                                                                 int month) {
  return db.Read<v1::DuesRemittance>(
      db.cf(keys::kDues), keys::DuesRemittanceKey(org, cell, keys::MonthNumber(year, month)));
}

absl::Status ScanDuesRemittances(const RecordsDb& db, absl::string_view org, absl::string_view cell,
                                 const Visitor<v1::DuesRemittance>& visit,
                                 const ReadSnapshot* snapshot) {
  return ScanResources(db, keys::kDues, keys::DuesRemittancePrefix(org, cell), Raw(snapshot), visit,
                       nullptr, "scan dues remittances");
}

absl::StatusOr<Versioned<v1::Meeting>> ReadMeeting(const RecordsDb& db, absl::string_view org,
                                                   absl::string_view cell,
                                                   absl::string_view meeting_id) {
  return db.Read<v1::Meeting>(db.cf(keys::kMeetings), keys::MeetingKey(org, cell, meeting_id));
}

absl::Status ScanMeetings(const RecordsDb& db, absl::string_view org, absl::string_view cell,
                          const Visitor<v1::Meeting>& visit, common::Cancellation* stop) {
  return ScanResources(db, keys::kMeetings, keys::MeetingPrefix(org, cell), nullptr, visit, stop,
                       "scan meetings");
}

}  // namespace records
