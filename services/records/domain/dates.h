// File: services/records/domain/dates.h
//
// Civil dates of the records domain. Every date in the contracts is a google.type.Date with
// year, month and day set, read as a calendar day in Vietnam (ICT, UTC+7, no DST).
//
// Month arithmetic follows the contract (member.proto): add calendar months keeping the day of
// month; when that day does not exist the last day of the month is used
// (2024-02-29 + 12 months = 2025-02-28, 2024-01-31 + 1 month = 2024-02-29). Ages, probation
// (12 months), the readmission wait (36 months) and badges are all counted this way.
//
// All functions are pure and thread-safe.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "google/type/date.pb.h"

namespace records::domain {

// The earliest date the records accept anywhere (the party was founded on 03/02/1930; birth
// dates may be earlier, down to kMinBirthYear).
inline constexpr int kMinYear = 1930;
inline constexpr int kMinBirthYear = 1850;
inline constexpr int kMaxYear = 9999;

// True when any of year, month, day is non-zero (the field was given).
bool IsSet(const google::type::Date& date);

// True when year (1..9999), month and day are all set and form a real calendar day.
bool IsValidDate(const google::type::Date& date);

// The civil day of `date`; INVALID_ARGUMENT naming `field` ("member.birth_date: must be a
// valid date (year, month and day set), got 2023-02-30") when unset or invalid.
absl::StatusOr<absl::CivilDay> ToCivilDay(const google::type::Date& date, absl::string_view field);

// As ToCivilDay, but records the problem in `violations` and returns nullopt. When `required`
// is false an unset date is not a violation (returns nullopt).
std::optional<absl::CivilDay> CheckDate(const google::type::Date& date, absl::string_view field,
                                        bool required, common::FieldViolations* violations);

// The day as a google.type.Date.
google::type::Date ToDate(absl::CivilDay day);

// `day` plus `months` calendar months (may be negative), clamped to the month's last day.
absl::CivilDay AddMonths(absl::CivilDay day, int months);

// Whole calendar months from `from` to `to`: the largest m with AddMonths(from, m) <= to.
// Negative when `to` is before `from` (the smallest m with AddMonths(from, m) >= to).
int WholeMonthsBetween(absl::CivilDay from, absl::CivilDay to);

// Whole years from `from` to `to` (WholeMonthsBetween / 12, rounded toward zero).
int WholeYearsBetween(absl::CivilDay from, absl::CivilDay to);

// The ICT time zone (fixed UTC+7).
absl::TimeZone IctZone();

// The civil day of instant `t` in ICT.
absl::CivilDay DayIct(absl::Time t);

// Today in ICT (reads the clock).
absl::CivilDay TodayIct();

// "05/02/2023" (dd/mm/yyyy with leading zeros, Nghị định 30/2020) for messages.
std::string FormatDmy(absl::CivilDay day);
std::string FormatDmy(const google::type::Date& date);

// "2023-02-05" (ISO 8601), the text form of dates in PROFILE_UPDATED events.
std::string FormatIso(absl::CivilDay day);
std::string FormatIso(const google::type::Date& date);

}  // namespace records::domain
