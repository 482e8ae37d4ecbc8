#include "services/records/domain/dates.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace records::domain {
namespace {

int DaysInMonth(int year, int month) {
  const absl::CivilMonth m(year, month);
  return static_cast<int>(absl::CivilDay(m + 1) - absl::CivilDay(m));
}

std::string RawDate(const google::type::Date& date) {
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

}  // namespace

bool IsSet(const google::type::Date& date) {
  return date.year() != 0 || date.month() != 0 || date.day() != 0;
}

bool IsValidDate(const google::type::Date& date) {
  if (date.year() < 1 || date.year() > kMaxYear) return false;
  if (date.month() < 1 || date.month() > 12) return false;
  return date.day() >= 1 && date.day() <= DaysInMonth(date.year(), date.month());
}

absl::StatusOr<absl::CivilDay> ToCivilDay(const google::type::Date& date, absl::string_view field) {
  common::FieldViolations violations;
  std::optional<absl::CivilDay> day = CheckDate(date, field, /*required=*/true, &violations);
  if (!day.has_value()) return violations.ToStatus();
  return *day;
}

std::optional<absl::CivilDay> CheckDate(const google::type::Date& date, absl::string_view field,
                                        bool required, common::FieldViolations* violations) {
  if (!IsSet(date)) {
    if (required) violations->Add(std::string(field), "is required (a date: year, month, day)");
    return std::nullopt;
  }
  if (!IsValidDate(date)) {
    violations->Add(
        std::string(field),
        absl::StrCat("must be a valid date (year, month and day set), got ", RawDate(date)));
    return std::nullopt;
  }
  return absl::CivilDay(date.year(), date.month(), date.day());
}

google::type::Date ToDate(absl::CivilDay day) {
  google::type::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

absl::CivilDay AddMonths(absl::CivilDay day, int months) {
  const absl::CivilMonth month = absl::CivilMonth(day) + months;
  const int last = DaysInMonth(static_cast<int>(month.year()), month.month());
  return absl::CivilDay(month.year(), month.month(), std::min(day.day(), last));
}

int WholeMonthsBetween(absl::CivilDay from, absl::CivilDay to) {
  // Start from the difference of the calendar months and correct by at most one.
  int months = static_cast<int>(absl::CivilMonth(to) - absl::CivilMonth(from));
  if (to >= from) {
    while (AddMonths(from, months) > to) --months;
    while (AddMonths(from, months + 1) <= to) ++months;
  } else {
    while (AddMonths(from, months) < to) ++months;
    while (AddMonths(from, months - 1) >= to) --months;
  }
  return months;
}

int WholeYearsBetween(absl::CivilDay from, absl::CivilDay to) {
  return WholeMonthsBetween(from, to) / 12;
}

absl::TimeZone IctZone() { return absl::FixedTimeZone(7 * 60 * 60); }

absl::CivilDay DayIct(absl::Time t) { return absl::ToCivilDay(t, IctZone()); }

absl::CivilDay TodayIct() { return DayIct(absl::Now()); }

std::string FormatDmy(absl::CivilDay day) {
  return absl::StrFormat("%02d/%02d/%04d", day.day(), day.month(), day.year());
}

std::string FormatDmy(const google::type::Date& date) {
  return absl::StrFormat("%02d/%02d/%04d", date.day(), date.month(), date.year());
}

std::string FormatIso(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::string FormatIso(const google::type::Date& date) { return RawDate(date); }

}  // namespace records::domain
