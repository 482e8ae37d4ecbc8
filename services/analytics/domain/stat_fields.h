// File: services/analytics/domain/stat_fields.h
//
// The counters of the party-statistics read model, per (organization, year). Flow fields
// count what happened in the year; stock fields ("...Change") hold the change of a year-end
// count during the year, so the count at the end of year Y is the sum of the changes of
// every year up to Y. Values are persisted by index: append new fields, never reorder.
// What the read model stores (store/) and what the follower computes (follower/) are both
// written in these terms, so they live below both.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace analytics {

enum StatField : int {
  kAdmissions = 0,
  kReadmissions,
  kRecognitions,
  kTransfersIn,
  kTransfersOut,
  kCellTransfers,
  kRemoved,
  kExpelled,
  kDeceased,
  kDisciplines,
  kPlans,
  kItemsPlanned,
  kItemsCompleted,
  kItemsCancelled,
  kItemsWithViolation,
  kMemberExcellent,
  kMemberGood,
  kMemberCompleted,
  kMemberNotCompleted,
  kCellExcellent,
  kCellGood,
  kCellCompleted,
  kCellNotCompleted,
  // Stocks at year end, as changes during the year.
  kProbationaryChange,
  kFullChange,
  kTemporarilyAwayChange,
  kTemporarilyHostedChange,
  kCellsChange,
  // Dues: sums of the cells' monthly closings (records' DuesRemittance) in the year.
  kDuesDue,
  kDuesCollected,
  kDuesArrears,
  kDuesRemitted,
  kDuesCellMonths,
  // Meetings dated in the year and their attendance.
  kRegularHeld,
  kThematicHeld,
  kExtraordinaryHeld,
  kAttendancePresent,
  kAttendanceExcused,
  kAttendanceAbsent,
  // Stocks: the meetings records' rules require of the cells in a year, as changes.
  kRegularRequiredChange,
  kThematicRequiredChange,
  kNumStatFields
};

constexpr bool IsStockField(int field) {
  return (field >= kProbationaryChange && field <= kCellsChange) ||
         field == kRegularRequiredChange || field == kThematicRequiredChange;
}

using Counters = std::array<int64_t, kNumStatFields>;

// (organization id, year) -> counters; entries whose counters are all zero are dropped.
using ContributionMap = std::map<std::pair<std::string, int>, Counters>;

// The organization whose counters a records resource moves:
// "organizations/hq-long-an/members/m1" -> "hq-long-an"; "" when not of that form.
std::string OrganizationIdOf(const std::string& resource_name);

}  // namespace analytics
