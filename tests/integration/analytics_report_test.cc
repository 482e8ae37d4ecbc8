// GenerateReport through both real services in process, with both seeds loaded the way `make
// run` loads them (records' Long An dataset, analytics' indicators and observations): the
// term report 2015 -> 2019 of the Long An committee states the article's figures the way the
// article does ("tăng 80,8%", "tăng 89,5%", "tăng 144%") with the party statistics of each
// year of the term, and equals the checked-in golden Markdown,
// tests/integration/golden/term_report_hq_long_an_2015_2019.md.
//
// After an intended change of wording, regenerate the golden file with
//   DANGBO_UPDATE_GOLDEN=1 build/tests/integration/analytics_report_test
// and review its diff like code.
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/analytics/seed/seed_data.h"
#include "services/analytics/seed/seed_loader.h"
#include "services/records/records_server.h"
#include "services/records/seed/seed_loader.h"
#include "tests/integration/analytics_support.h"
#include "tests/support/process.h"

namespace {

namespace av1 = ::dangbo::analytics::v1;
namespace rv1 = ::dangbo::records::v1;
using ::testing::HasSubstr;

constexpr char kGolden[] =
    PROJECT_SOURCE_DIR "/tests/integration/golden/term_report_hq_long_an_2015_2019.md";

class AnalyticsReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    common::SetLogLevel(common::LogLevel::kError);
    dir_ = new testing_support::TempDir();
    records::RecordsConfig config;
    config.server.service = "records";
    config.server.listen = "127.0.0.1";
    config.server.port = 0;
    config.server.data_dir = dir_->Sub("records");
    config.server.max_message_bytes = 16 << 20;
    config.server.shutdown_grace = absl::Seconds(5);
    config.server.keepalive_time = absl::Seconds(60);
    config.server.keepalive_timeout = absl::Seconds(20);
    config.server.block_cache_mb = 8;
    config.server.sync_writes = false;
    config.backup_dir = dir_->Sub("backups");
    auto records = records::RecordsServer::Start(config);
    ASSERT_TRUE(records.ok()) << records.status();
    records_ = records->release();
    auto records_stub = rv1::RecordsService::NewStub(
        grpc::CreateChannel(records_->address(), grpc::InsecureChannelCredentials()));
    auto loaded = records::seed::LoadLongAnSeed(records_stub.get());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    grpc::ClientContext context;
    rv1::GetChangeLogStateResponse state;
    ASSERT_TRUE(
        records_stub->GetChangeLogState(&context, rv1::GetChangeLogStateRequest(), &state).ok());

    analytics_ =
        analytics_testing::StartAnalytics(dir_->Sub("analytics"), records_->address()).release();
    ASSERT_NE(analytics_, nullptr);
    stub_ = analytics_testing::Connect(analytics_->port()).release();
    analytics::seed::SeedReport report;
    ASSERT_TRUE(analytics::seed::LoadSeed(*stub_, &report).ok());
    // The read model has applied everything records' seed wrote.
    ASSERT_TRUE(analytics_testing::WaitFor([&] {
      return analytics_->follower().GetFreshness().last_applied_sequence() >= state.last_sequence();
    }));
  }

  static void TearDownTestSuite() {
    delete stub_;
    delete analytics_;
    delete records_;
    delete dir_;
  }

  static av1::GenerateReportResponse TermReport() {
    av1::GenerateReportRequest request;
    request.set_organization(analytics::seed::kSeedOrganization);
    request.mutable_term()->set_start_year(2015);
    request.mutable_term()->set_end_year(2020);
    request.set_through_year(2019);
    av1::GenerateReportResponse response;
    grpc::Status status =
        stub_->GenerateReport(analytics_testing::Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  static testing_support::TempDir* dir_;
  static records::RecordsServer* records_;
  static analytics::AnalyticsServer* analytics_;
  static av1::AnalyticsService::Stub* stub_;
};

testing_support::TempDir* AnalyticsReportTest::dir_ = nullptr;
records::RecordsServer* AnalyticsReportTest::records_ = nullptr;
analytics::AnalyticsServer* AnalyticsReportTest::analytics_ = nullptr;
av1::AnalyticsService::Stub* AnalyticsReportTest::stub_ = nullptr;

const av1::ReportSection* Section(const av1::GenerateReportResponse& r, const std::string& key) {
  for (const auto& s : r.sections()) {
    if (s.key() == key) return &s;
  }
  return nullptr;
}

TEST_F(AnalyticsReportTest, TermReportStatesTheArticlesFigures) {
  const av1::GenerateReportResponse r = TermReport();
  EXPECT_EQ(r.kind(), av1::GenerateReportResponse::TERM);
  EXPECT_EQ(r.year(), 2019);
  EXPECT_EQ(r.display_name(), "Đảng bộ Cục Hải quan Long An");
  EXPECT_TRUE(r.has_freshness());
  const av1::ReportSection* revenue = Section(r, "indicators/state-budget-revenue");
  const av1::ReportSection* enterprises = Section(r, "indicators/enterprises");
  const av1::ReportSection* declarations = Section(r, "indicators/customs-declarations");
  ASSERT_NE(revenue, nullptr);
  ASSERT_NE(enterprises, nullptr);
  ASSERT_NE(declarations, nullptr);
  // "Năm 2019 đạt 3.802,3 tỷ đồng, tăng 80,8% so với số thu đầu nhiệm kỳ (năm 2015 đạt
  // 2.103,4 tỷ đồng)"; "… 2.031 doanh nghiệp … (tăng 89,5%)"; "… 496.444 tờ khai … (tăng 144%)".
  EXPECT_EQ(revenue->summary(),
            "Năm 2019 đạt 3.802,3 tỷ đồng, tăng 80,8% so với đầu nhiệm kỳ (năm 2015 đạt 2.103,4 "
            "tỷ đồng).");
  EXPECT_THAT(enterprises->summary(), HasSubstr("2.031 doanh nghiệp, tăng 89,5%"));
  EXPECT_THAT(enterprises->summary(), HasSubstr("(năm 2015 đạt 1.072 doanh nghiệp)"));
  EXPECT_THAT(declarations->summary(), HasSubstr("496.444 tờ khai, tăng 144%"));
  EXPECT_THAT(declarations->summary(), HasSubstr("(năm 2015 đạt 203.482 tờ khai)"));
  // "… trở thành đơn vị dẫn đầu khu vực Đồng bằng sông Cửu Long".
  bool ranked_first = false;
  for (const auto& row : revenue->rows()) {
    if (row.key() == "rank_in_region") ranked_first = row.text() == "thứ 1/5";
  }
  EXPECT_TRUE(ranked_first);
  // The party statistics of every year of the term, a row per statistic and year, printed
  // one column a year.
  for (const char* key :
       {"party/members", "party/ratings", "party/inspections", "party/dues_and_meetings"}) {
    const av1::ReportSection* party = Section(r, key);
    ASSERT_NE(party, nullptr) << key;
    std::set<int> years;
    for (const auto& row : party->rows()) years.insert(row.year());
    EXPECT_EQ(years, (std::set<int>{2015, 2016, 2017, 2018, 2019})) << key;
  }
  EXPECT_THAT(r.markdown(), HasSubstr("| Nội dung | 2015 | 2016 | 2017 | 2018 | 2019 |\n"));
  // The seed's dues and meetings are of 2026: every year of this term says it has no data.
  const av1::ReportSection* dues = Section(r, "party/dues_and_meetings");
  ASSERT_NE(dues, nullptr);
  for (const auto& row : dues->rows()) {
    EXPECT_EQ(row.status(), av1::Figure::MISSING_VALUE) << row.key();
    EXPECT_EQ(row.text(), "chưa có số liệu") << row.key();
  }
}

TEST_F(AnalyticsReportTest, TermReportMatchesTheGoldenMarkdown) {
  const std::string markdown = TermReport().markdown();
  if (std::getenv("DANGBO_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(kGolden, std::ios::binary) << markdown;
  }
  std::ifstream in(kGolden, std::ios::binary);
  ASSERT_TRUE(in.good()) << "missing " << kGolden;
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(markdown, golden.str()) << "regenerate with DANGBO_UPDATE_GOLDEN=1 if intended";
}

TEST_F(AnalyticsReportTest, YearlyReportOfAYearWithoutDataSaysSo) {
  av1::GenerateReportRequest request;
  request.set_organization(analytics::seed::kSeedOrganization);
  request.set_year(2014);  // before the seed's first year
  av1::GenerateReportResponse r;
  ASSERT_TRUE(stub_->GenerateReport(analytics_testing::Context().get(), request, &r).ok());
  EXPECT_EQ(r.title(), "Báo cáo số liệu năm 2014");
  const av1::ReportSection* revenue = Section(r, "indicators/state-budget-revenue");
  ASSERT_NE(revenue, nullptr);
  EXPECT_EQ(revenue->summary(), "Năm 2014: chưa có số liệu.");
  for (const auto& row : revenue->rows()) {
    EXPECT_NE(row.status(), av1::Figure::OK) << row.key();
    EXPECT_EQ(row.value(), "") << row.key();
  }
}

TEST_F(AnalyticsReportTest, AnUnknownOrganizationIsNotFound) {
  av1::GenerateReportRequest request;
  request.set_organization("organizations/hq-nowhere");
  request.set_year(2019);
  av1::GenerateReportResponse r;
  EXPECT_EQ(stub_->GenerateReport(analytics_testing::Context().get(), request, &r).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
