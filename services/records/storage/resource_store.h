// File: services/records/storage/resource_store.h
//
// Reading records' resources: point reads by id, scans of an organization's cells and
// inspection plans and of all organizations, the cell indexes, and the sort keys lists page
// by. Callers get resources (with their revision) and ids; how they are keyed, indexed and
// encoded stays here and in keys.h / indexes.h / revision.h.
//
//   std::unique_ptr<ReadSnapshot> snapshot = TakeSnapshot(db);   // optional
//   ASSIGN_OR_RETURN(Versioned<v1::Cell> cell, ReadCell(db, org, cell_id, snapshot.get()));
//   RETURN_IF_ERROR(ScanCells(db, org, [&](v1::Cell& c) { ...; return absl::OkStatus(); }));
//
// Point reads are NOT_FOUND (a plain message; callers name the resource) when absent and
// DATA_LOSS when the stored value is corrupt. Scans visit in key order; a visitor's non-OK
// status ends the scan and is returned; a storage error is returned as common::FromRocksDb
// maps it. A scan given a common::Cancellation ticks it per item.
//
// Thread-safety: every function may be called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/cancellation.h"
#include "common/store.h"
#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/dues.pb.h"
#include "dangbo/records/v1/inspection_plan.pb.h"
#include "dangbo/records/v1/meeting.pb.h"
#include "dangbo/records/v1/member.pb.h"
#include "dangbo/records/v1/organization.pb.h"
#include "services/records/storage/records_db.h"

namespace records {

namespace v1 = ::dangbo::records::v1;

// A consistent view of the database for several reads.
using ReadSnapshot = common::Store::Snapshot;
std::unique_ptr<ReadSnapshot> TakeSnapshot(const RecordsDb& db);

absl::StatusOr<Versioned<v1::Organization>> ReadOrganization(
    const RecordsDb& db, absl::string_view organization_id, const ReadSnapshot* snapshot = nullptr);
absl::StatusOr<Versioned<v1::Cell>> ReadCell(const RecordsDb& db, absl::string_view organization_id,
                                             absl::string_view cell_id,
                                             const ReadSnapshot* snapshot = nullptr);
absl::StatusOr<Versioned<v1::Member>> ReadMember(const RecordsDb& db,
                                                 absl::string_view organization_id,
                                                 absl::string_view member_id,
                                                 const ReadSnapshot* snapshot = nullptr);
// The organization's members with these ids, in one batched lookup: one entry per id, in
// order, nullopt for an id with no member (an index read on the same snapshot names only
// members that are there).
absl::StatusOr<std::vector<std::optional<v1::Member>>> ReadMembers(
    const RecordsDb& db, absl::string_view organization_id, const std::vector<std::string>& ids,
    const ReadSnapshot* snapshot = nullptr);
absl::StatusOr<Versioned<v1::InspectionPlan>> ReadInspectionPlan(
    const RecordsDb& db, absl::string_view organization_id, absl::string_view plan_id,
    const ReadSnapshot* snapshot = nullptr);

// The visitor may move from its argument; the scan reuses the object for the next item.
template <typename T>
using Visitor = std::function<absl::Status(T&)>;

// Every organization / the organization's cells / its inspection plans, in id order.
absl::Status ScanOrganizations(const RecordsDb& db, const Visitor<v1::Organization>& visit,
                               common::Cancellation* stop = nullptr);
absl::Status ScanCells(const RecordsDb& db, absl::string_view organization_id,
                       const Visitor<v1::Cell>& visit, common::Cancellation* stop = nullptr);
absl::Status ScanInspectionPlans(const RecordsDb& db, absl::string_view organization_id,
                                 const Visitor<v1::InspectionPlan>& visit,
                                 common::Cancellation* stop = nullptr);

// Organizations in name order (their id order), from just after the organization named
// `after_name` ("" : from the start; backwards when `desc`): at most `page_size` read, then
// the rest only counted, up to `count_limit` in all, those before the page included.
struct OrganizationRange {
  std::vector<v1::Organization> items;
  bool more = false;   // organizations follow the page
  size_t counted = 0;  // all organizations, at most count_limit
};
absl::StatusOr<OrganizationRange> ReadOrganizationsByName(const RecordsDb& db,
                                                          absl::string_view after_name, bool desc,
                                                          int page_size, size_t count_limit,
                                                          common::Cancellation* stop);

// The members whose cell this is now (the by-cell index), in name order: each one's state
// and id.
absl::Status ScanCellMembers(
    const RecordsDb& db, absl::string_view organization_id, absl::string_view cell_id,
    const std::function<void(v1::Member::State state, absl::string_view member_id)>& visit);

// Every member ever in the cell (never forgotten: past headcounts replay their histories),
// read on `snapshot` (null: the current state), in id order.
absl::Status ScanMembersEverInCell(const RecordsDb& db, absl::string_view organization_id,
                                   absl::string_view cell_id, const ReadSnapshot* snapshot,
                                   const Visitor<v1::Member>& visit,
                                   common::Cancellation* stop = nullptr);

// --- Member lists ---------------------------------------------------------------------------

// The name of the member holding `national_id` (any organization), or nullopt.
absl::StatusOr<std::optional<std::string>> FindNationalIdHolder(const RecordsDb& db,
                                                                absl::string_view national_id,
                                                                const ReadSnapshot* snapshot);

// Ids of the organization's members whose party card number is `card`, or one of whose
// folded name words (indexes.h: FoldedNameWords) starts with `word_prefix`; possibly repeated.
absl::Status ScanMemberIdsByCard(const RecordsDb& db, absl::string_view organization_id,
                                 absl::string_view card, const ReadSnapshot* snapshot,
                                 const std::function<void(absl::string_view id)>& visit,
                                 common::Cancellation* stop = nullptr);
absl::Status ScanMemberIdsByNameWord(const RecordsDb& db, absl::string_view organization_id,
                                     absl::string_view word_prefix, const ReadSnapshot* snapshot,
                                     const std::function<void(absl::string_view id)>& visit,
                                     common::Cancellation* stop = nullptr);

// An ordered index of an organization's members, read as a range.
struct MemberIndexRange {
  enum class Order {
    kName,       // every member, by name (collation key), then id
    kCell,       // the members whose cell `cell_id` is now, by name
    kState,      // the members in `state`, by name
    kAdmission,  // every member, by admission date
    kCard,       // every member, by party card number
  };
  Order order = Order::kName;
  std::string organization_id;
  std::string cell_id;                                      // kCell
  v1::Member::State state = v1::Member::STATE_UNSPECIFIED;  // kState
};

// Whether `cursor` (an entry a scan of `range` visited) belongs to the range.
bool InMemberIndexRange(const MemberIndexRange& range, absl::string_view cursor);

// Visits the range's entries in its order (backwards when `desc`) starting just after
// `cursor` ("" : at the start): each entry's cursor (opaque; a later scan may start after it)
// and member id. `visit` returns true to go on, false to stop there.
absl::Status ScanMemberIndex(
    const RecordsDb& db, const MemberIndexRange& range, absl::string_view cursor, bool desc,
    const ReadSnapshot* snapshot,
    const std::function<absl::StatusOr<bool>(absl::string_view cursor, absl::string_view id)>&
        visit);

// The range's entries, counted up to `limit`.
absl::StatusOr<int> CountMemberIndex(const RecordsDb& db, const MemberIndexRange& range, int limit,
                                     const ReadSnapshot* snapshot,
                                     common::Cancellation* stop = nullptr);

// A list's sort key: fields appended in order, compared bytewise with the order of the
// fields' values (text by bytes, numbers by value). The last field should make it unique
// (a resource name).
class SortKey {
 public:
  SortKey& Text(absl::string_view text);
  SortKey& Number(uint32_t number);
  // Later dates sort later; an unset date (0) first.
  SortKey& Date(int year, int month, int day);
  // false sorts before true.
  SortKey& Flag(bool flag);
  std::string Take() && { return std::move(bytes_); }

  // True, with the text, when `key` is exactly one Text field.
  static bool ParseText(absl::string_view key, std::string* text);

 private:
  std::string bytes_;
};

// --- Dues and meetings ----------------------------------------------------------------------
// Months are calendar months (year, month 1-12). Scans of a member's or cell's months visit
// them oldest first.

absl::StatusOr<Versioned<v1::DuesRateTable>> ReadDuesRateTable(
    const RecordsDb& db, absl::string_view organization_id, absl::string_view table_id,
    const ReadSnapshot* snapshot = nullptr);
// The organization's own tables, in id order.
absl::Status ScanDuesRateTables(const RecordsDb& db, absl::string_view organization_id,
                                const Visitor<v1::DuesRateTable>& visit,
                                common::Cancellation* stop = nullptr);
absl::StatusOr<Versioned<v1::DuesBasis>> ReadDuesBasis(const RecordsDb& db,
                                                       absl::string_view organization_id,
                                                       absl::string_view member_id, int year,
                                                       int month);
absl::Status ScanDuesBases(const RecordsDb& db, absl::string_view organization_id,
                           absl::string_view member_id, const Visitor<v1::DuesBasis>& visit,
                           const ReadSnapshot* snapshot = nullptr);
absl::StatusOr<Versioned<v1::DuesPayment>> ReadDuesPayment(const RecordsDb& db,
                                                           absl::string_view organization_id,
                                                           absl::string_view member_id, int year,
                                                           int month);
absl::Status ScanDuesPayments(const RecordsDb& db, absl::string_view organization_id,
                              absl::string_view member_id, const Visitor<v1::DuesPayment>& visit,
                              const ReadSnapshot* snapshot = nullptr);
// The payments recorded at the cell: of one month (`month` 1-12 with `year`), of one year
// (`month` 0), or all (`year` 0); by month, then member id.
absl::Status ScanCellDuesPayments(const RecordsDb& db, absl::string_view organization_id,
                                  absl::string_view cell_id, int year, int month,
                                  const Visitor<v1::DuesPayment>& visit,
                                  const ReadSnapshot* snapshot = nullptr,
                                  common::Cancellation* stop = nullptr);
absl::StatusOr<Versioned<v1::DuesRemittance>> ReadDuesRemittance(const RecordsDb& db,
                                                                 absl::string_view organization_id,
                                                                 absl::string_view cell_id,
                                                                 int year, int month);
absl::Status ScanDuesRemittances(const RecordsDb& db, absl::string_view organization_id,
                                 absl::string_view cell_id,
                                 const Visitor<v1::DuesRemittance>& visit,
                                 const ReadSnapshot* snapshot = nullptr);
absl::StatusOr<Versioned<v1::Meeting>> ReadMeeting(const RecordsDb& db,
                                                   absl::string_view organization_id,
                                                   absl::string_view cell_id,
                                                   absl::string_view meeting_id);
// The cell's meetings, in id order.
absl::Status ScanMeetings(const RecordsDb& db, absl::string_view organization_id,
                          absl::string_view cell_id, const Visitor<v1::Meeting>& visit,
                          common::Cancellation* stop = nullptr);

}  // namespace records
