// File: services/records/service/resource_reads.h
//
// Reads the handlers share: resources by id with NOT_FOUND errors that name them (reasons
// ORGANIZATION_NOT_FOUND, CELL_NOT_FOUND, MEMBER_NOT_FOUND, INSPECTION_PLAN_NOT_FOUND), the
// derived fields callers see (member derived fields and view, cell headcount), and key-ordered
// pages of lists scanned in storage order.
//
// Thread-safety: reentrant; reads may take a snapshot.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/list_query.h"
#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/inspection_plan.pb.h"
#include "dangbo/records/v1/member.pb.h"
#include "dangbo/records/v1/organization.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "services/records/storage/records_db.h"
#include "services/records/storage/resource_store.h"

namespace records {

namespace v1 = ::dangbo::records::v1;

absl::StatusOr<Versioned<v1::Organization>> LoadOrganization(
    const RecordsDb& db, absl::string_view organization_id, const ReadSnapshot* snapshot = nullptr);
// The id of the organization a List names as its parent ("organizations/x" -> "x"; `field`
// names the request field in errors), which must exist: INVALID_ARGUMENT when malformed,
// NOT_FOUND (ORGANIZATION_NOT_FOUND) when absent.
absl::StatusOr<std::string> ExistingOrganizationId(const RecordsDb& db, absl::string_view name,
                                                   absl::string_view field);
absl::StatusOr<Versioned<v1::Cell>> LoadCell(const RecordsDb& db, absl::string_view organization_id,
                                             absl::string_view cell_id,
                                             const ReadSnapshot* snapshot = nullptr);
// The cell named by a full resource name ("organizations/x/cells/y"); `field` names the
// request field in errors.
absl::StatusOr<Versioned<v1::Cell>> LoadCellByName(const RecordsDb& db, absl::string_view name,
                                                   absl::string_view field);
absl::StatusOr<Versioned<v1::Member>> LoadMember(const RecordsDb& db,
                                                 absl::string_view organization_id,
                                                 absl::string_view member_id,
                                                 const ReadSnapshot* snapshot = nullptr);
absl::StatusOr<Versioned<v1::Member>> LoadMemberByName(const RecordsDb& db, absl::string_view name,
                                                       absl::string_view field);
absl::StatusOr<Versioned<v1::InspectionPlan>> LoadInspectionPlan(
    const RecordsDb& db, absl::string_view organization_id, absl::string_view plan_id,
    const ReadSnapshot* snapshot = nullptr);

// Stored member -> what a caller sees: derived fields as of today (ICT), history dropped for
// the BASIC view.
void PresentMember(v1::Member* member, v1::MemberView view);

// Members whose cell this is now, by state (from the by-cell index).
struct CellMembers {
  int counted = 0;   // PROBATIONARY, FULL, TEMPORARILY_AWAY
  int on_lists = 0;  // counted + TEMPORARILY_HOSTED
  std::vector<std::string> member_ids;
};
absl::StatusOr<CellMembers> CellMembersOf(const RecordsDb& db, absl::string_view organization_id,
                                          absl::string_view cell_id);

// Stored cell -> what a caller sees: headcount today.
absl::Status PresentCell(const RecordsDb& db, v1::Cell* cell);

// A child resource's name "{parent}/{collection}/{id}" (checked by domain::Validate) split
// at its last "/{collection}/"; both parts empty when it has none.
struct ChildName {
  std::string parent;
  std::string id;
};
ChildName SplitChildName(absl::string_view name, absl::string_view collection);

// NOT_FOUND "{kind} {name} not found" with `reason` when `v` is NOT_FOUND; `v` otherwise.
template <typename T>
absl::StatusOr<Versioned<T>> NamedNotFound(absl::StatusOr<Versioned<T>> v, const std::string& name,
                                           absl::string_view kind, absl::string_view reason);

// The organization id of a cell/member/plan name ("organizations/x/..." -> "x").
std::string OrganizationIdOf(absl::string_view name);
// The last segment of a resource name.
std::string LastSegment(absl::string_view name);

// A page of a list ordered by a sort key (unique per item): the items after `after_key`
// (before it when `desc`), at most `page_size`; `next_key` is the last key returned when
// more items follow, empty otherwise.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_key;
};

// Builds a Page from items offered in any order (a scan in storage order), keeping only the
// page_size + 1 best: memory is bounded by the page, not by the list. Counts every item
// offered, on this page or not.
//
//   PageCollector<v1::Cell> pages(after, desc, page_size);
//   for (...each match...) if (pages.Count(key)) pages.Keep(std::move(key), std::move(cell));
//   Page<v1::Cell> page = std::move(pages).Take();
template <typename T>
class PageCollector {
 public:
  PageCollector(std::string after_key, bool desc, int page_size)
      : after_(std::move(after_key)),
        desc_(desc),
        limit_(static_cast<size_t>(page_size < 0 ? 0 : page_size) + 1) {}

  // Counts one matching item; true when it belongs on the page (then Keep it), false when
  // it is before the token or beyond the page (the item need not be built).
  bool Count(const std::string& key) {
    ++matched_;
    if (!after_.empty() && !Before(after_, key)) return false;
    return kept_.size() < limit_ || Before(key, kept_.front().first);
  }
  // Keeps an item for which Count said true.
  void Keep(std::string key, T item);

  // Items matched so far (Count calls), on the page or not.
  size_t matched() const { return matched_; }

  // The page, in order.
  Page<T> Take() &&;

 private:
  // Whether `a` comes before `b` in the list's order.
  bool Before(const std::string& a, const std::string& b) const { return desc_ ? a > b : a < b; }

  const std::string after_;
  const bool desc_;
  const size_t limit_;  // page_size + 1: one more tells whether a next page exists
  size_t matched_ = 0;
  // A heap whose front is the last kept item in the list's order.
  std::vector<std::pair<std::string, T>> kept_;
};

// One page of a list: `scan(visitor)` offers every candidate, in any order (a storage scan,
// resource_store.h); `key_of(item)` is the item's unique sort key (SortKey), or nullopt when
// it does not match the list's filter. `*matched` gets how many matched, on the page or not.
//
//   ASSIGN_OR_RETURN(Page<v1::Cell> page, ScanPage<v1::Cell>(
//       [&](const Visitor<v1::Cell>& visit) { return ScanCells(db, org, visit, stop); },
//       [&](const v1::Cell& c) -> std::optional<std::string> { ... }, after, desc, 50, &n));
template <typename T, typename Scan, typename KeyOf>
absl::StatusOr<Page<T>> ScanPage(const Scan& scan, const KeyOf& key_of, std::string after,
                                 bool desc, int page_size, size_t* matched) {
  PageCollector<T> pages(std::move(after), desc, page_size);
  absl::Status status = scan([&](T& item) -> absl::Status {
    std::optional<std::string> key = key_of(static_cast<const T&>(item));
    if (key.has_value() && pages.Count(*key)) pages.Keep(*std::move(key), item);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  *matched = pages.matched();
  return std::move(pages).Take();
}

// The page of a List call whose candidates one scan offers (ScanPage with `list`'s position
// and page size): its items appended to `items` (the response's repeated field) and
// `response`'s next_page_token set. Returns how many items matched, on the page or not (for
// total_size).
//
//   ASSIGN_OR_RETURN(size_t matched, FillListPage<v1::Meeting>(list, scan, key_of, true,
//                                        response->mutable_meetings(), response));
template <typename T, typename Response, typename Scan, typename KeyOf>
absl::StatusOr<size_t> FillListPage(const common::ListRequest& list, const Scan& scan,
                                    const KeyOf& key_of, bool desc,
                                    google::protobuf::RepeatedPtrField<T>* items,
                                    Response* response) {
  size_t matched = 0;
  absl::StatusOr<Page<T>> page =
      ScanPage<T>(scan, key_of, list.after, desc, list.page_size, &matched);
  if (!page.ok()) return page.status();
  for (T& item : page->items) *items->Add() = std::move(item);
  response->set_next_page_token(list.NextPageToken(page->next_key));
  return matched;
}

// Total sizes are exact up to this bound (the contract: "an estimate of at least 10,000
// above that").
inline constexpr int kExactTotalLimit = 10000;

// --- implementation of the templates --------------------------------------------------------
absl::Status NamedNotFoundError(const std::string& name, absl::string_view kind,
                                absl::string_view reason);
template <typename T>
absl::StatusOr<Versioned<T>> NamedNotFound(absl::StatusOr<Versioned<T>> v, const std::string& name,
                                           absl::string_view kind, absl::string_view reason) {
  if (absl::IsNotFound(v.status())) return NamedNotFoundError(name, kind, reason);
  return v;
}

template <typename T>
void PageCollector<T>::Keep(std::string key, T item) {
  auto worst_last = [this](const auto& a, const auto& b) { return Before(a.first, b.first); };
  kept_.emplace_back(std::move(key), std::move(item));
  std::push_heap(kept_.begin(), kept_.end(), worst_last);
  if (kept_.size() > limit_) {
    std::pop_heap(kept_.begin(), kept_.end(), worst_last);
    kept_.pop_back();
  }
}

template <typename T>
Page<T> PageCollector<T>::Take() && {
  std::sort(kept_.begin(), kept_.end(),
            [this](const auto& a, const auto& b) { return Before(a.first, b.first); });
  Page<T> page;
  const size_t page_size = limit_ - 1;
  if (kept_.size() > page_size && page_size > 0) {
    page.next_key = kept_[page_size - 1].first;
  }
  if (kept_.size() > page_size) kept_.erase(kept_.begin() + page_size, kept_.end());
  page.items.reserve(kept_.size());
  for (auto& [key, item] : kept_) page.items.push_back(std::move(item));
  return page;
}

}  // namespace records
