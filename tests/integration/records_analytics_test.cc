// records and analytics, both real binaries on loopback: what happens to members in records
// shows up in analytics' party statistics for the right year; analytics restarted mid-stream
// ends with exactly the statistics of one that never stopped; records stopped and restarted,
// analytics reconnects by itself and catches up, answering all the while.
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/integration/records_workload.h"
#include "tests/support/process.h"

namespace {

namespace rv1 = ::dangbo::records::v1;
namespace av1 = ::dangbo::analytics::v1;
using testing_support::FreePort;
using testing_support::ServerProcess;
using testing_support::TempDir;

using reliability::Day;
using reliability::Decision;

std::unique_ptr<grpc::ClientContext> Context() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  c->AddMetadata("x-dangbo-principal", "integration-test");
  return c;
}

class RecordsAnalyticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    records_port_ = FreePort();
    StartRecords();
  }

  void StartRecords() {
    auto records =
        ServerProcess::Start(RECORDS_SERVER_BINARY, {"--data_dir=" + dir_.Sub("records"),
                                                     "--port=" + std::to_string(records_port_),
                                                     "--sync_writes=false", "--metrics_port=0"});
    ASSERT_TRUE(records.ok()) << records.status();
    records_ = std::move(*records);
    records_stub_ = rv1::RecordsService::NewStub(
        grpc::CreateChannel(records_->address(), grpc::InsecureChannelCredentials()));
  }

  std::unique_ptr<ServerProcess> StartAnalytics(const std::string& data_dir) {
    auto analytics = ServerProcess::Start(
        ANALYTICS_SERVER_BINARY,
        {"--data_dir=" + data_dir, "--records_target=127.0.0.1:" + std::to_string(records_port_),
         "--follower_max_backoff=500ms", "--sync_writes=false", "--metrics_port=0"});
    EXPECT_TRUE(analytics.ok()) << analytics.status();
    return analytics.ok() ? std::move(*analytics) : nullptr;
  }

  static std::unique_ptr<av1::AnalyticsService::Stub> AnalyticsStub(const ServerProcess& p) {
    return av1::AnalyticsService::NewStub(
        grpc::CreateChannel(p.address(), grpc::InsecureChannelCredentials()));
  }

  uint64_t RecordsHead() {
    rv1::GetChangeLogStateRequest request;
    rv1::GetChangeLogStateResponse response;
    grpc::Status s = records_stub_->GetChangeLogState(Context().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.last_sequence();
  }

  // Waits until analytics has applied everything records has committed.
  static bool WaitForCatchUp(av1::AnalyticsService::Stub* analytics, uint64_t head) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      av1::GetFollowerStatusRequest request;
      av1::GetFollowerStatusResponse response;
      if (analytics->GetFollowerStatus(Context().get(), request, &response).ok() &&
          response.freshness().last_applied_sequence() >= head) {
        return true;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  static av1::PartyStatistics Stats(av1::AnalyticsService::Stub* analytics, int year) {
    av1::GetPartyStatisticsRequest request;
    request.set_organization("organizations/hq");
    request.set_year(year);
    av1::PartyStatistics stats;
    grpc::Status s = analytics->GetPartyStatistics(Context().get(), request, &stats);
    EXPECT_TRUE(s.ok()) << year << ": " << s.error_message();
    return stats;
  }

  // Every year's statistics, without the freshness (which differs between followers).
  static std::vector<av1::PartyStatistics> AllYears(av1::AnalyticsService::Stub* analytics) {
    std::vector<av1::PartyStatistics> years;
    for (int year = 2009; year <= 2026; ++year) {
      av1::PartyStatistics stats = Stats(analytics, year);
      stats.clear_freshness();
      years.push_back(stats);
    }
    return years;
  }

  void CreateOrganizationAndCells() {
    rv1::CreateOrganizationRequest org;
    org.set_organization_id("hq");
    org.mutable_organization()->set_code("HQLA");
    org.mutable_organization()->set_display_name("Đảng bộ Cục Hải quan Long An");
    org.mutable_organization()->set_region("Đồng bằng sông Cửu Long");
    *org.mutable_organization()->mutable_valid_from() = Day(2005, 1, 1);
    rv1::Organization created;
    grpc::Status s = records_stub_->CreateOrganization(Context().get(), org, &created);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (const char* cell_id : {"c1", "c2"}) {
      rv1::CreateCellRequest cell;
      cell.set_parent("organizations/hq");
      cell.set_cell_id(cell_id);
      cell.mutable_cell()->set_display_name(absl::StrCat("Chi bộ ", cell_id));
      *cell.mutable_cell()->mutable_established_date() = Day(2005, 3, 1);
      rv1::Cell out;
      s = records_stub_->CreateCell(Context().get(), cell, &out);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
  }

  // Admission decided on 10/05/`year`, ceremony 19/05/`year`.
  void Admit(int n, int year, const std::string& cell) {
    rv1::AdmitMemberRequest req;
    req.set_parent("organizations/hq");
    req.set_member_id(absl::StrFormat("m-%04d", n));
    req.set_cell("organizations/hq/cells/" + cell);
    rv1::Member* m = req.mutable_member();
    m->set_full_name(absl::StrCat("Nguyễn Văn Số", n));
    m->set_gender(rv1::Member::MALE);
    *m->mutable_birth_date() = Day(1980, 4, 30);
    m->set_national_id(absl::StrFormat("080080%06d", n));
    m->set_party_card_number(absl::StrFormat("%08d", 52000000 + n));
    *req.mutable_decision() = Decision(absl::StrCat(n, "-QĐ/ĐU"), Day(year, 5, 10));
    *req.mutable_ceremony_date() = Day(year, 5, 19);
    rv1::Member out;
    grpc::Status s = records_stub_->AdmitMember(Context().get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void Recognize(int n, int year) {
    rv1::RecognizeFullMemberRequest req;
    req.set_name(absl::StrFormat("organizations/hq/members/m-%04d", n));
    *req.mutable_decision() = Decision(absl::StrCat(n, "-CT/ĐU"), Day(year, 6, 1));
    rv1::Member out;
    grpc::Status s = records_stub_->RecognizeFullMember(Context().get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void TransferToCell(int n, const std::string& cell, const google::type::Date& when) {
    rv1::TransferMemberRequest req;
    req.set_name(absl::StrFormat("organizations/hq/members/m-%04d", n));
    req.set_kind(rv1::TransferMemberRequest::OFFICIAL_TO_CELL);
    req.set_target_cell("organizations/hq/cells/" + cell);
    *req.mutable_decision() = Decision(absl::StrCat(n, "-CS/ĐU"), when);
    *req.mutable_effective_date() = when;
    rv1::Member out;
    grpc::Status s = records_stub_->TransferMember(Context().get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void Remove(int n, const google::type::Date& when) {
    rv1::RemoveMemberRequest req;
    req.set_name(absl::StrFormat("organizations/hq/members/m-%04d", n));
    req.set_ground(rv1::LifecycleEvent::NOT_PARTICIPATING);
    req.set_reason("bỏ sinh hoạt đảng");
    *req.mutable_decision() = Decision(absl::StrCat(n, "-XT/ĐU"), when);
    *req.mutable_effective_date() = when;
    rv1::Member out;
    grpc::Status s = records_stub_->RemoveMember(Context().get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  TempDir dir_;
  int records_port_ = 0;
  std::unique_ptr<ServerProcess> records_;
  std::unique_ptr<rv1::RecordsService::Stub> records_stub_;
};

TEST_F(RecordsAnalyticsTest, MemberEventsShowUpInTheRightYear) {
  auto analytics = StartAnalytics(dir_.Sub("analytics"));
  ASSERT_NE(analytics, nullptr);
  auto stub = AnalyticsStub(*analytics);

  CreateOrganizationAndCells();
  Admit(1, 2010, "c1");
  Admit(2, 2010, "c1");
  Admit(3, 2019, "c1");
  Recognize(1, 2011);
  Recognize(2, 2011);
  TransferToCell(1, "c2", Day(2020, 6, 1));
  Remove(2, Day(2021, 3, 1));
  ASSERT_TRUE(WaitForCatchUp(stub.get(), RecordsHead()));

  av1::PartyStatistics y2010 = Stats(stub.get(), 2010);
  EXPECT_EQ(y2010.admissions(), 2);
  EXPECT_EQ(y2010.members_probationary(), 2);
  EXPECT_EQ(y2010.members_full(), 0);
  av1::PartyStatistics y2011 = Stats(stub.get(), 2011);
  EXPECT_EQ(y2011.recognitions(), 2);
  EXPECT_EQ(y2011.members_full(), 2);
  av1::PartyStatistics y2019 = Stats(stub.get(), 2019);
  EXPECT_EQ(y2019.admissions(), 1);
  EXPECT_EQ(y2019.members_total(), 3);
  av1::PartyStatistics y2020 = Stats(stub.get(), 2020);
  EXPECT_EQ(y2020.cell_transfers(), 1);
  EXPECT_EQ(y2020.members_total(), 3);
  av1::PartyStatistics y2021 = Stats(stub.get(), 2021);
  EXPECT_EQ(y2021.removals().removed(), 1);
  EXPECT_EQ(y2021.removals().total(), 1);
  EXPECT_EQ(y2021.members_total(), 2);
  EXPECT_EQ(y2021.cells(), 2);
  EXPECT_EQ(analytics->Stop(SIGTERM), 0) << analytics->Log();
}

TEST_F(RecordsAnalyticsTest, AnalyticsRestartedMidStreamMatchesOneThatNeverStopped) {
  auto steady = StartAnalytics(dir_.Sub("steady"));
  auto restarted = StartAnalytics(dir_.Sub("restarted"));
  ASSERT_NE(steady, nullptr);
  ASSERT_NE(restarted, nullptr);

  CreateOrganizationAndCells();
  for (int n = 1; n <= 10; ++n) {
    Admit(n, 2010 + n % 4, n % 2 ? "c1" : "c2");
  }
  // Kill it (no clean shutdown) in the middle of the stream, keep writing, then restart it on
  // the same data directory.
  restarted->Kill();
  for (int n = 1; n <= 10; n += 2) {
    Recognize(n, 2015);
  }
  for (int n = 11; n <= 15; ++n) {
    Admit(n, 2016, "c1");
  }
  TransferToCell(3, "c2", Day(2020, 1, 15));
  Remove(4, Day(2022, 8, 1));
  restarted = StartAnalytics(dir_.Sub("restarted"));
  ASSERT_NE(restarted, nullptr);

  const uint64_t head = RecordsHead();
  auto steady_stub = AnalyticsStub(*steady);
  auto restarted_stub = AnalyticsStub(*restarted);
  ASSERT_TRUE(WaitForCatchUp(steady_stub.get(), head));
  ASSERT_TRUE(WaitForCatchUp(restarted_stub.get(), head));

  const auto expected = AllYears(steady_stub.get());
  const auto actual = AllYears(restarted_stub.get());
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(expected[i], actual[i]))
        << "year " << expected[i].year() << "\nsteady:    " << expected[i].ShortDebugString()
        << "\nrestarted: " << actual[i].ShortDebugString();
  }
  EXPECT_EQ(Stats(steady_stub.get(), 2016).admissions(), 5);
}

TEST_F(RecordsAnalyticsTest, RecordsRestartedAnalyticsReconnectsAndCatchesUp) {
  auto analytics = StartAnalytics(dir_.Sub("analytics"));
  ASSERT_NE(analytics, nullptr);
  auto stub = AnalyticsStub(*analytics);
  CreateOrganizationAndCells();
  Admit(1, 2018, "c1");
  ASSERT_TRUE(WaitForCatchUp(stub.get(), RecordsHead()));

  ASSERT_EQ(records_->Stop(SIGTERM), 0) << records_->Log();
  // records is down: analytics keeps answering from its read model, and says it is not
  // following.
  EXPECT_EQ(Stats(stub.get(), 2018).admissions(), 1);
  {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    bool disconnected = false;
    while (!disconnected && absl::Now() < deadline) {
      av1::GetFollowerStatusRequest request;
      av1::GetFollowerStatusResponse response;
      ASSERT_TRUE(stub->GetFollowerStatus(Context().get(), request, &response).ok());
      disconnected = !response.freshness().following();
      absl::SleepFor(absl::Milliseconds(50));
    }
    EXPECT_TRUE(disconnected);
  }

  StartRecords();  // same data directory, same port
  Admit(2, 2018, "c2");
  Admit(3, 2019, "c2");
  ASSERT_TRUE(WaitForCatchUp(stub.get(), RecordsHead()));
  EXPECT_EQ(Stats(stub.get(), 2018).admissions(), 2);
  EXPECT_EQ(Stats(stub.get(), 2019).admissions(), 1);
  EXPECT_EQ(Stats(stub.get(), 2019).members_total(), 3);
}

}  // namespace
