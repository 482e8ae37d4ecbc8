// Party dues: the table and basis in force in a month, the monthly amount rounded to whole
// đồng (half up), arrears once a month has ended, the three-months-in-a-calendar-year flag,
// and the share each level keeps. The tables here are test tables, not the seeded ones.
#include "services/records/domain/dues_rules.h"

#include <vector>

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/records/domain/test_builders.h"

namespace records::domain {
namespace {

using testing::D;
using testing::kMemberName;
using Level = v1::DuesRateTable::Level;

constexpr char kOldTable[] = "organizations/hq-long-an/duesRateTables/test-2011";
constexpr char kNewTable[] = "organizations/hq-long-an/duesRateTables/test-2026-07";

v1::DuesRateTable Table(const char* name, google::type::Date from, int salary_bp,
                        int64_t student_fixed) {
  v1::DuesRateTable t;
  t.set_name(name);
  *t.mutable_effective_from() = from;
  auto* salary = t.add_rates();
  salary->set_category(v1::STATE_BODY_SALARY);
  salary->set_basis_points(salary_bp);
  auto* pension = t.add_rates();
  pension->set_category(v1::PENSION);
  pension->set_basis_points(50);
  auto* student = t.add_rates();
  student->set_category(v1::STUDENT);
  student->set_fixed_amount(student_fixed);
  auto* cell = t.add_shares();
  cell->set_level(v1::DuesRateTable::CELL_UNDER_GRASSROOTS);
  cell->set_kept_basis_points(3000);
  cell->set_kept_basis_points_max(5000);
  auto* grassroots = t.add_shares();
  grassroots->set_level(v1::DuesRateTable::GRASSROOTS_OTHER);
  grassroots->set_kept_basis_points(7000);
  return t;
}

// The old table from April 2011 and a new one from July 2026 (a mid-year change).
std::vector<v1::DuesRateTable> Tables() {
  return {Table(kNewTable, D(2026, 7, 1), 200, 5000), Table(kOldTable, D(2011, 4, 1), 100, 2000)};
}

v1::DuesBasis Basis(v1::DuesCategory category, int64_t amount, int year, int month,
                    int reduction = 0) {
  v1::DuesBasis b;
  b.set_category(category);
  b.set_basis_amount(amount);
  b.mutable_effective_from()->set_year(year);
  b.mutable_effective_from()->set_month(month);
  b.set_reduction_percent(reduction);
  return b;
}

v1::DuesPayment Paid(int year, int month, int64_t amount, const std::string& reason = "") {
  v1::DuesPayment p;
  p.mutable_period()->set_year(year);
  p.mutable_period()->set_month(month);
  p.set_amount(amount);
  p.set_unpaid_reason(reason);
  return p;
}

// Payments of `amount` for every month from (year, first) to (year, last).
std::vector<v1::DuesPayment> PaidMonths(int year, int first, int last, int64_t amount) {
  std::vector<v1::DuesPayment> out;
  for (int m = first; m <= last; ++m) out.push_back(Paid(year, m, amount));
  return out;
}

const std::vector<v1::DuesBasis> kSalary = {Basis(v1::STATE_BODY_SALARY, 10'000'000, 2020, 1)};

TEST(DuesRoundingTest, PercentagesRoundHalfUpToWholeDong) {
  EXPECT_EQ(ApplyBasisPoints(4'680'050, 100), 46'801);  // 46 800,5 -> 46 801
  EXPECT_EQ(ApplyBasisPoints(4'680'049, 100), 46'800);  // 46 800,49 -> 46 800
  EXPECT_EQ(ApplyBasisPoints(3'000'001, 50), 15'000);   // 15 000,005 -> 15 000
  EXPECT_EQ(ApplyBasisPoints(3'000'100, 50), 15'001);   // 15 000,5 -> 15 001
  EXPECT_EQ(ApplyBasisPoints(0, 100), 0);
  EXPECT_EQ(ApplyReduction(15'001, 50), 7'501);  // 7 500,5 -> 7 501
  EXPECT_EQ(ApplyReduction(15'001, 100), 0);     // exempt
  EXPECT_EQ(ApplyReduction(15'001, 0), 15'001);
}

TEST(DuesRateTableTest, AMonthUsesTheTableInForceOnItsFirstDay) {
  const auto tables = Tables();
  EXPECT_EQ(TableInForce(tables, absl::CivilMonth(2011, 3)), nullptr);
  EXPECT_EQ(TableInForce(tables, absl::CivilMonth(2011, 4))->name(), kOldTable);
  EXPECT_EQ(TableInForce(tables, absl::CivilMonth(2026, 6))->name(), kOldTable);
  EXPECT_EQ(TableInForce(tables, absl::CivilMonth(2026, 7))->name(), kNewTable);
  EXPECT_EQ(TableInForce(tables, absl::CivilMonth(2027, 1))->name(), kNewTable);
}

TEST(DuesRateTableTest, ATableChangingMidYearLeavesEarlierMonthsWithTheirs) {
  const auto tables = Tables();
  std::vector<v1::DuesPayment> payments = PaidMonths(2026, 1, 6, 100'000);
  for (auto& p : PaidMonths(2026, 7, 11, 200'000)) payments.push_back(p);
  const v1::MemberDuesStatement s =
      DuesStatement(kMemberName, 2026, kSalary, tables, payments, absl::CivilDay(2026, 12, 7));
  ASSERT_EQ(s.months_size(), 12);                // January to the current month
  EXPECT_EQ(s.months(5).amount_due(), 100'000);  // June: 1% under the old table
  EXPECT_EQ(s.months(5).rate_table(), kOldTable);
  EXPECT_EQ(s.months(6).amount_due(), 200'000);  // July: 2% under the new one
  EXPECT_EQ(s.months(6).rate_table(), kNewTable);
  EXPECT_EQ(s.total_arrears(), 0);  // December has not ended
  EXPECT_EQ(s.total_due(), 6 * 100'000 + 6 * 200'000);
  EXPECT_FALSE(s.flagged());
}

TEST(DuesRateTableTest, ACategoryWithoutARateIsAFailedPrecondition) {
  const auto tables = Tables();
  absl::StatusOr<int64_t> due = MonthlyDue(Basis(v1::ABROAD, 0, 2026, 1), tables[1]);
  ASSERT_EQ(due.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(common::ErrorReason(due.status()), kDuesCategoryNotInTable);
}

TEST(DuesAmountTest, FixedAmountsPensionAndReductions) {
  const v1::DuesRateTable old = Tables()[1];
  EXPECT_EQ(*MonthlyDue(Basis(v1::STUDENT, 0, 2020, 1), old), 2'000);
  EXPECT_EQ(*MonthlyDue(Basis(v1::PENSION, 6'543'210, 2020, 1), old), 32'716);  // 32 716,05
  EXPECT_EQ(*MonthlyDue(Basis(v1::STATE_BODY_SALARY, 9'360'000, 2020, 1, 30), old), 65'520);
  EXPECT_EQ(*MonthlyDue(Basis(v1::STATE_BODY_SALARY, 9'360'000, 2020, 1, 100), old), 0);
}

TEST(DuesAmountTest, ABasisChangingMidYearAppliesFromItsMonth) {
  const std::vector<v1::DuesBasis> bases = {Basis(v1::STATE_BODY_SALARY, 10'000'000, 2020, 1),
                                            Basis(v1::STATE_BODY_SALARY, 12'000'000, 2025, 5)};
  const auto tables = Tables();
  EXPECT_EQ(DueInMonth(bases, tables, absl::CivilMonth(2025, 4))->amount, 100'000);
  EXPECT_EQ(DueInMonth(bases, tables, absl::CivilMonth(2025, 5))->amount, 120'000);
  absl::StatusOr<MonthDue> before = DueInMonth(bases, tables, absl::CivilMonth(2019, 12));
  EXPECT_EQ(common::ErrorReason(before.status()), kDuesBasisMissing);
}

TEST(DuesArrearsTest, TheFirstMonthInArrearsIsTheDayAfterItEnds) {
  const auto tables = Tables();
  const auto payments = PaidMonths(2026, 1, 2, 100'000);  // March not paid
  const v1::MemberDuesStatement on_last_day =
      DuesStatement(kMemberName, 2026, kSalary, tables, payments, absl::CivilDay(2026, 3, 31));
  EXPECT_EQ(on_last_day.total_arrears(), 0);
  EXPECT_EQ(on_last_day.unpaid_months_without_reason(), 0);
  const v1::MemberDuesStatement next_day =
      DuesStatement(kMemberName, 2026, kSalary, tables, payments, absl::CivilDay(2026, 4, 1));
  EXPECT_EQ(next_day.total_arrears(), 100'000);
  EXPECT_EQ(next_day.unpaid_months_without_reason(), 1);
  EXPECT_TRUE(next_day.months(2).unpaid_without_reason());
  EXPECT_FALSE(next_day.flagged());
}

TEST(DuesArrearsTest, OneDongShortIsInArrears) {
  const auto tables = Tables();
  const std::vector<v1::DuesPayment> payments = {Paid(2026, 1, 99'999)};
  const v1::MemberDuesStatement s =
      DuesStatement(kMemberName, 2026, kSalary, tables, payments, absl::CivilDay(2026, 2, 1));
  EXPECT_EQ(s.total_arrears(), 1);
  EXPECT_EQ(s.unpaid_months_without_reason(), 1);
}

TEST(DuesFlagTest, TheThirdUnpaidMonthWithoutReasonFlags) {
  const auto tables = Tables();
  const auto payments = PaidMonths(2026, 1, 3, 100'000);  // April, May, June unpaid
  EXPECT_FALSE(
      DuesStatement(kMemberName, 2026, kSalary, tables, payments, absl::CivilDay(2026, 6, 30))
          .flagged());  // two ended
  const v1::MemberDuesStatement s =
      DuesStatement(kMemberName, 2026, kSalary, tables, payments, absl::CivilDay(2026, 7, 1));
  EXPECT_EQ(s.unpaid_months_without_reason(), 3);
  EXPECT_TRUE(s.flagged());
}

TEST(DuesFlagTest, AMonthWithARecordedReasonStillOwesButDoesNotCount) {
  const auto tables = Tables();
  auto payments = PaidMonths(2026, 1, 3, 100'000);
  payments.push_back(Paid(2026, 5, 0, "Chi bộ cho chậm đóng: ốm dài ngày"));
  const v1::MemberDuesStatement s =
      DuesStatement(kMemberName, 2026, kSalary, tables, payments, absl::CivilDay(2026, 7, 1));
  EXPECT_EQ(s.unpaid_months_without_reason(), 2);  // April and June
  EXPECT_FALSE(s.flagged());
  EXPECT_EQ(s.total_arrears(), 300'000);  // May still owed
}

TEST(DuesFlagTest, DecemberAndTheNextJanuaryAreDifferentYears) {
  const auto tables = Tables();
  auto payments = PaidMonths(2025, 1, 10, 100'000);  // Nov, Dec 2025 and Jan 2026 unpaid
  const absl::CivilDay today(2026, 2, 10);
  const v1::MemberDuesStatement y2025 =
      DuesStatement(kMemberName, 2025, kSalary, tables, payments, today);
  EXPECT_EQ(y2025.months_size(), 12);
  EXPECT_EQ(y2025.unpaid_months_without_reason(), 2);
  EXPECT_FALSE(y2025.flagged());
  const v1::MemberDuesStatement y2026 =
      DuesStatement(kMemberName, 2026, kSalary, tables, payments, today);
  EXPECT_EQ(y2026.months_size(), 2);  // January, and February (not ended)
  EXPECT_EQ(y2026.unpaid_months_without_reason(), 1);
  EXPECT_FALSE(y2026.flagged());
  EXPECT_EQ(ArrearsBetween(kSalary, tables, payments, absl::CivilMonth(2025, 1),
                           absl::CivilMonth(2026, 12), today),
            300'000);
}

TEST(DuesSummaryTest, TotalsPerMonthAndMembersInArrearsLargestFirst) {
  const auto tables = Tables();
  const absl::CivilDay today(2026, 3, 15);
  const std::vector<v1::MemberDuesStatement> statements = {
      DuesStatement("organizations/o/members/a", 2026, kSalary, tables,
                    PaidMonths(2026, 1, 2, 100'000), today),
      DuesStatement("organizations/o/members/b", 2026, kSalary, tables, {}, today)};
  v1::DuesRemittance r;
  *r.mutable_period() = ToPeriod(absl::CivilMonth(2026, 1));
  r.set_remitted_amount(70'000);
  const v1::DuesSummary s = SummarizeDues(testing::kCellA, 2026, statements, {r});
  ASSERT_EQ(s.months_size(), 3);
  EXPECT_EQ(s.months(0).due(), 200'000);
  EXPECT_EQ(s.months(0).collected(), 100'000);
  EXPECT_EQ(s.months(0).remitted(), 70'000);
  EXPECT_EQ(s.year_total().arrears(), 200'000);  // b: January and February
  ASSERT_EQ(s.members_in_arrears_size(), 1);
  EXPECT_EQ(s.members_in_arrears(0).member(), "organizations/o/members/b");
  EXPECT_EQ(s.flagged_members(), 0);
}

TEST(DuesSharesTest, EachLevelKeepsItsShareAndThePartsAddUp) {
  const v1::DuesRateTable table = Tables()[1];
  const std::vector<Level> chain = {v1::DuesRateTable::CELL_UNDER_GRASSROOTS,
                                    v1::DuesRateTable::GRASSROOTS_OTHER};
  auto splits = SplitShares(1'000'001, table, chain);
  ASSERT_TRUE(splits.ok()) << splits.status();
  ASSERT_EQ(splits->size(), 2u);
  EXPECT_EQ((*splits)[0].kept, 300'000);  // 300 000,3
  EXPECT_EQ((*splits)[0].passed_up, 700'001);
  EXPECT_EQ((*splits)[1].received, 700'001);
  EXPECT_EQ((*splits)[1].kept, 490'001);  // 490 000,7
  EXPECT_EQ((*splits)[1].passed_up, 210'000);
}

TEST(DuesSharesTest, TheChosenShareStaysWithinTheRange) {
  const v1::DuesRateTable table = Tables()[1];
  const std::vector<Level> cell = {v1::DuesRateTable::CELL_UNDER_GRASSROOTS};
  EXPECT_EQ((*SplitShares(1'000'001, table, cell, 5000))[0].kept, 500'001);  // 500 000,5
  EXPECT_EQ((*SplitShares(1'000'000, table, cell, 9000))[0].kept, 500'000);  // capped at 50%
  const std::vector<Level> commune = {v1::DuesRateTable::GRASSROOTS_COMMUNE};
  EXPECT_EQ(common::ErrorReason(SplitShares(1, table, commune).status()), kDuesShareNotInTable);
}

TEST(DuesPeriodTest, IdsAreYearDashMonth) {
  EXPECT_EQ(PeriodId(absl::CivilMonth(2026, 3)), "2026-03");
  EXPECT_EQ(*ParsePeriodId("2026-12"), absl::CivilMonth(2026, 12));
  EXPECT_FALSE(ParsePeriodId("2026-13").has_value());
  EXPECT_FALSE(ParsePeriodId("2026-3").has_value());
}

// A cell's month closing (DuesRemittance outputs): what its members owed, what the cell
// collected, and what was still owed, the month ended or not.
constexpr char kClosingCell[] = "organizations/hq-long-an/cells/cb-a";

v1::DuesPayment PaidAt(const char* cell, int year, int month, int64_t amount) {
  v1::DuesPayment p = Paid(year, month, amount);
  p.set_cell(cell);
  return p;
}

TEST(DuesClosingTest, DueCollectedAndArrearsOfTheCellsMembers) {
  // 1% of 10,000,000 = 100,000 in 2025 (the old table).
  const absl::CivilMonth march(2025, 3);
  std::vector<MemberDuesRecords> members(3);
  members[0].bases = kSalary;
  members[0].payments = {PaidAt(kClosingCell, 2025, 3, 100'000),
                         PaidAt(kClosingCell, 2025, 2, 100'000)};
  members[1].bases = kSalary;
  members[1].payments = {PaidAt(kClosingCell, 2025, 3, 40'000)};  // short by 60,000
  members[2].bases = kSalary;                                     // nothing paid
  const CellMonthClosing c = CloseCellMonth(kClosingCell, march, members, Tables());
  EXPECT_EQ(c.due, 300'000);
  EXPECT_EQ(c.collected, 140'000) << "February's payment is not March's";
  EXPECT_EQ(c.arrears, 160'000);
}

TEST(DuesClosingTest, APaymentRecordedAtAnotherCellPaysTheMemberButIsNotCollectedHere) {
  std::vector<MemberDuesRecords> members(1);
  members[0].bases = kSalary;
  members[0].payments = {PaidAt("organizations/hq-long-an/cells/cb-b", 2025, 3, 100'000)};
  const CellMonthClosing c =
      CloseCellMonth(kClosingCell, absl::CivilMonth(2025, 3), members, Tables());
  EXPECT_EQ(c.due, 100'000);
  EXPECT_EQ(c.collected, 0);
  EXPECT_EQ(c.arrears, 0);
}

TEST(DuesClosingTest, OverpaymentOwesNothingAndAMemberWithoutBasisOwesNothing) {
  std::vector<MemberDuesRecords> members(2);
  members[0].bases = kSalary;
  members[0].payments = {PaidAt(kClosingCell, 2025, 3, 150'000)};
  members[1].payments = {PaidAt(kClosingCell, 2025, 3, 20'000)};  // no basis: due 0
  const CellMonthClosing c =
      CloseCellMonth(kClosingCell, absl::CivilMonth(2025, 3), members, Tables());
  EXPECT_EQ(c.due, 100'000);
  EXPECT_EQ(c.collected, 170'000);
  EXPECT_EQ(c.arrears, 0) << "paying more than due is not negative arrears";
}

TEST(DuesClosingTest, AMonthUnderTheNewTableOwesItsRate) {
  std::vector<MemberDuesRecords> members(1);
  members[0].bases = kSalary;
  // July 2026: the new table's 2%.
  const CellMonthClosing c =
      CloseCellMonth(kClosingCell, absl::CivilMonth(2026, 7), members, Tables());
  EXPECT_EQ(c.due, 200'000);
  EXPECT_EQ(c.arrears, 200'000);
  EXPECT_EQ(CloseCellMonth(kClosingCell, absl::CivilMonth(2026, 6), members, Tables()).due,
            100'000);
}

}  // namespace
}  // namespace records::domain
