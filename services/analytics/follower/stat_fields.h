// File: services/analytics/follower/stat_fields.h
//
// The counters of the party-statistics read model, per (organization, year). Flow fields
// count what happened in the year; stock fields ("...Change") hold the change of a year-end
// count during the year, so the count at the end of year Y is the sum of the changes of
// every year up to Y. Values are persisted by index: append new fields, never reorder.
#pragma once

#include <array>
#include <cstdint>

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
  kNumStatFields
};

constexpr bool IsStockField(int field) { return field >= kProbationaryChange; }

using Counters = std::array<int64_t, kNumStatFields>;

}  // namespace analytics
