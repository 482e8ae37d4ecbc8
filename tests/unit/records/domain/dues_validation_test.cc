// Request-alone validation of the dues and meeting requests: every violation names its field
// and rule (validation.h).
#include <string>
#include <vector>

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/records/domain/validation.h"
#include "tests/unit/records/domain/test_builders.h"

namespace records::domain {
namespace {

using ::testing::Contains;
using testing::D;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::kCellA;
using testing::kMemberName;
using testing::kOrg;

const absl::CivilDay kToday(2026, 12, 7);

std::vector<std::string> Fields(const absl::Status& status) {
  std::vector<std::string> out;
  for (const auto& [field, _] : common::FieldViolationsOf(status)) out.push_back(field);
  return out;
}

std::string Description(const absl::Status& status, const std::string& field) {
  for (const auto& [f, d] : common::FieldViolationsOf(status)) {
    if (f == field) return d;
  }
  return "";
}

v1::CreateDuesRateTableRequest ValidTable() {
  v1::CreateDuesRateTableRequest r;
  r.set_parent(kOrg);
  r.set_dues_rate_table_id("qd-01-2026");
  auto* t = r.mutable_dues_rate_table();
  *t->mutable_regulation() = testing::Decision(absl::CivilDay(2026, 2, 3), "01-QĐ/TW");
  *t->mutable_effective_from() = D(2026, 2, 1);
  auto* salary = t->add_rates();
  salary->set_category(v1::STATE_BODY_SALARY);
  salary->set_basis_points(100);
  auto* student = t->add_rates();
  student->set_category(v1::STUDENT);
  student->set_fixed_amount(5000);
  auto* cell = t->add_shares();
  cell->set_level(v1::DuesRateTable::CELL_UNDER_GRASSROOTS);
  cell->set_kept_basis_points(3000);
  cell->set_kept_basis_points_max(5000);
  return r;
}

TEST(DuesRateTableValidationTest, AValidTablePasses) {
  EXPECT_TRUE(Validate(ValidTable(), kToday).ok()) << Validate(ValidTable(), kToday);
}

TEST(DuesRateTableValidationTest, EachRuleNamesItsField) {
  auto r = ValidTable();
  *r.mutable_dues_rate_table()->mutable_effective_from() = D(2026, 2, 3);
  r.mutable_dues_rate_table()->mutable_rates(0)->set_fixed_amount(1000);  // both set
  r.mutable_dues_rate_table()->mutable_rates(1)->set_category(v1::STATE_BODY_SALARY);
  r.mutable_dues_rate_table()->mutable_shares(0)->set_kept_basis_points_max(2000);
  const absl::Status s = Validate(r, kToday);
  EXPECT_THAT(Fields(s), ElementsAre("dues_rate_table.effective_from", "dues_rate_table.rates[0]",
                                     "dues_rate_table.rates[1].category",
                                     "dues_rate_table.shares[0].kept_basis_points_max"));
  EXPECT_THAT(Description(s, "dues_rate_table.effective_from"), HasSubstr("first day of a month"));
  EXPECT_THAT(Description(s, "dues_rate_table.rates[1].category"), HasSubstr("twice"));
}

v1::RecordDuesPaymentRequest ValidPayment() {
  v1::RecordDuesPaymentRequest r;
  r.set_parent(kMemberName);
  auto* p = r.mutable_dues_payment();
  p->mutable_period()->set_year(2026);
  p->mutable_period()->set_month(11);
  p->set_amount(93'600);
  *p->mutable_paid_date() = D(2026, 11, 20);
  p->set_collector("organizations/hq-long-an/members/thu-quy");
  return r;
}

TEST(DuesPaymentValidationTest, AValidPaymentPasses) {
  EXPECT_TRUE(Validate(ValidPayment(), kToday).ok()) << Validate(ValidPayment(), kToday);
}

TEST(DuesPaymentValidationTest, NothingPaidNeedsAReasonAndNoDate) {
  auto r = ValidPayment();
  r.mutable_dues_payment()->set_amount(0);
  const absl::Status s = Validate(r, kToday);
  EXPECT_THAT(Fields(s), ElementsAre("dues_payment.paid_date", "dues_payment.unpaid_reason"));
  r.mutable_dues_payment()->clear_paid_date();
  r.mutable_dues_payment()->set_unpaid_reason("Chi bộ cho chậm đóng");
  EXPECT_TRUE(Validate(r, kToday).ok());
}

TEST(DuesPaymentValidationTest, PeriodDateAmountAndCollector) {
  auto r = ValidPayment();
  auto* p = r.mutable_dues_payment();
  p->mutable_period()->set_month(13);
  p->set_amount(-1);
  *p->mutable_paid_date() = D(2026, 12, 8);
  p->set_collector("organizations/other/members/x");
  const absl::Status s = Validate(r, kToday);
  EXPECT_THAT(Fields(s), ElementsAre("dues_payment.period.month", "dues_payment.amount",
                                     "dues_payment.paid_date", "dues_payment.collector"));
  EXPECT_THAT(Description(s, "dues_payment.paid_date"), HasSubstr("future"));
}

TEST(DuesPaymentValidationTest, AdvancePaymentUpToAYear) {
  auto r = ValidPayment();
  r.mutable_dues_payment()->mutable_period()->set_year(2027);
  r.mutable_dues_payment()->mutable_period()->set_month(12);
  EXPECT_TRUE(Validate(r, kToday).ok());
  r.mutable_dues_payment()->mutable_period()->set_year(2028);
  r.mutable_dues_payment()->mutable_period()->set_month(1);
  EXPECT_THAT(Fields(Validate(r, kToday)), ElementsAre("dues_payment.period"));
}

TEST(DuesBasisValidationTest, ReductionsAreFixedStepsWithADecision) {
  v1::CreateDuesBasisRequest r;
  r.set_parent(kMemberName);
  auto* b = r.mutable_dues_basis();
  b->set_category(v1::PENSION);
  b->set_basis_amount(6'000'000);
  b->mutable_effective_from()->set_year(2026);
  b->mutable_effective_from()->set_month(2);
  EXPECT_TRUE(Validate(r, kToday).ok());
  b->set_reduction_percent(40);
  EXPECT_THAT(Fields(Validate(r, kToday)),
              ElementsAre("dues_basis.reduction_percent", "dues_basis.reduction_decision"));
  b->set_reduction_percent(50);
  EXPECT_THAT(Fields(Validate(r, kToday)), ElementsAre("dues_basis.reduction_decision"));
}

TEST(DuesRemittanceValidationTest, NotBeforeThePeriod) {
  v1::RecordDuesRemittanceRequest r;
  r.set_parent(kCellA);
  auto* d = r.mutable_dues_remittance();
  d->mutable_period()->set_year(2026);
  d->mutable_period()->set_month(11);
  d->set_remitted_amount(65'520);
  *d->mutable_remitted_date() = D(2026, 10, 31);
  d->set_recipient(kOrg);
  EXPECT_THAT(Fields(Validate(r, kToday)), ElementsAre("dues_remittance.remitted_date"));
  *d->mutable_remitted_date() = D(2026, 12, 5);
  EXPECT_TRUE(Validate(r, kToday).ok());
}

TEST(DuesQueryValidationTest, YearsAndNames) {
  v1::GetMemberDuesStatementRequest m;
  m.set_member(kMemberName);
  m.set_year(2010);
  EXPECT_THAT(Fields(Validate(m, kToday)), ElementsAre("year"));
  v1::GetDuesSummaryRequest s;
  s.set_scope(kCellA);
  s.set_year(2026);
  EXPECT_TRUE(Validate(s, kToday).ok());
  s.set_scope(kOrg);
  EXPECT_TRUE(Validate(s, kToday).ok());
  v1::GetDuesPaymentRequest g;
  g.set_name(std::string(kMemberName) + "/duesPayments/2026-3");
  EXPECT_THAT(Description(Validate(g, kToday), "name"), HasSubstr("YYYY-MM"));
  v1::ListDuesPaymentsRequest l;
  l.set_parent(kCellA);
  l.set_filter("period.year = 2026 AND colour = 1");
  EXPECT_THAT(Fields(Validate(l, kToday)), Contains("filter"));
}

v1::CreateMeetingRequest ValidMeeting() {
  v1::CreateMeetingRequest r;
  r.set_parent(kCellA);
  r.set_meeting_id("thuong-ky-2026-11");
  auto* m = r.mutable_meeting();
  m->set_kind(v1::Meeting::REGULAR);
  *m->mutable_date() = D(2026, 11, 5);
  m->set_topic("Sinh hoạt chi bộ thường kỳ tháng 11");
  m->set_presiding_member(kMemberName);
  auto* a = m->add_attendance();
  a->set_member(kMemberName);
  a->set_status(v1::MeetingAttendance::PRESENT);
  auto* b = m->add_attendance();
  b->set_member("organizations/hq-long-an/members/lan");
  b->set_status(v1::MeetingAttendance::EXCUSED);
  b->set_reason("Đi công tác");
  return r;
}

TEST(MeetingValidationTest, AValidMeetingPasses) {
  EXPECT_TRUE(Validate(ValidMeeting(), kToday).ok()) << Validate(ValidMeeting(), kToday);
}

TEST(MeetingValidationTest, ExcusedNeedsAReasonAbsentHasNoneAndNobodyTwice) {
  auto r = ValidMeeting();
  auto* m = r.mutable_meeting();
  m->mutable_attendance(1)->clear_reason();
  auto* again = m->add_attendance();
  again->set_member(kMemberName);
  again->set_status(v1::MeetingAttendance::ABSENT);
  again->set_reason("Không báo");
  *m->mutable_date() = D(2026, 12, 8);
  const absl::Status s = Validate(r, kToday);
  EXPECT_THAT(Fields(s),
              ElementsAre("meeting.date", "meeting.attendance[1].reason",
                          "meeting.attendance[2].member", "meeting.attendance[2].reason"));
  EXPECT_THAT(Description(s, "meeting.attendance[2].reason"), HasSubstr("only for EXCUSED"));
}

TEST(MeetingValidationTest, UpdateNamesOnlyUpdatableFields) {
  v1::UpdateMeetingRequest r;
  *r.mutable_meeting() = ValidMeeting().meeting();
  r.mutable_meeting()->set_name(std::string(kCellA) + "/meetings/thuong-ky-2026-11");
  r.mutable_update_mask()->add_paths("topic");
  EXPECT_TRUE(Validate(r, kToday).ok()) << Validate(r, kToday);
  r.mutable_update_mask()->add_paths("date");
  EXPECT_THAT(Fields(Validate(r, kToday)), ElementsAre("update_mask"));
  r.mutable_update_mask()->clear_paths();
  r.mutable_meeting()->set_topic("");
  EXPECT_THAT(Fields(Validate(r, kToday)), IsEmpty());  // empty mask: populated fields only
}

}  // namespace
}  // namespace records::domain
