// File: services/records/service/resource_reads.h
//
// Reads the handlers share: resources by id with NOT_FOUND errors that name them (reasons
// ORGANIZATION_NOT_FOUND, CELL_NOT_FOUND, MEMBER_NOT_FOUND, INSPECTION_PLAN_NOT_FOUND), the
// derived fields callers see (member derived fields and view, cell headcount), and key-ordered
// pagination of in-memory lists.
//
// Thread-safety: reentrant; reads may take a snapshot.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/inspection_plan.pb.h"
#include "dangbo/records/v1/member.pb.h"
#include "dangbo/records/v1/organization.pb.h"
#include "services/records/storage/records_db.h"

namespace records {

namespace v1 = ::dangbo::records::v1;

absl::StatusOr<Versioned<v1::Organization>> LoadOrganization(
    const RecordsDb& db, absl::string_view organization_id,
    const rocksdb::Snapshot* snapshot = nullptr);
absl::StatusOr<Versioned<v1::Cell>> LoadCell(const RecordsDb& db, absl::string_view organization_id,
                                             absl::string_view cell_id,
                                             const rocksdb::Snapshot* snapshot = nullptr);
// The cell named by a full resource name ("organizations/x/cells/y"); `field` names the
// request field in errors.
absl::StatusOr<Versioned<v1::Cell>> LoadCellByName(const RecordsDb& db, absl::string_view name,
                                                   absl::string_view field);
absl::StatusOr<Versioned<v1::Member>> LoadMember(const RecordsDb& db,
                                                 absl::string_view organization_id,
                                                 absl::string_view member_id,
                                                 const rocksdb::Snapshot* snapshot = nullptr);
absl::StatusOr<Versioned<v1::Member>> LoadMemberByName(const RecordsDb& db, absl::string_view name,
                                                       absl::string_view field);
absl::StatusOr<Versioned<v1::InspectionPlan>> LoadInspectionPlan(
    const RecordsDb& db, absl::string_view organization_id, absl::string_view plan_id,
    const rocksdb::Snapshot* snapshot = nullptr);

// Stored member -> what a caller sees: derived fields as of today (ICT), history dropped for
// the BASIC view.
void PresentMember(v1::Member* member, v1::MemberView view);

// Members whose cell this is now, by state (from the by-cell index).
struct CellMembers {
  int counted = 0;   // PROBATIONARY, FULL, TEMPORARILY_AWAY
  int on_lists = 0;  // counted + TEMPORARILY_HOSTED
  std::vector<std::string> member_ids;
};
absl::StatusOr<CellMembers> ScanCellMembers(const RecordsDb& db, absl::string_view organization_id,
                                            absl::string_view cell_id);

// Stored cell -> what a caller sees: headcount today.
absl::Status PresentCell(const RecordsDb& db, v1::Cell* cell);

// The organization id of a cell/member/plan name ("organizations/x/..." -> "x").
std::string OrganizationIdOf(absl::string_view name);
// The last segment of a resource name.
std::string LastSegment(absl::string_view name);

// A page of an in-memory list ordered by `sort key` (unique per item): the items after
// `after_key` (before it when `desc`), at most `page_size`; `next_key` is the last key
// returned when more items follow, empty otherwise.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_key;
};
template <typename T>
Page<T> Paginate(std::vector<std::pair<std::string, T>> keyed, const std::string& after_key,
                 bool desc, int page_size);

// Total sizes are exact up to this bound (the contract: "an estimate of at least 10,000
// above that").
inline constexpr int kExactTotalLimit = 10000;

// --- implementation of the template ---------------------------------------------------------
template <typename T>
Page<T> Paginate(std::vector<std::pair<std::string, T>> keyed, const std::string& after_key,
                 bool desc, int page_size) {
  std::sort(keyed.begin(), keyed.end(), [desc](const auto& a, const auto& b) {
    return desc ? a.first > b.first : a.first < b.first;
  });
  Page<T> page;
  size_t i = 0;
  if (!after_key.empty()) {
    while (i < keyed.size() && (desc ? keyed[i].first >= after_key : keyed[i].first <= after_key)) {
      ++i;
    }
  }
  for (; i < keyed.size() && static_cast<int>(page.items.size()) < page_size; ++i) {
    page.items.push_back(std::move(keyed[i].second));
    if (static_cast<int>(page.items.size()) == page_size && i + 1 < keyed.size()) {
      page.next_key = keyed[i].first;
    }
  }
  return page;
}

}  // namespace records
