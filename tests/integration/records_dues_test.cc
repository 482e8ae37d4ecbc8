// Party dues and cell meetings through a real records server with bearer tokens: a payment is
// recorded with the amount due by the table in force; arrears and the three-months flag per
// member and per cell; a viewer never sees a salary (nor a payment: per-member amounts need
// dues.read), a treasurer records payments without reading a basis amount; meeting attendance
// gives the three-absences flag, missed months and thematic meetings held vs required (a cell
// active part of the year owes the months and thematic meetings its dates require); every
// write is on the change stream with what analytics counts.
#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "tests/integration/records_fixture.h"

namespace records::testing {
namespace {

using ::testing::ElementsAre;

constexpr char kAdminToken[] = "admin-secret-token";
constexpr char kViewerToken[] = "viewer-secret-token";
constexpr char kTreasurerToken[] = "treasurer-secret-token";
constexpr char kEditorToken[] = "editor-secret-token";

constexpr char kCell[] = "organizations/hq/cells/nghiep-vu";
constexpr int64_t kBasis = 9'360'000;  // salary subject to social insurance
constexpr int64_t kDue = 93'600;       // 1% of it

class RecordsDuesTest : public RecordsFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServerWithTokens({{kAdminToken, "ops-admin admin"},
                                                   {kViewerToken, "ops-viewer viewer"},
                                                   {kTreasurerToken, "ops-treasurer treasurer"},
                                                   {kEditorToken, "ops-editor editor"}}));

    builder_token_ = kAdminToken;
    ASSERT_NO_FATAL_FAILURE(CreateOrganization("hq"));
    ASSERT_NO_FATAL_FAILURE(CreateCell("nghiep-vu", "Chi bộ Nghiệp vụ"));
    for (int n = 1; n <= 3; ++n) Admit(n, "nghiep-vu", absl::StrCat("Nguyễn Văn ", n));
    v1::CreateDuesRateTableRequest table;
    table.set_parent("organizations/hq");
    table.set_dues_rate_table_id("qd-342-2010");
    v1::DuesRateTable* t = table.mutable_dues_rate_table();
    *t->mutable_regulation() = Decision("342-QĐ/TW", Day(2010, 12, 28));
    *t->mutable_effective_from() = Day(2011, 4, 1);
    auto* rate = t->add_rates();
    rate->set_category(v1::STATE_BODY_SALARY);
    rate->set_basis_points(100);
    auto* share = t->add_shares();
    share->set_level(v1::DuesRateTable::CELL_UNDER_GRASSROOTS);
    share->set_kept_basis_points(3000);
    v1::DuesRateTable created_table;
    grpc::Status s = stub_->CreateDuesRateTable(As(kAdminToken).get(), table, &created_table);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (int n = 1; n <= 3; ++n) SetBasis(n);
  }

  static std::string MemberOf(int n) {
    return absl::StrFormat("organizations/hq/members/m-%04d", n);
  }

  void SetBasis(int n) {
    v1::CreateDuesBasisRequest req;
    req.set_parent(MemberOf(n));
    req.mutable_dues_basis()->set_category(v1::STATE_BODY_SALARY);
    req.mutable_dues_basis()->set_basis_amount(kBasis);
    req.mutable_dues_basis()->mutable_effective_from()->set_year(2024);
    req.mutable_dues_basis()->mutable_effective_from()->set_month(1);
    v1::DuesBasis basis;
    grpc::Status s = stub_->CreateDuesBasis(As(kAdminToken).get(), req, &basis);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  static v1::RecordDuesPaymentRequest Payment(int n, int year, int month, int64_t amount,
                                              const std::string& reason = "") {
    v1::RecordDuesPaymentRequest req;
    req.set_parent(MemberOf(n));
    v1::DuesPayment* p = req.mutable_dues_payment();
    p->mutable_period()->set_year(year);
    p->mutable_period()->set_month(month);
    p->set_amount(amount);
    if (amount > 0) *p->mutable_paid_date() = Day(year, month, 10);
    p->set_unpaid_reason(reason);
    return req;
  }

  grpc::Status Pay(int n, int year, int month, int64_t amount, const std::string& reason = "",
                   v1::DuesPayment* out = nullptr) {
    v1::DuesPayment payment;
    return stub_->RecordDuesPayment(As(kTreasurerToken).get(),
                                    Payment(n, year, month, amount, reason),
                                    out == nullptr ? &payment : out);
  }

  // The change events after `after` up to the log's head (`*head`), as an admin reads them.
  std::vector<v1::ChangeEvent> EventsAfter(uint64_t after, uint64_t* head) {
    v1::GetChangeLogStateResponse state;
    EXPECT_TRUE(stub_->GetChangeLogState(As(kAdminToken).get(), {}, &state).ok());
    *head = state.last_sequence();
    std::vector<v1::ChangeEvent> events;
    if (*head <= after) return events;
    auto ctx = As(kAdminToken);
    v1::WatchChangesRequest watch;
    watch.set_start_after_sequence(after);
    auto reader = stub_->WatchChanges(ctx.get(), watch);
    v1::ChangeEvent event;
    while (reader->Read(&event)) {
      if (!event.heartbeat()) events.push_back(event);
      if (event.sequence() >= *head) break;
    }
    ctx->TryCancel();
    return events;
  }

  // Member 9 of another cell, "van-phong" (created here).
  v1::Member Outsider() {
    CreateCell("van-phong", "Chi bộ Văn phòng");
    return Admit(9, "van-phong", "Trần Thị Chín");
  }

  v1::CreateMeetingRequest Meeting(const std::string& id, v1::Meeting::Kind kind, int month,
                                   v1::MeetingAttendance::Status second) {
    v1::CreateMeetingRequest req;
    req.set_parent(kCell);
    req.set_meeting_id(id);
    v1::Meeting* m = req.mutable_meeting();
    m->set_kind(kind);
    *m->mutable_date() = Day(2025, month, 5);
    m->set_topic("Sinh hoạt chi bộ thường kỳ");
    m->set_presiding_member(MemberOf(1));
    for (int n = 1; n <= 3; ++n) {
      v1::MeetingAttendance* a = m->add_attendance();
      a->set_member(MemberOf(n));
      a->set_status(n == 2 ? second : v1::MeetingAttendance::PRESENT);
      if (n == 2 && second == v1::MeetingAttendance::EXCUSED) a->set_reason("Nằm viện");
    }
    return req;
  }
};

TEST_F(RecordsDuesTest, APaymentIsRecordedWithTheAmountDueByTheTableInForce) {
  v1::DuesPayment payment;
  grpc::Status s = Pay(1, 2025, 3, kDue, "", &payment);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(payment.name(), MemberOf(1) + "/duesPayments/2025-03");
  EXPECT_EQ(payment.amount_due(), kDue);
  EXPECT_EQ(payment.cell(), kCell);
  EXPECT_EQ(payment.rate_table(), "organizations/hq/duesRateTables/qd-342-2010");
  EXPECT_EQ(payment.recorded_by(), "ops-treasurer");
  EXPECT_FALSE(payment.etag().empty());

  // The month is recorded once; a correction carries the etag.
  s = Pay(1, 2025, 3, kDue);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  v1::RecordDuesPaymentRequest fix = Payment(1, 2025, 3, kDue - 600);
  fix.mutable_dues_payment()->set_etag(payment.etag());
  v1::DuesPayment fixed;
  s = stub_->RecordDuesPayment(As(kTreasurerToken).get(), fix, &fixed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(fixed.amount(), kDue - 600);
  s = stub_->RecordDuesPayment(As(kTreasurerToken).get(), fix, &fixed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED) << "the etag is stale now";

  // A retried request_id returns the first answer and writes nothing twice.
  v1::RecordDuesPaymentRequest retried = Payment(1, 2025, 4, kDue);
  retried.set_request_id("pay-m1-2025-04");
  v1::DuesPayment first, second;
  ASSERT_TRUE(stub_->RecordDuesPayment(As(kTreasurerToken).get(), retried, &first).ok());
  ASSERT_TRUE(stub_->RecordDuesPayment(As(kTreasurerToken).get(), retried, &second).ok());
  EXPECT_EQ(first.etag(), second.etag());

  v1::GetDuesPaymentRequest get;
  get.set_name(payment.name());
  v1::DuesPayment read;
  ASSERT_TRUE(stub_->GetDuesPayment(As(kTreasurerToken).get(), get, &read).ok());
  EXPECT_EQ(read.amount(), kDue - 600);

  v1::ListDuesPaymentsRequest list;
  list.set_parent(kCell);
  list.set_filter("period.year = 2025");
  list.set_page_size(1);
  v1::ListDuesPaymentsResponse page;
  ASSERT_TRUE(stub_->ListDuesPayments(As(kTreasurerToken).get(), list, &page).ok());
  ASSERT_EQ(page.dues_payments_size(), 1);
  EXPECT_EQ(page.dues_payments(0).period().month(), 4) << "latest month first";
  list.set_page_token(page.next_page_token());
  ASSERT_FALSE(list.page_token().empty());
  ASSERT_TRUE(stub_->ListDuesPayments(As(kTreasurerToken).get(), list, &page).ok());
  ASSERT_EQ(page.dues_payments_size(), 1);
  EXPECT_EQ(page.dues_payments(0).period().month(), 3);
  EXPECT_TRUE(page.next_page_token().empty());

  // Without a basis in force, nothing can be due: FAILED_PRECONDITION.
  s = Pay(1, 2023, 12, kDue);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "DUES_BASIS_MISSING");
}

TEST_F(RecordsDuesTest, ArrearsAndTheThreeMonthsFlagPerMemberAndCell) {
  // 2025 has ended: member 1 pays every month; member 2 leaves three months unpaid without a
  // reason; member 3 leaves two unpaid and one with a recorded reason.
  for (int month = 1; month <= 12; ++month) {
    ASSERT_TRUE(Pay(1, 2025, month, kDue).ok());
    if (month < 10) {
      ASSERT_TRUE(Pay(2, 2025, month, kDue).ok());
      ASSERT_TRUE(Pay(3, 2025, month, kDue).ok());
    }
  }
  ASSERT_TRUE(Pay(3, 2025, 12, 0, "Chi bộ cho hoãn vì ốm").ok());

  v1::GetMemberDuesStatementRequest req;
  req.set_member(MemberOf(2));
  req.set_year(2025);
  v1::MemberDuesStatement two;
  ASSERT_TRUE(stub_->GetMemberDuesStatement(As(kTreasurerToken).get(), req, &two).ok());
  EXPECT_EQ(two.months_size(), 12);
  EXPECT_EQ(two.total_due(), 12 * kDue);
  EXPECT_EQ(two.total_paid(), 9 * kDue);
  EXPECT_EQ(two.total_arrears(), 3 * kDue);
  EXPECT_EQ(two.unpaid_months_without_reason(), 3);
  EXPECT_TRUE(two.flagged());

  req.set_member(MemberOf(3));
  v1::MemberDuesStatement three;
  ASSERT_TRUE(stub_->GetMemberDuesStatement(As(kTreasurerToken).get(), req, &three).ok());
  EXPECT_EQ(three.total_arrears(), 3 * kDue) << "a recorded reason still owes the amount";
  EXPECT_EQ(three.unpaid_months_without_reason(), 2);
  EXPECT_FALSE(three.flagged());

  v1::GetDuesSummaryRequest sum;
  sum.set_scope(kCell);
  sum.set_year(2025);
  v1::DuesSummary cell;
  ASSERT_TRUE(stub_->GetDuesSummary(As(kTreasurerToken).get(), sum, &cell).ok());
  EXPECT_EQ(cell.year_total().due(), 36 * kDue);
  EXPECT_EQ(cell.year_total().collected(), 30 * kDue);
  EXPECT_EQ(cell.year_total().arrears(), 6 * kDue);
  EXPECT_EQ(cell.flagged_members(), 1);
  ASSERT_EQ(cell.members_in_arrears_size(), 2);
  EXPECT_EQ(cell.months_size(), 12);
  EXPECT_EQ(cell.months(0).collected(), 3 * kDue);

  // The organization's totals are its cells'.
  sum.set_scope("organizations/hq");
  v1::DuesSummary org;
  ASSERT_TRUE(stub_->GetDuesSummary(As(kTreasurerToken).get(), sum, &org).ok());
  EXPECT_EQ(org.year_total().collected(), 30 * kDue);
  EXPECT_EQ(org.flagged_members(), 1);
  EXPECT_EQ(org.members_in_arrears_size(), 2);
  EXPECT_EQ(org.masked_fields_size(), 0);

  // The remittance of January: 30% kept by the cell, the rest sent up.
  v1::RecordDuesRemittanceRequest rem;
  rem.set_parent(kCell);
  rem.mutable_dues_remittance()->mutable_period()->set_year(2025);
  rem.mutable_dues_remittance()->mutable_period()->set_month(1);
  rem.mutable_dues_remittance()->set_remitted_amount(3 * kDue * 7 / 10);
  *rem.mutable_dues_remittance()->mutable_remitted_date() = Day(2025, 2, 3);
  rem.mutable_dues_remittance()->set_recipient("organizations/hq");
  v1::DuesRemittance remitted;
  grpc::Status s = stub_->RecordDuesRemittance(As(kTreasurerToken).get(), rem, &remitted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(remitted.collected_amount(), 3 * kDue);
  EXPECT_EQ(remitted.expected_kept_amount(), 3 * kDue * 3 / 10);
  EXPECT_EQ(remitted.expected_remitted_amount(), 3 * kDue * 7 / 10);
  sum.set_scope(kCell);
  ASSERT_TRUE(stub_->GetDuesSummary(As(kTreasurerToken).get(), sum, &cell).ok());
  EXPECT_EQ(cell.months(0).remitted(), 3 * kDue * 7 / 10);
}

// A cell-month with one paying member discloses 1% of that member's salary: a viewer gets the
// summary's counts, not its amounts, and is told what was withheld.
TEST_F(RecordsDuesTest, AViewerGetsTheSummaryWithoutItsAmounts) {
  ASSERT_TRUE(Pay(1, 2025, 1, kDue).ok());
  v1::GetDuesSummaryRequest sum;
  sum.set_scope(kCell);
  sum.set_year(2025);
  v1::DuesSummary viewer;
  ASSERT_TRUE(stub_->GetDuesSummary(As(kViewerToken).get(), sum, &viewer).ok());
  ASSERT_EQ(viewer.months_size(), 12);
  for (const v1::DuesSummary::Month& m : viewer.months()) {
    EXPECT_EQ(m.due(), 0);
    EXPECT_EQ(m.collected(), 0);
    EXPECT_EQ(m.arrears(), 0);
    EXPECT_EQ(m.remitted(), 0);
  }
  EXPECT_EQ(viewer.months(0).period().month(), 1);
  EXPECT_EQ(viewer.year_total().collected(), 0);
  EXPECT_EQ(viewer.year_total().due(), 0);
  EXPECT_EQ(viewer.members_in_arrears_size(), 0);
  EXPECT_EQ(viewer.flagged_members(), 3) << "the counts remain (2025 is over, mostly unpaid)";
  const std::vector<std::string> masked(viewer.masked_fields().begin(),
                                        viewer.masked_fields().end());
  for (const char* path : {"months.due", "months.collected", "months.arrears", "months.remitted",
                           "year_total.due", "year_total.collected", "year_total.arrears",
                           "year_total.remitted", "members_in_arrears"}) {
    EXPECT_NE(std::find(masked.begin(), masked.end(), path), masked.end()) << path;
  }

  v1::DuesSummary treasurer;
  ASSERT_TRUE(stub_->GetDuesSummary(As(kTreasurerToken).get(), sum, &treasurer).ok());
  EXPECT_EQ(treasurer.months(0).collected(), kDue);
  EXPECT_EQ(treasurer.year_total().collected(), kDue);
  EXPECT_EQ(treasurer.masked_fields_size(), 0);
}

TEST_F(RecordsDuesTest, AViewerNeverSeesASalaryAndATreasurerReadsNoBasisAmount) {
  ASSERT_TRUE(Pay(1, 2025, 1, kDue).ok());
  v1::ListDuesBasesRequest bases;
  bases.set_parent(MemberOf(1));
  v1::ListDuesBasesResponse listed;
  EXPECT_EQ(stub_->ListDuesBases(As(kViewerToken).get(), bases, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->ListDuesBases(As(kTreasurerToken).get(), bases, &listed).ok());
  ASSERT_EQ(listed.dues_bases_size(), 1);
  EXPECT_EQ(listed.dues_bases(0).basis_amount(), 0);
  EXPECT_EQ(listed.dues_bases(0).category(), v1::STATE_BODY_SALARY);
  ASSERT_EQ(listed.masked_fields_size(), 1);
  EXPECT_EQ(listed.masked_fields(0), "dues_bases.basis_amount");
  ASSERT_TRUE(stub_->ListDuesBases(As(kAdminToken).get(), bases, &listed).ok());
  EXPECT_EQ(listed.dues_bases(0).basis_amount(), kBasis);

  // A payment discloses the salary it is 1% of: viewers may not read it.
  v1::GetDuesPaymentRequest get;
  get.set_name(MemberOf(1) + "/duesPayments/2025-01");
  v1::DuesPayment payment;
  EXPECT_EQ(stub_->GetDuesPayment(As(kViewerToken).get(), get, &payment).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::GetMemberDuesStatementRequest statement;
  statement.set_member(MemberOf(1));
  statement.set_year(2025);
  v1::MemberDuesStatement st;
  EXPECT_EQ(stub_->GetMemberDuesStatement(As(kViewerToken).get(), statement, &st).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // The treasurer may record a category but not write a salary.
  v1::CreateDuesBasisRequest write;
  write.set_parent(MemberOf(2));
  write.mutable_dues_basis()->set_category(v1::STATE_BODY_SALARY);
  write.mutable_dues_basis()->set_basis_amount(10'000'000);
  write.mutable_dues_basis()->mutable_effective_from()->set_year(2026);
  write.mutable_dues_basis()->mutable_effective_from()->set_month(1);
  v1::DuesBasis basis;
  grpc::Status s = stub_->CreateDuesBasis(As(kTreasurerToken).get(), write, &basis);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // The change stream: a viewer sees the payment and the basis without amounts.
  v1::WatchChangesRequest watch;
  auto ctx = As(kViewerToken);
  auto reader = stub_->WatchChanges(ctx.get(), watch);
  bool saw_payment = false, saw_basis = false;
  v1::ChangeEvent event;
  while (!(saw_payment && saw_basis) && reader->Read(&event)) {
    if (event.has_dues_basis()) {
      saw_basis = true;
      EXPECT_EQ(event.resource_type(), v1::ChangeEvent::DUES_BASIS);
      EXPECT_EQ(event.dues_basis().basis_amount(), 0);
    }
    if (event.has_dues_payment()) {
      saw_payment = true;
      EXPECT_EQ(event.resource_type(), v1::ChangeEvent::DUES_PAYMENT);
      EXPECT_EQ(event.dues_payment().cell(), kCell);
      EXPECT_EQ(event.dues_payment().period().month(), 1);
      EXPECT_EQ(event.dues_payment().amount(), 0);
      EXPECT_EQ(event.dues_payment().amount_due(), 0);
    }
  }
  ctx->TryCancel();
  EXPECT_TRUE(saw_payment && saw_basis);
}

TEST_F(RecordsDuesTest, ImportDuesPaymentsWritesACellsMonthRowByRowAndResumes) {
  // January is already closed (remitted) when the ledger is entered: every payment imported
  // recomputes the closing, as a late RecordDuesPayment does.
  v1::RecordDuesRemittanceRequest rem;
  rem.set_parent(kCell);
  rem.mutable_dues_remittance()->mutable_period()->set_year(2025);
  rem.mutable_dues_remittance()->mutable_period()->set_month(1);
  *rem.mutable_dues_remittance()->mutable_remitted_date() = Day(2025, 2, 3);
  rem.mutable_dues_remittance()->set_recipient("organizations/hq");
  v1::DuesRemittance remitted;
  ASSERT_TRUE(stub_->RecordDuesRemittance(As(kTreasurerToken).get(), rem, &remitted).ok());
  EXPECT_EQ(remitted.collected_amount(), 0);
  // A member of another cell, whose dues this cell does not collect.
  const v1::Member outsider = Outsider();

  v1::ImportDuesPaymentsRequest import;
  import.set_parent(kCell);
  import.set_request_id("so-quy-2025-01");
  auto add = [&](int row, const std::string& member, int64_t amount) {
    v1::ImportDuesPaymentRow* r = import.add_rows();
    r->set_row(row);
    r->set_member(member);
    *r->mutable_dues_payment() = Payment(1, 2025, 1, amount).dues_payment();
  };
  add(2, MemberOf(1), kDue);
  add(3, MemberOf(2), -5);  // a typo in the ledger
  add(4, MemberOf(3), kDue);
  add(5, "organizations/hq/members/nobody", kDue);
  add(6, outsider.name(), kDue);
  uint64_t head = 0;
  EventsAfter(0, &head);

  v1::ImportDuesPaymentsResponse response;
  grpc::Status s = stub_->ImportDuesPayments(As(kTreasurerToken).get(), import, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.received(), 5);
  EXPECT_EQ(response.committed(), 2) << "the good rows land, the bad ones are named";
  EXPECT_EQ(response.already_committed(), 0);
  ASSERT_EQ(response.errors_size(), 3);
  EXPECT_EQ(response.errors(0).row(), 3);
  EXPECT_EQ(response.errors(0).field(), "dues_payment.amount");
  EXPECT_EQ(response.errors(0).code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(response.errors(1).row(), 5);
  EXPECT_EQ(response.errors(1).field(), "member");
  EXPECT_EQ(response.errors(1).reason(), "MEMBER_NOT_FOUND");
  EXPECT_EQ(response.errors(2).row(), 6);
  EXPECT_EQ(response.errors(2).field(), "member");
  EXPECT_EQ(response.errors(2).reason(), "DUES_PAYMENT_OTHER_CELL");
  ASSERT_EQ(response.dues_payments_size(), 2);
  EXPECT_EQ(response.dues_payments(0).name(), MemberOf(1) + "/duesPayments/2025-01");
  EXPECT_EQ(response.dues_payments(0).amount_due(), kDue);
  EXPECT_EQ(response.dues_payments(1).recorded_by(), "ops-treasurer");

  // One change event per payment, each followed by January's closing republished.
  uint64_t after_import = 0;
  std::vector<v1::ChangeEvent> events = EventsAfter(head, &after_import);
  int payments = 0, closings = 0;
  for (const v1::ChangeEvent& e : events) {
    if (e.resource_type() == v1::ChangeEvent::DUES_PAYMENT) ++payments;
    if (e.resource_type() == v1::ChangeEvent::DUES_REMITTANCE) {
      ++closings;
      EXPECT_EQ(e.change_kind(), v1::ChangeEvent::UPDATED);
      EXPECT_EQ(e.dues_remittance().collected_amount(), closings * kDue);
    }
    EXPECT_EQ(e.method(), "ImportDuesPayments");
  }
  EXPECT_EQ(payments, 2);
  EXPECT_EQ(closings, 2);

  // Resent as it was (the client lost the answer): nothing is written twice.
  v1::ImportDuesPaymentsResponse again;
  s = stub_->ImportDuesPayments(As(kTreasurerToken).get(), import, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.committed(), 0);
  EXPECT_EQ(again.already_committed(), 2);
  EXPECT_EQ(again.errors_size(), 3);
  ASSERT_EQ(again.dues_payments_size(), 2);
  EXPECT_EQ(again.dues_payments(0).etag(), response.dues_payments(0).etag());
  uint64_t after_resend = 0;
  for (const v1::ChangeEvent& e : EventsAfter(after_import, &after_resend)) {
    EXPECT_NE(e.resource_type(), v1::ChangeEvent::DUES_PAYMENT) << e.resource_name();
  }

  // The typo fixed and the import resent: only the fixed row is written.
  *import.mutable_rows(1)->mutable_dues_payment() = Payment(2, 2025, 1, kDue).dues_payment();
  s = stub_->ImportDuesPayments(As(kTreasurerToken).get(), import, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.committed(), 1);
  EXPECT_EQ(again.already_committed(), 2);
  EXPECT_EQ(again.errors_size(), 2);
  // A written row sent again with other content under the same id is that row's error.
  import.mutable_rows(0)->mutable_dues_payment()->set_amount(kDue + 1);
  s = stub_->ImportDuesPayments(As(kTreasurerToken).get(), import, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_GE(again.errors_size(), 1);
  EXPECT_EQ(again.errors(0).row(), 2);
  EXPECT_EQ(again.errors(0).reason(), "REQUEST_ID_REUSED");

  v1::ListDuesRemittancesRequest list;
  list.set_parent(kCell);
  v1::ListDuesRemittancesResponse listed;
  ASSERT_TRUE(stub_->ListDuesRemittances(As(kTreasurerToken).get(), list, &listed).ok());
  ASSERT_EQ(listed.dues_remittances_size(), 1);
  EXPECT_EQ(listed.dues_remittances(0).collected_amount(), 3 * kDue);
  EXPECT_EQ(listed.dues_remittances(0).arrears_amount(), 0);

  // One audit entry per payment written, under the import's method and principal.
  v1::ListAuditEventsRequest audit;
  audit.set_filter("method = \"ImportDuesPayments\" AND result = SUCCEEDED");
  audit.set_page_size(100);
  v1::ListAuditEventsResponse audited;
  s = stub_->ListAuditEvents(As(kAdminToken).get(), audit, &audited);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(audited.audit_events_size(), 3);
  for (const v1::AuditEvent& a : audited.audit_events()) {
    EXPECT_EQ(a.principal(), "ops-treasurer");
  }

  // validate_only checks by the same rules and writes nothing.
  v1::ImportDuesPaymentsRequest check;
  check.set_parent(kCell);
  check.set_validate_only(true);
  v1::ImportDuesPaymentRow* row = check.add_rows();
  row->set_row(1);
  row->set_member(MemberOf(1));
  *row->mutable_dues_payment() = Payment(1, 2025, 2, kDue).dues_payment();
  row = check.add_rows();
  row->set_row(2);
  row->set_member(MemberOf(1));
  *row->mutable_dues_payment() = Payment(1, 2025, 1, kDue).dues_payment();
  s = stub_->ImportDuesPayments(As(kTreasurerToken).get(), check, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.committed(), 0);
  ASSERT_EQ(again.errors_size(), 1);
  EXPECT_EQ(again.errors(0).row(), 2);
  EXPECT_EQ(again.errors(0).reason(), "DUES_PAYMENT_ALREADY_RECORDED");
  v1::GetDuesPaymentRequest get;
  get.set_name(MemberOf(1) + "/duesPayments/2025-02");
  v1::DuesPayment none;
  EXPECT_EQ(stub_->GetDuesPayment(As(kTreasurerToken).get(), get, &none).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(RecordsDuesTest, ImportDuesPaymentsNeedsDuesWriteAndHasLimits) {
  v1::ImportDuesPaymentsRequest import;
  import.set_parent(kCell);
  v1::ImportDuesPaymentRow* row = import.add_rows();
  row->set_row(1);
  row->set_member(MemberOf(1));
  *row->mutable_dues_payment() = Payment(1, 2025, 3, kDue).dues_payment();
  v1::ImportDuesPaymentsResponse response;
  // An editor writes members, not dues; a viewer writes nothing.
  for (const char* token : {kViewerToken, kEditorToken}) {
    grpc::Status s = stub_->ImportDuesPayments(As(token).get(), import, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << token;
  }
  v1::GetDuesPaymentRequest get;
  get.set_name(MemberOf(1) + "/duesPayments/2025-03");
  v1::DuesPayment payment;
  EXPECT_EQ(stub_->GetDuesPayment(As(kAdminToken).get(), get, &payment).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Too many rows for one call, repeated row numbers, an unknown cell: the whole call.
  v1::ImportDuesPaymentsRequest big = import;
  for (int n = 2; n <= 501; ++n) {
    v1::ImportDuesPaymentRow* r = big.add_rows();
    *r = import.rows(0);
    r->set_row(n);
  }
  grpc::Status s = stub_->ImportDuesPayments(As(kTreasurerToken).get(), big, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(s), "rows");
  EXPECT_NE(s.error_message().find("500"), std::string::npos) << s.error_message();
  v1::ImportDuesPaymentsRequest twice = import;
  *twice.add_rows() = import.rows(0);
  s = stub_->ImportDuesPayments(As(kTreasurerToken).get(), twice, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(s), "rows[1].row");
  v1::ImportDuesPaymentsRequest elsewhere = import;
  elsewhere.set_parent("organizations/hq/cells/khong-co");
  s = stub_->ImportDuesPayments(As(kTreasurerToken).get(), elsewhere, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(stub_->GetDuesPayment(As(kAdminToken).get(), get, &payment).error_code(),
            grpc::StatusCode::NOT_FOUND);

  s = stub_->ImportDuesPayments(As(kTreasurerToken).get(), import, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.committed(), 1);
}

TEST_F(RecordsDuesTest, MeetingAttendanceFlagsMissedMonthsAndThematicMeetings) {
  v1::Meeting created;
  for (int month : {2, 4, 7}) {  // member 2 absent without reason three times
    grpc::Status s =
        stub_->CreateMeeting(As(kEditorToken).get(),
                             Meeting(absl::StrFormat("thuong-ky-2025-%02d", month),
                                     v1::Meeting::REGULAR, month, v1::MeetingAttendance::ABSENT),
                             &created);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_EQ(created.present_count(), 2);
  EXPECT_EQ(created.absent_count(), 1);
  grpc::Status s = stub_->CreateMeeting(
      As(kEditorToken).get(),
      Meeting("chuyen-de-2025-05", v1::Meeting::THEMATIC, 5, v1::MeetingAttendance::EXCUSED),
      &created);
  ASSERT_TRUE(s.ok()) << s.error_message();

  v1::GetCellMeetingSummaryRequest req;
  req.set_cell(kCell);
  req.set_year(2025);
  v1::CellMeetingSummary summary;
  ASSERT_TRUE(stub_->GetCellMeetingSummary(As(kViewerToken).get(), req, &summary).ok());
  EXPECT_EQ(summary.months_without_regular_meeting_size(), 9);
  EXPECT_EQ(summary.thematic_meetings(), 1);
  EXPECT_EQ(summary.thematic_meetings_required(), 4);
  ASSERT_EQ(summary.members_size(), 3);
  int flagged = 0;
  for (const auto& m : summary.members()) {
    if (m.member() == MemberOf(2)) {
      EXPECT_EQ(m.absent(), 3);
      EXPECT_EQ(m.excused(), 1);
      EXPECT_TRUE(m.flagged());
    }
    flagged += m.flagged() ? 1 : 0;
  }
  EXPECT_EQ(flagged, 1);
  EXPECT_EQ(summary.attendance_basis_points(), 6667) << "8 present of 12, rounded half up";

  // An excuse reason is personal data: a viewer reads the meeting without it.
  v1::GetMeetingRequest get;
  get.set_name(std::string(kCell) + "/meetings/chuyen-de-2025-05");
  v1::Meeting read;
  ASSERT_TRUE(stub_->GetMeeting(As(kViewerToken).get(), get, &read).ok());
  EXPECT_EQ(read.attendance(1).status(), v1::MeetingAttendance::EXCUSED);
  EXPECT_TRUE(read.attendance(1).reason().empty());
  ASSERT_TRUE(stub_->GetMeeting(As(kAdminToken).get(), get, &read).ok());
  EXPECT_EQ(read.attendance(1).reason(), "Nằm viện");

  // Update with the etag: member 2 was present after all; the flag goes.
  v1::UpdateMeetingRequest update;
  get.set_name(std::string(kCell) + "/meetings/thuong-ky-2025-07");
  ASSERT_TRUE(stub_->GetMeeting(As(kAdminToken).get(), get, &read).ok());
  *update.mutable_meeting() = read;
  update.mutable_meeting()->mutable_attendance(1)->set_status(v1::MeetingAttendance::PRESENT);
  update.mutable_update_mask()->add_paths("attendance");
  v1::Meeting updated;
  s = stub_->UpdateMeeting(As(kEditorToken).get(), update, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(updated.absent_count(), 0);
  EXPECT_EQ(stub_->UpdateMeeting(As(kEditorToken).get(), update, &updated).error_code(),
            grpc::StatusCode::ABORTED)
      << "stale etag";
  ASSERT_TRUE(stub_->GetCellMeetingSummary(As(kViewerToken).get(), req, &summary).ok());
  for (const auto& m : summary.members()) EXPECT_FALSE(m.flagged()) << m.member();

  // Someone never in the cell cannot attend its meeting; someone unknown is not found.
  const v1::Member outsider = Outsider();
  v1::CreateMeetingRequest stranger =
      Meeting("thuong-ky-2025-08", v1::Meeting::REGULAR, 8, v1::MeetingAttendance::PRESENT);
  stranger.mutable_meeting()->mutable_attendance(2)->set_member(outsider.name());
  s = stub_->CreateMeeting(As(kEditorToken).get(), stranger, &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "MEETING_MEMBER_NOT_IN_CELL");
  stranger.mutable_meeting()->mutable_attendance(2)->set_member("organizations/hq/members/nobody");
  EXPECT_EQ(stub_->CreateMeeting(As(kEditorToken).get(), stranger, &created).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::ListMeetingsRequest list;
  list.set_parent(kCell);
  list.set_filter("kind = REGULAR");
  v1::ListMeetingsResponse meetings;
  ASSERT_TRUE(stub_->ListMeetings(As(kViewerToken).get(), list, &meetings).ok());
  ASSERT_EQ(meetings.meetings_size(), 3);
  EXPECT_EQ(meetings.meetings(0).date().month(), 7) << "latest first";
}

// A cell active part of a year owes what records' meeting rules decide from its dates
// (Cell.meeting_requirements): the months active at their end and the thematic meetings
// prorated to them, not a whole year's.
TEST_F(RecordsDuesTest, AMeetingSummaryOfAPartialYearOwesWhatTheCellsDatesRequire) {
  v1::CreateCellRequest founded;
  founded.set_parent("organizations/hq");
  founded.set_cell_id("kiem-soat");
  founded.mutable_cell()->set_display_name("Chi bộ Kiểm soát");
  *founded.mutable_cell()->mutable_established_date() = Day(2025, 7, 10);
  v1::Cell cell;
  ASSERT_TRUE(stub_->CreateCell(As(kAdminToken).get(), founded, &cell).ok());
  v1::GetCellMeetingSummaryRequest req;
  req.set_cell(cell.name());
  req.set_year(2025);
  v1::CellMeetingSummary summary;
  ASSERT_TRUE(stub_->GetCellMeetingSummary(As(kViewerToken).get(), req, &summary).ok());
  EXPECT_EQ(summary.thematic_meetings_required(), 2) << "July to December: 4 × 6 / 12";
  EXPECT_THAT(summary.months_without_regular_meeting(), ElementsAre(7, 8, 9, 10, 11, 12));
  // The summary and the cell's requirement say the same.
  bool found = false;
  for (const v1::MeetingRequirement& r : cell.meeting_requirements()) {
    if (r.year() != 2025) continue;
    found = true;
    EXPECT_EQ(r.thematic_meetings(), summary.thematic_meetings_required());
    EXPECT_EQ(r.regular_meetings(), summary.months_without_regular_meeting_size());
  }
  EXPECT_TRUE(found);
  req.set_year(2024);  // before it existed
  ASSERT_TRUE(stub_->GetCellMeetingSummary(As(kViewerToken).get(), req, &summary).ok());
  EXPECT_EQ(summary.thematic_meetings_required(), 0);
  EXPECT_TRUE(summary.months_without_regular_meeting().empty());

  v1::CreateCellRequest ended;
  ended.set_parent("organizations/hq");
  ended.set_cell_id("giai-the");
  ended.mutable_cell()->set_display_name("Chi bộ Giải thể");
  *ended.mutable_cell()->mutable_established_date() = Day(2015, 3, 1);
  ASSERT_TRUE(stub_->CreateCell(As(kAdminToken).get(), ended, &cell).ok());
  v1::DissolveCellRequest dissolve;
  dissolve.set_name(cell.name());
  *dissolve.mutable_decision() = Decision("12-QĐ/ĐU", Day(2025, 4, 1));
  *dissolve.mutable_effective_date() = Day(2025, 4, 15);
  grpc::Status s = stub_->DissolveCell(As(kAdminToken).get(), dissolve, &cell);
  ASSERT_TRUE(s.ok()) << s.error_message();
  req.set_cell(cell.name());
  req.set_year(2025);
  ASSERT_TRUE(stub_->GetCellMeetingSummary(As(kViewerToken).get(), req, &summary).ok());
  EXPECT_EQ(summary.thematic_meetings_required(), 1) << "January to March: 4 × 3 / 12";
  EXPECT_THAT(summary.months_without_regular_meeting(), ElementsAre(1, 2, 3));
  // The cell of the other tests, active all year, still owes four.
  req.set_cell(kCell);
  ASSERT_TRUE(stub_->GetCellMeetingSummary(As(kViewerToken).get(), req, &summary).ok());
  EXPECT_EQ(summary.thematic_meetings_required(), 4);
  EXPECT_EQ(summary.months_without_regular_meeting_size(), 12);
}

}  // namespace
}  // namespace records::testing
