// File: services/records/domain/dues_rules.h
//
// Rules of party dues (đảng phí) decidable from the data, with no storage: which rate table
// and basis are in force in a month, the monthly amount due, arrears, the three-months flag,
// and the share each level keeps. dues_validation.h has the request-alone checks.
//
// Rates and shares are data (DuesRateTable, seeded from services/records/seed/dues_rate_tables
// .textproto), never constants here: a new regulation is a new table, and a month is computed
// with the table in force on its first day, so past months keep the table they were due under
// even when a table changes mid-year.
//
// Rounding (one rule everywhere): an exact amount in fractions of a đồng is rounded to whole
// đồng, half up (x.5 -> x+1), in integer arithmetic: percentage rates as
// (basis × basis_points + 5000) / 10000, reductions as (due × (100 − percent) + 50) / 100,
// kept shares as (received × kept_basis_points + 5000) / 10000 with the rest passed up (so the
// parts always add up to what was received). Amounts are non-negative.
//
// Months: "a year" is the calendar year (January to December); a month counts as unpaid only
// once it has ended (its dues can be paid until its last day), so the current month is never
// in arrears. December of one year and January of the next fall in different years: they do
// not add up towards one year's flag.
//
// Errors: FAILED_PRECONDITION (common::RuleViolation) with the reasons below. Pure,
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "dangbo/records/v1/dues.pb.h"

namespace records::domain {

namespace v1 = ::dangbo::records::v1;

inline constexpr char kDuesRateTableMissing[] = "DUES_RATE_TABLE_MISSING";
inline constexpr char kDuesBasisMissing[] = "DUES_BASIS_MISSING";
inline constexpr char kDuesCategoryNotInTable[] = "DUES_CATEGORY_NOT_IN_TABLE";
inline constexpr char kDuesShareNotInTable[] = "DUES_SHARE_NOT_IN_TABLE";

// Months unpaid without a recorded reason within one calendar year that flag a member for
// removal (Quy định 01-QĐ/TW (2026) Điều 2: "không đóng đảng phí ba tháng trong năm mà không
// có lý do chính đáng"; DOMAIN.md §1.4).
inline constexpr int kUnpaidMonthsFlag = 3;

// The month of a period, and back; "YYYY-MM" ids of payments, bases and remittances.
absl::CivilMonth ToCivilMonth(const v1::DuesPeriod& period);
v1::DuesPeriod ToPeriod(absl::CivilMonth month);
std::string PeriodId(absl::CivilMonth month);
std::optional<absl::CivilMonth> ParsePeriodId(absl::string_view id);

// The table in force in `month`: the latest effective_from on or before the month's first
// day; null when none is. `tables` in any order.
const v1::DuesRateTable* TableInForce(absl::Span<const v1::DuesRateTable> tables,
                                      absl::CivilMonth month);

// The member's basis in force in `month` (latest effective_from not after it); null if none.
const v1::DuesBasis* BasisInForce(absl::Span<const v1::DuesBasis> bases, absl::CivilMonth month);

// amount × basis_points / 10000 rounded half up to whole đồng.
int64_t ApplyBasisPoints(int64_t amount, int32_t basis_points);

// `due` reduced by `percent` (0..100), rounded half up.
int64_t ApplyReduction(int64_t due, int32_t percent);

// The monthly amount due under `table` for `basis`: the category's percentage of
// basis_amount or its fixed amount, then the basis's reduction. FAILED_PRECONDITION
// DUES_CATEGORY_NOT_IN_TABLE when the table has no rate for the category (e.g. ABROAD).
absl::StatusOr<int64_t> MonthlyDue(const v1::DuesBasis& basis, const v1::DuesRateTable& table);

// The amount due in `month` with the basis and table in force then, and the table's name.
// FAILED_PRECONDITION DUES_BASIS_MISSING / DUES_RATE_TABLE_MISSING when there is none.
struct MonthDue {
  int64_t amount = 0;
  std::string rate_table;
};
absl::StatusOr<MonthDue> DueInMonth(absl::Span<const v1::DuesBasis> bases,
                                    absl::Span<const v1::DuesRateTable> tables,
                                    absl::CivilMonth month);

// A member's year: each month from January up to the month of `today` (all twelve for a
// past year; none for a future year), with due (0 for months without a basis or table, or
// whose category has no rate), paid (the payment recorded for the month, 0 if none),
// arrears (ended months only), unpaid_without_reason, and the totals and flag. `payments`
// may hold other years; a month with several payments sums them.
v1::MemberDuesStatement DuesStatement(absl::string_view member, int year,
                                      absl::Span<const v1::DuesBasis> bases,
                                      absl::Span<const v1::DuesRateTable> tables,
                                      absl::Span<const v1::DuesPayment> payments,
                                      absl::CivilDay today);

// A member's arrears over every ended month from `from` to `to` (inclusive, `to` capped at
// the month before `today`): the sum of max(0, due − paid). Months with a recorded reason
// still owe their amount.
int64_t ArrearsBetween(absl::Span<const v1::DuesBasis> bases,
                       absl::Span<const v1::DuesRateTable> tables,
                       absl::Span<const v1::DuesPayment> payments, absl::CivilMonth from,
                       absl::CivilMonth to, absl::CivilDay today);

// The totals of a cell or organization for a year from its members' statements (all of
// the same year) and the cells' remittances: per month and for the year, members in arrears
// (largest first, then name) and the number flagged.
v1::DuesSummary SummarizeDues(absl::string_view scope, int year,
                              absl::Span<const v1::MemberDuesStatement> statements,
                              absl::Span<const v1::DuesRemittance> remittances);

// A member's dues records: every basis and payment of theirs (any months).
struct MemberDuesRecords {
  std::vector<v1::DuesBasis> bases;
  std::vector<v1::DuesPayment> payments;
};

// A cell's month at its closing (the DuesRemittance's outputs).
struct CellMonthClosing {
  int64_t due = 0;        // sum of the members' amounts due (0 without basis or rate)
  int64_t collected = 0;  // payments for the month recorded at `cell`
  int64_t arrears = 0;    // sum of max(0, due − paid), whether or not the month has ended
};

// The closing of `month` at `cell` over `members`: the members whose dues the cell keeps
// that month (the caller's choice: its members on the lists and those whose payment for
// the month the cell recorded). A member's paid amount is their payment for the month,
// wherever recorded; collected counts only payments recorded at `cell`.
CellMonthClosing CloseCellMonth(absl::string_view cell, absl::CivilMonth month,
                                absl::Span<const MemberDuesRecords> members,
                                absl::Span<const v1::DuesRateTable> tables);

// What one level keeps of what it received and what it passes up.
struct ShareSplit {
  v1::DuesRateTable::Level level = v1::DuesRateTable::LEVEL_UNSPECIFIED;
  int64_t received = 0;
  int64_t kept = 0;
  int64_t passed_up = 0;
};

// Follows `received` up the chain of `levels` (the collecting cell's level first), each
// keeping its share under `table` (kept_basis_points, the lower bound of a range, unless
// `kept_override_basis_points` gives the share the upper committee chose for the first level
// within the range). FAILED_PRECONDITION DUES_SHARE_NOT_IN_TABLE when a level has no share
// in the table.
absl::StatusOr<std::vector<ShareSplit>> SplitShares(
    int64_t received, const v1::DuesRateTable& table,
    absl::Span<const v1::DuesRateTable::Level> levels,
    std::optional<int32_t> kept_override_basis_points = std::nullopt);

}  // namespace records::domain
