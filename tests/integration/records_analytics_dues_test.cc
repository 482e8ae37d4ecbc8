// records and analytics, both real binaries on loopback with bearer tokens: dues payments, a
// cell's remittance (its month closing) and meetings recorded in records show up in analytics'
// party statistics for the right year and not the next; a payment or a dues basis recorded
// after the remittance moves the figures (records recomputes the closing and republishes it);
// a corrected meeting replaces its attendance; the yearly report states dues collected and
// attendance from them; a month imported with ImportDuesPayments moves them like single
// payments; a viewer never sees a salary in records or analytics.
#include <chrono>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/auth.h"
#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace {

namespace rv1 = ::dangbo::records::v1;
namespace av1 = ::dangbo::analytics::v1;
using testing_support::ServerProcess;
using testing_support::TempDir;

constexpr char kAdminToken[] = "admin-secret-token";
constexpr char kViewerToken[] = "viewer-secret-token";
constexpr char kTreasurerToken[] = "treasurer-secret-token";
constexpr char kEditorToken[] = "editor-secret-token";
constexpr char kServiceToken[] = "service-secret-token";

constexpr char kOrg[] = "organizations/hq";
constexpr char kCell[] = "organizations/hq/cells/c1";
constexpr int64_t kBasis = 9'360'000;  // salary subject to social insurance
constexpr int64_t kDue = 93'600;       // 1% of it

google::type::Date Day(int y, int m, int d) {
  google::type::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  c->AddMetadata("authorization", "Bearer " + token);
  return c;
}

std::string MemberOf(int n) { return absl::StrFormat("%s/members/m-%04d", kOrg, n); }

class RecordsAnalyticsDuesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      std::ofstream out(dir_.Sub("tokens"));
      out << common::HashToken(kAdminToken) << " ops-admin admin\n"
          << common::HashToken(kViewerToken) << " ops-viewer viewer\n"
          << common::HashToken(kTreasurerToken) << " ops-treasurer treasurer\n"
          << common::HashToken(kEditorToken) << " ops-editor editor\n"
          << common::HashToken(kServiceToken) << " analytics service\n";
      std::ofstream service(dir_.Sub("service-token"));
      service << kServiceToken << "\n";
    }
    auto records = ServerProcess::Start(RECORDS_SERVER_BINARY,
                                        {"--data_dir=" + dir_.Sub("records"), "--sync_writes=false",
                                         "--metrics_port=0", "--token_file=" + dir_.Sub("tokens")});
    ASSERT_TRUE(records.ok()) << records.status();
    records_ = std::move(*records);
    records_stub_ = rv1::RecordsService::NewStub(
        grpc::CreateChannel(records_->address(), grpc::InsecureChannelCredentials()));
    auto analytics = ServerProcess::Start(
        ANALYTICS_SERVER_BINARY,
        {"--data_dir=" + dir_.Sub("analytics"), "--records_target=" + records_->address(),
         "--token_file=" + dir_.Sub("tokens"), "--records_token_file=" + dir_.Sub("service-token"),
         "--follower_max_backoff=500ms", "--sync_writes=false", "--metrics_port=0"});
    ASSERT_TRUE(analytics.ok()) << analytics.status();
    analytics_ = std::move(*analytics);
    analytics_stub_ = av1::AnalyticsService::NewStub(
        grpc::CreateChannel(analytics_->address(), grpc::InsecureChannelCredentials()));
    ASSERT_NO_FATAL_FAILURE(CreateCellMembersAndRates());
  }

  void CreateCellMembersAndRates() {
    rv1::CreateOrganizationRequest org;
    org.set_organization_id("hq");
    org.mutable_organization()->set_code("CHQ");
    org.mutable_organization()->set_display_name("Đảng bộ Cục Hải quan Long An");
    *org.mutable_organization()->mutable_valid_from() = Day(2015, 1, 1);
    rv1::Organization created_org;
    grpc::Status s = records_stub_->CreateOrganization(As(kAdminToken).get(), org, &created_org);
    ASSERT_TRUE(s.ok()) << s.error_message();
    rv1::CreateCellRequest cell;
    cell.set_parent(kOrg);
    cell.set_cell_id("c1");
    cell.mutable_cell()->set_display_name("Chi bộ Nghiệp vụ");
    *cell.mutable_cell()->mutable_established_date() = Day(2015, 3, 1);
    rv1::Cell created_cell;
    s = records_stub_->CreateCell(As(kAdminToken).get(), cell, &created_cell);
    ASSERT_TRUE(s.ok()) << s.error_message();
    // Active at the end of March to December 2015, every month from 2016 on.
    ASSERT_EQ(created_cell.meeting_requirements_size(), 2);
    EXPECT_EQ(created_cell.meeting_requirements(0).regular_meetings(), 10);
    EXPECT_EQ(created_cell.meeting_requirements(1).year(), 2016);
    for (int n = 1; n <= 2; ++n) {
      rv1::AdmitMemberRequest req;
      req.set_parent(kOrg);
      req.set_member_id(absl::StrFormat("m-%04d", n));
      req.set_cell(kCell);
      rv1::Member* m = req.mutable_member();
      m->set_full_name(absl::StrCat("Nguyễn Văn ", n));
      m->set_gender(rv1::Member::MALE);
      *m->mutable_birth_date() = Day(1985, 4, 30);
      m->set_national_id(absl::StrFormat("080085%06d", n));
      m->set_party_card_number(absl::StrFormat("%08d", 51000000 + n));
      req.mutable_decision()->set_number(absl::StrCat(n, "-QĐ/ĐU"));
      *req.mutable_decision()->mutable_date() = Day(2016, 5, 10);
      req.mutable_decision()->set_issuing_body("Đảng ủy Cục Hải quan Long An");
      *req.mutable_ceremony_date() = Day(2016, 5, 19);
      rv1::Member admitted;
      s = records_stub_->AdmitMember(As(kAdminToken).get(), req, &admitted);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
    rv1::CreateDuesRateTableRequest table;
    table.set_parent(kOrg);
    table.set_dues_rate_table_id("qd-342-2010");
    rv1::DuesRateTable* t = table.mutable_dues_rate_table();
    t->mutable_regulation()->set_number("342-QĐ/TW");
    *t->mutable_regulation()->mutable_date() = Day(2010, 12, 28);
    t->mutable_regulation()->set_issuing_body("Bộ Chính trị");
    *t->mutable_effective_from() = Day(2011, 4, 1);
    auto* rate = t->add_rates();
    rate->set_category(rv1::STATE_BODY_SALARY);
    rate->set_basis_points(100);
    auto* share = t->add_shares();
    share->set_level(rv1::DuesRateTable::CELL_UNDER_GRASSROOTS);
    share->set_kept_basis_points(3000);
    rv1::DuesRateTable created_table;
    s = records_stub_->CreateDuesRateTable(As(kAdminToken).get(), table, &created_table);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (int n = 1; n <= 2; ++n) ASSERT_TRUE(SetBasis(n, 2024, 1, kBasis).ok());
  }

  grpc::Status SetBasis(int n, int year, int month, int64_t amount) {
    rv1::CreateDuesBasisRequest req;
    req.set_parent(MemberOf(n));
    req.mutable_dues_basis()->set_category(rv1::STATE_BODY_SALARY);
    req.mutable_dues_basis()->set_basis_amount(amount);
    req.mutable_dues_basis()->mutable_effective_from()->set_year(year);
    req.mutable_dues_basis()->mutable_effective_from()->set_month(month);
    rv1::DuesBasis basis;
    return records_stub_->CreateDuesBasis(As(kAdminToken).get(), req, &basis);
  }

  grpc::Status Pay(int n, int year, int month, int64_t amount) {
    rv1::RecordDuesPaymentRequest req;
    req.set_parent(MemberOf(n));
    rv1::DuesPayment* p = req.mutable_dues_payment();
    p->mutable_period()->set_year(year);
    p->mutable_period()->set_month(month);
    p->set_amount(amount);
    *p->mutable_paid_date() = Day(year, month, 10);
    rv1::DuesPayment payment;
    return records_stub_->RecordDuesPayment(As(kTreasurerToken).get(), req, &payment);
  }

  grpc::Status Remit(int year, int month, int64_t amount, rv1::DuesRemittance* out) {
    rv1::RecordDuesRemittanceRequest req;
    req.set_parent(kCell);
    req.mutable_dues_remittance()->mutable_period()->set_year(year);
    req.mutable_dues_remittance()->mutable_period()->set_month(month);
    req.mutable_dues_remittance()->set_remitted_amount(amount);
    *req.mutable_dues_remittance()->mutable_remitted_date() = Day(year, month, 28);
    req.mutable_dues_remittance()->set_recipient(kOrg);
    return records_stub_->RecordDuesRemittance(As(kTreasurerToken).get(), req, out);
  }

  // A meeting of the cell where member 1 is present and member 2 has `second`.
  grpc::Status Meet(const std::string& id, rv1::Meeting::Kind kind, const google::type::Date& date,
                    rv1::MeetingAttendance::Status second, rv1::Meeting* out) {
    rv1::CreateMeetingRequest req;
    req.set_parent(kCell);
    req.set_meeting_id(id);
    rv1::Meeting* m = req.mutable_meeting();
    m->set_kind(kind);
    *m->mutable_date() = date;
    m->set_topic("Sinh hoạt chi bộ");
    m->set_presiding_member(MemberOf(1));
    for (int n = 1; n <= 2; ++n) {
      rv1::MeetingAttendance* a = m->add_attendance();
      a->set_member(MemberOf(n));
      a->set_status(n == 2 ? second : rv1::MeetingAttendance::PRESENT);
    }
    return records_stub_->CreateMeeting(As(kEditorToken).get(), req, out);
  }

  uint64_t RecordsHead() {
    rv1::GetChangeLogStateResponse response;
    grpc::Status s = records_stub_->GetChangeLogState(As(kAdminToken).get(), {}, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.last_sequence();
  }

  // Waits until analytics has applied everything records has committed.
  bool CaughtUp() {
    const uint64_t head = RecordsHead();
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      av1::GetFollowerStatusResponse response;
      if (analytics_stub_->GetFollowerStatus(As(kAdminToken).get(), {}, &response).ok() &&
          response.freshness().last_applied_sequence() >= head) {
        return true;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  av1::PartyStatistics Stats(int year, const std::string& token = kViewerToken) {
    av1::GetPartyStatisticsRequest request;
    request.set_organization(kOrg);
    request.set_year(year);
    av1::PartyStatistics stats;
    grpc::Status s = analytics_stub_->GetPartyStatistics(As(token).get(), request, &stats);
    EXPECT_TRUE(s.ok()) << year << ": " << s.error_message();
    return stats;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> records_;
  std::unique_ptr<ServerProcess> analytics_;
  std::unique_ptr<rv1::RecordsService::Stub> records_stub_;
  std::unique_ptr<av1::AnalyticsService::Stub> analytics_stub_;
};

TEST_F(RecordsAnalyticsDuesTest, DuesClosingsCountInTheirYearAndMoveWithLatePaymentsAndBases) {
  // March 2025: member 1 pays, member 2 not yet; the cell closes the month.
  ASSERT_TRUE(Pay(1, 2025, 3, kDue).ok());
  rv1::DuesRemittance remitted;
  grpc::Status s = Remit(2025, 3, kDue * 7 / 10, &remitted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(remitted.due_amount(), 2 * kDue);
  EXPECT_EQ(remitted.collected_amount(), kDue);
  EXPECT_EQ(remitted.arrears_amount(), kDue);
  // December 2024 is closed too, in the neighbouring year: both paid.
  ASSERT_TRUE(Pay(1, 2024, 12, kDue).ok());
  ASSERT_TRUE(Pay(2, 2024, 12, kDue).ok());
  ASSERT_TRUE(Remit(2024, 12, 2 * kDue * 7 / 10, &remitted).ok());

  ASSERT_TRUE(CaughtUp());
  av1::PartyStatistics y2025 = Stats(2025);
  EXPECT_EQ(y2025.dues().cell_months(), 1);
  EXPECT_EQ(y2025.dues().due(), 2 * kDue);
  EXPECT_EQ(y2025.dues().collected(), kDue);
  EXPECT_EQ(y2025.dues().arrears(), kDue);
  EXPECT_EQ(y2025.dues().remitted(), kDue * 7 / 10);
  av1::PartyStatistics y2024 = Stats(2024);
  EXPECT_EQ(y2024.dues().cell_months(), 1);
  EXPECT_EQ(y2024.dues().collected(), 2 * kDue);
  EXPECT_EQ(y2024.dues().arrears(), 0);
  EXPECT_EQ(Stats(2023).dues().cell_months(), 0) << "no closing: no data, not zero dues";

  // Member 2 pays March late: records recomputes the closing, analytics follows.
  ASSERT_TRUE(Pay(2, 2025, 3, kDue).ok());
  ASSERT_TRUE(CaughtUp());
  y2025 = Stats(2025);
  EXPECT_EQ(y2025.dues().cell_months(), 1) << "the same closing, replaced";
  EXPECT_EQ(y2025.dues().collected(), 2 * kDue);
  EXPECT_EQ(y2025.dues().arrears(), 0);
  EXPECT_EQ(y2025.dues().due(), 2 * kDue);

  // Member 1's salary doubles from March 2025 (recorded afterwards): the March closing owes
  // more, December 2024 does not move.
  ASSERT_TRUE(SetBasis(1, 2025, 3, 2 * kBasis).ok());
  ASSERT_TRUE(CaughtUp());
  y2025 = Stats(2025);
  EXPECT_EQ(y2025.dues().due(), 3 * kDue);
  EXPECT_EQ(y2025.dues().arrears(), kDue);
  EXPECT_EQ(Stats(2024).dues().due(), 2 * kDue);

  // The yearly report states what was collected.
  av1::GenerateReportRequest report;
  report.set_organization(kOrg);
  report.set_year(2025);
  av1::GenerateReportResponse out;
  s = analytics_stub_->GenerateReport(As(kViewerToken).get(), report, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  bool found = false;
  for (const av1::ReportSection& section : out.sections()) {
    for (const av1::ReportRow& row : section.rows()) {
      if (row.key() != "dues_collected") continue;
      found = true;
      EXPECT_EQ(row.status(), av1::Figure::OK);
      EXPECT_EQ(row.value(), "187.200");
    }
  }
  EXPECT_TRUE(found);
}

// A month's ledger imported after the cell closed the month: each payment republishes the
// closing, and analytics' statistics follow as they do for RecordDuesPayment.
TEST_F(RecordsAnalyticsDuesTest, AnImportedLedgerMovesTheYearsDues) {
  rv1::DuesRemittance remitted;
  ASSERT_TRUE(Remit(2025, 3, 0, &remitted).ok());
  ASSERT_TRUE(CaughtUp());
  EXPECT_EQ(Stats(2025).dues().collected(), 0);

  rv1::ImportDuesPaymentsRequest import;
  import.set_parent(kCell);
  import.set_request_id("ledger-2025-03");
  for (int n = 1; n <= 2; ++n) {
    rv1::ImportDuesPaymentRow* row = import.add_rows();
    row->set_row(n);
    row->set_member(MemberOf(n));
    row->mutable_dues_payment()->mutable_period()->set_year(2025);
    row->mutable_dues_payment()->mutable_period()->set_month(3);
    row->mutable_dues_payment()->set_amount(kDue);
    google::type::Date* paid = row->mutable_dues_payment()->mutable_paid_date();
    paid->set_year(2025);
    paid->set_month(4);
    paid->set_day(2);
  }
  rv1::ImportDuesPaymentsResponse response;
  grpc::Status s = records_stub_->ImportDuesPayments(As(kTreasurerToken).get(), import, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(response.committed(), 2)
      << (response.errors_size() > 0 ? response.errors(0).message() : std::string());
  ASSERT_TRUE(CaughtUp());
  const av1::PartyStatistics y2025 = Stats(2025);
  EXPECT_EQ(y2025.dues().cell_months(), 1);
  EXPECT_EQ(y2025.dues().collected(), 2 * kDue);
  EXPECT_EQ(y2025.dues().arrears(), 0);
}

TEST_F(RecordsAnalyticsDuesTest, MeetingsCountHeldAgainstRequiredAndACorrectionReplacesIt) {
  rv1::Meeting march;
  ASSERT_TRUE(Meet("thuong-ky-2025-03", rv1::Meeting::REGULAR, Day(2025, 3, 5),
                   rv1::MeetingAttendance::ABSENT, &march)
                  .ok());
  rv1::Meeting theme;
  ASSERT_TRUE(Meet("chuyen-de-2025-q2", rv1::Meeting::THEMATIC, Day(2025, 4, 8),
                   rv1::MeetingAttendance::PRESENT, &theme)
                  .ok());
  rv1::Meeting december;
  ASSERT_TRUE(Meet("thuong-ky-2024-12", rv1::Meeting::REGULAR, Day(2024, 12, 5),
                   rv1::MeetingAttendance::PRESENT, &december)
                  .ok());
  ASSERT_TRUE(CaughtUp());
  av1::PartyStatistics y2025 = Stats(2025);
  EXPECT_EQ(y2025.meetings().regular_held(), 1);
  EXPECT_EQ(y2025.meetings().thematic_held(), 1);
  EXPECT_EQ(y2025.meetings().regular_required(), 12);
  EXPECT_EQ(y2025.meetings().thematic_required(), 4);
  EXPECT_EQ(y2025.meetings().present(), 3);
  EXPECT_EQ(y2025.meetings().absent(), 1);
  EXPECT_EQ(y2025.meetings().attendance_basis_points(), 7500);
  av1::PartyStatistics y2024 = Stats(2024);
  EXPECT_EQ(y2024.meetings().regular_held(), 1);
  EXPECT_EQ(y2024.meetings().present(), 2);
  av1::PartyStatistics y2015 = Stats(2015);
  EXPECT_EQ(y2015.meetings().regular_required(), 10) << "established on 1 March";
  EXPECT_EQ(y2015.meetings().thematic_required(), 3);
  EXPECT_EQ(y2015.meetings().regular_held(), 0);

  // Member 2 was there after all: the corrected meeting replaces the first version.
  rv1::UpdateMeetingRequest fix;
  *fix.mutable_meeting() = march;
  fix.mutable_meeting()->mutable_attendance(1)->set_status(rv1::MeetingAttendance::PRESENT);
  fix.mutable_update_mask()->add_paths("attendance");
  rv1::Meeting fixed;
  grpc::Status s = records_stub_->UpdateMeeting(As(kEditorToken).get(), fix, &fixed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(CaughtUp());
  y2025 = Stats(2025);
  EXPECT_EQ(y2025.meetings().regular_held(), 1);
  EXPECT_EQ(y2025.meetings().present(), 4);
  EXPECT_EQ(y2025.meetings().absent(), 0);
  EXPECT_EQ(y2025.meetings().attendance_basis_points(), 10000);
}

TEST_F(RecordsAnalyticsDuesTest, AViewerNeverSeesASalary) {
  ASSERT_TRUE(Pay(1, 2025, 3, kDue).ok());
  rv1::DuesRemittance remitted;
  ASSERT_TRUE(Remit(2025, 3, kDue * 7 / 10, &remitted).ok());
  ASSERT_TRUE(SetBasis(2, 2025, 3, 2 * kBasis).ok());

  // records: the bases are not listed to a viewer; on the change stream they come masked.
  rv1::ListDuesBasesRequest bases;
  bases.set_parent(MemberOf(1));
  rv1::ListDuesBasesResponse listed;
  EXPECT_EQ(records_stub_->ListDuesBases(As(kViewerToken).get(), bases, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  const uint64_t head = RecordsHead();
  rv1::WatchChangesRequest watch;
  auto ctx = As(kViewerToken);
  auto reader = records_stub_->WatchChanges(ctx.get(), watch);
  rv1::ChangeEvent event;
  int bases_seen = 0;
  int remittances_seen = 0;
  std::string all;
  while (reader->Read(&event)) {
    if (event.heartbeat() && event.sequence() >= head) break;
    if (event.has_dues_basis()) {
      ++bases_seen;
      EXPECT_EQ(event.dues_basis().basis_amount(), 0);
    }
    // A cell-month's totals with one paying member are 1% of that member's salary: a
    // watcher without dues.read sees the remittance without its amounts.
    if (event.has_dues_remittance()) {
      ++remittances_seen;
      EXPECT_EQ(event.dues_remittance().due_amount(), 0);
      EXPECT_EQ(event.dues_remittance().collected_amount(), 0);
      EXPECT_EQ(event.dues_remittance().arrears_amount(), 0);
      EXPECT_EQ(event.dues_remittance().remitted_amount(), 0);
    }
    std::string text;
    google::protobuf::TextFormat::PrintToString(event, &text);
    all += text;
  }
  ctx->TryCancel();
  EXPECT_EQ(bases_seen, 3);
  EXPECT_GE(remittances_seen, 1);
  EXPECT_EQ(all.find(absl::StrCat(kBasis)), std::string::npos);
  EXPECT_EQ(all.find(absl::StrCat(2 * kBasis)), std::string::npos);

  // analytics: its statistics and report carry sums of dues, never a basis.
  ASSERT_TRUE(CaughtUp());
  std::string text;
  google::protobuf::TextFormat::PrintToString(Stats(2025), &text);
  av1::GenerateReportRequest report;
  report.set_organization(kOrg);
  report.set_year(2025);
  av1::GenerateReportResponse out;
  ASSERT_TRUE(analytics_stub_->GenerateReport(As(kViewerToken).get(), report, &out).ok());
  text += out.markdown();
  EXPECT_NE(text.find("dues"), std::string::npos);
  EXPECT_EQ(text.find(absl::StrCat(kBasis)), std::string::npos);
  EXPECT_EQ(text.find(absl::StrCat(2 * kBasis)), std::string::npos);
  EXPECT_EQ(text.find("9.360.000"), std::string::npos);
  EXPECT_EQ(text.find("18.720.000"), std::string::npos);
}

}  // namespace
