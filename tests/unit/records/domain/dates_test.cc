// Civil dates in ICT and calendar-month arithmetic (member.proto: the day of month is kept,
// clamped to the month's last day).
#include "services/records/domain/dates.h"

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace records::domain {
namespace {

using Day = absl::CivilDay;
using ::testing::HasSubstr;

google::type::Date Raw(int y, int m, int d) {
  google::type::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

TEST(DatesTest, ConversionValidatesAndNamesTheField) {
  EXPECT_EQ(*ToCivilDay(Raw(2024, 2, 29), "x"), Day(2024, 2, 29));
  auto invalid = ToCivilDay(Raw(2023, 2, 29), "member.birth_date");
  EXPECT_EQ(invalid.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(invalid.status().message(), HasSubstr("member.birth_date: must be a valid date"));
  EXPECT_THAT(invalid.status().message(), HasSubstr("2023-02-29"));
  EXPECT_THAT(ToCivilDay(google::type::Date(), "as_of").status().message(),
              HasSubstr("as_of: is required"));
  EXPECT_FALSE(IsValidDate(Raw(2024, 13, 1)));
  EXPECT_FALSE(IsValidDate(Raw(2024, 0, 1)));
  EXPECT_FALSE(IsValidDate(Raw(0, 1, 1)));
  EXPECT_FALSE(IsSet(google::type::Date()));
  EXPECT_EQ(FormatIso(ToDate(Day(2023, 2, 5))), "2023-02-05");
}

TEST(DatesTest, AddMonthsClampsToTheLastDayOfTheMonth) {
  EXPECT_EQ(AddMonths(Day(2024, 2, 29), 12), Day(2025, 2, 28));
  EXPECT_EQ(AddMonths(Day(2024, 1, 31), 1), Day(2024, 2, 29));
  EXPECT_EQ(AddMonths(Day(2023, 1, 31), 1), Day(2023, 2, 28));
  EXPECT_EQ(AddMonths(Day(2023, 3, 31), -1), Day(2023, 2, 28));
  EXPECT_EQ(AddMonths(Day(2023, 3, 10), 36), Day(2026, 3, 10));
}

TEST(DatesTest, WholeMonthsAndYearsBetween) {
  EXPECT_EQ(WholeMonthsBetween(Day(2000, 6, 15), Day(2018, 6, 14)), 215);
  EXPECT_EQ(WholeMonthsBetween(Day(2000, 6, 15), Day(2018, 6, 15)), 216);
  EXPECT_EQ(WholeYearsBetween(Day(2000, 6, 15), Day(2018, 6, 14)), 17);
  EXPECT_EQ(WholeYearsBetween(Day(2000, 6, 15), Day(2018, 6, 15)), 18);
  // Born on a leap day: 18 on 28/02 of a common year (the clamped month-day).
  EXPECT_EQ(WholeYearsBetween(Day(2004, 2, 29), Day(2022, 2, 27)), 17);
  EXPECT_EQ(WholeYearsBetween(Day(2004, 2, 29), Day(2022, 2, 28)), 18);
  EXPECT_EQ(WholeMonthsBetween(Day(2024, 1, 31), Day(2024, 2, 29)), 1);
  EXPECT_EQ(WholeMonthsBetween(Day(2024, 3, 10), Day(2024, 3, 10)), 0);
  EXPECT_EQ(WholeMonthsBetween(Day(2024, 3, 10), Day(2024, 1, 10)), -2);
}

TEST(DatesTest, IctIsUtcPlusSeven) {
  // 2024-12-31T17:00:00Z is already 1 January 2025 in Vietnam.
  EXPECT_EQ(DayIct(absl::FromUnixSeconds(1735664400)), Day(2025, 1, 1));
  EXPECT_EQ(DayIct(absl::FromUnixSeconds(1735664399)), Day(2024, 12, 31));
}

TEST(DatesTest, MessagesUseDayMonthYearWithLeadingZeros) {
  // Nghị định 30/2020: days below 10 and months 1–2 with a leading zero.
  EXPECT_EQ(FormatDmy(Day(2023, 2, 5)), "05/02/2023");
  EXPECT_EQ(FormatDmy(Raw(2024, 12, 31)), "31/12/2024");
}

}  // namespace
}  // namespace records::domain
