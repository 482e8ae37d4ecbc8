// Analytics converges through records crashes: writers admit, recognize, rate and move
// members and create and conclude inspection plans through the real records server while it
// is killed with SIGKILL five times; the real analytics server follows records' change stream
// throughout. After each restart every acknowledged write is in records (VerifyRecords), and
// the follower's party statistics equal, year by year, those of a fresh analytics built from
// scratch on records' data — and add up to records' own member count.
#include <signal.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/integration/records_workload.h"
#include "tests/support/process.h"

namespace reliability {
namespace {

namespace av1 = ::dangbo::analytics::v1;
using testing_support::FreePort;
using testing_support::ServerProcess;
using testing_support::TempDir;

constexpr int kWriters = 6;
constexpr int kCycles = 5;
constexpr int kCells = 3;
constexpr int kFirstYear = 2009;
constexpr int kLastYear = 2025;  // complete years only: no "so far" figures that move

class RecordsAnalyticsCrashTest : public ::testing::Test {
 protected:
  void StartRecords() {
    auto records = ServerProcess::Start(
        RECORDS_SERVER_BINARY,
        {"--data_dir=" + dir_.Sub("records"), "--port=" + std::to_string(records_port_),
         "--metrics_port=0", "--sync_writes=true", "--backup_dir=none"});
    ASSERT_TRUE(records.ok()) << records.status();
    records_ = std::move(*records);
    stub_ = rv1::RecordsService::NewStub(
        grpc::CreateChannel(records_->address(), grpc::InsecureChannelCredentials()));
  }

  std::unique_ptr<ServerProcess> StartAnalytics(const std::string& data_dir) {
    auto analytics = ServerProcess::Start(
        ANALYTICS_SERVER_BINARY,
        {"--data_dir=" + data_dir, "--records_target=127.0.0.1:" + std::to_string(records_port_),
         "--follower_max_backoff=200ms", "--metrics_port=0"});
    EXPECT_TRUE(analytics.ok()) << analytics.status();
    return analytics.ok() ? std::move(*analytics) : nullptr;
  }

  static std::unique_ptr<av1::AnalyticsService::Stub> AnalyticsStub(const ServerProcess& p) {
    return av1::AnalyticsService::NewStub(
        grpc::CreateChannel(p.address(), grpc::InsecureChannelCredentials()));
  }

  // Waits until analytics has applied records' change log up to `head`.
  static bool WaitForCatchUp(av1::AnalyticsService::Stub* analytics, uint64_t head) {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline) {
      av1::GetFollowerStatusRequest request;
      av1::GetFollowerStatusResponse response;
      if (analytics->GetFollowerStatus(Context("crash-test").get(), request, &response).ok() &&
          response.freshness().last_applied_sequence() >= head) {
        return true;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  // Every complete year's statistics, without the freshness (which differs by follower).
  static std::vector<av1::PartyStatistics> AllYears(av1::AnalyticsService::Stub* analytics) {
    std::vector<av1::PartyStatistics> years;
    for (int year = kFirstYear; year <= kLastYear; ++year) {
      av1::GetPartyStatisticsRequest request;
      request.set_organization(kOrganization);
      request.set_year(year);
      av1::PartyStatistics stats;
      grpc::Status s = analytics->GetPartyStatistics(Context("crash-test").get(), request, &stats);
      EXPECT_TRUE(s.ok()) << year << ": " << s.error_message();
      stats.clear_freshness();
      years.push_back(stats);
    }
    return years;
  }

  // Calls `call` (one write RPC of `name`); records the acknowledged etag. False when the
  // call failed (the server is gone): the write may or may not have happened.
  template <typename Call>
  bool Write(const std::string& name, Call call) {
    std::string etag;
    grpc::Status s = call(&etag);
    if (!s.ok()) {
      // Only the kill may stop a writer: anything but UNAVAILABLE is a defect.
      EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << name << ": " << s.error_message();
      ledger_.Uncertain(name);
      return false;
    }
    ledger_.Acknowledged(name, etag);
    return true;
  }

  // One writer's life for member n: admitted, recognized a year later, rated that year, moved
  // to another cell; every fifth member also brings an inspection plan whose first item is
  // notified, started and concluded. Stops at the first failure (the server was killed).
  void Writer(int writer) {
    for (int i = 0;; ++i) {
      const int n = next_member_.fetch_add(1);
      const int year = 2010 + n % 11;
      const std::string cell = absl::StrCat("c", 1 + n % kCells);
      const std::string name = MemberName(n);
      auto member_call = [this](auto method, const auto& request) {
        return [this, method, request](std::string* etag) {
          rv1::Member m;
          grpc::Status s = (stub_.get()->*method)(Context("crash-test").get(), request, &m);
          *etag = m.etag();
          return s;
        };
      };
      if (!Write(name, member_call(&rv1::RecordsService::Stub::AdmitMember,
                                   AdmitRequest(n, year, cell))) ||
          !Write(name, member_call(&rv1::RecordsService::Stub::RecognizeFullMember,
                                   RecognizeRequest(n, year + 1))) ||
          !Write(name,
                 member_call(
                     &rv1::RecordsService::Stub::RateMember,
                     RateRequest(n, year + 1, static_cast<rv1::YearlyRating::Level>(1 + n % 4)))) ||
          !Write(name, member_call(&rv1::RecordsService::Stub::TransferMember,
                                   CellTransferRequest(n, absl::StrCat("c", 1 + (n + 1) % kCells),
                                                       Day(year + 2, 7, 1))))) {
        return;
      }
      if (n % 5 == 0 && !PlanLife(n, writer)) return;
    }
  }

  bool PlanLife(int n, int writer) {
    const int year = 2015 + n % 10;
    rv1::InspectionPlan plan;
    grpc::Status s = stub_->CreateInspectionPlan(
        Context("crash-test").get(),
        PlanRequest(n, year, absl::StrCat("c", 1 + writer % kCells), n), &plan);
    const std::string name = absl::StrFormat("%s/inspectionPlans/kh-%06d", kOrganization, n);
    if (!s.ok()) {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << name << ": " << s.error_message();
      ledger_.Uncertain(name);
      return false;
    }
    ledger_.Acknowledged(name, plan.etag());
    auto plan_call = [this](auto method, const auto& request) {
      return [this, method, request](std::string* etag) {
        rv1::InspectionPlan p;
        grpc::Status s = (stub_.get()->*method)(Context("crash-test").get(), request, &p);
        *etag = p.etag();
        return s;
      };
    };
    rv1::NotifyInspectionItemRequest notify;
    notify.set_name(name);
    notify.set_item_id("item-1");
    *notify.mutable_effective_date() = Day(year, 2, 20);
    rv1::StartInspectionItemRequest start;
    start.set_name(name);
    start.set_item_id("item-1");
    *start.mutable_effective_date() = Day(year, 3, 2);
    rv1::ConcludeInspectionItemRequest conclude;
    conclude.set_name(name);
    conclude.set_item_id("item-1");
    conclude.mutable_conclusion()->set_outcome(n % 2 ? rv1::InspectionItem::Conclusion::NO_VIOLATION
                                                     : rv1::InspectionItem::Conclusion::VIOLATION);
    conclude.mutable_conclusion()->set_text("Kết luận kiểm tra");
    *conclude.mutable_conclusion()->mutable_date() = Day(year, 4, 20);
    return Write(name, plan_call(&rv1::RecordsService::Stub::NotifyInspectionItem, notify)) &&
           Write(name, plan_call(&rv1::RecordsService::Stub::StartInspectionItem, start)) &&
           Write(name, plan_call(&rv1::RecordsService::Stub::ConcludeInspectionItem, conclude));
  }

  TempDir dir_;
  int records_port_ = FreePort();
  std::unique_ptr<ServerProcess> records_;
  std::unique_ptr<rv1::RecordsService::Stub> stub_;
  Ledger ledger_;
  std::atomic<int> next_member_{1};
};

TEST_F(RecordsAnalyticsCrashTest, FollowerConvergesThroughRepeatedSigkill) {
  ASSERT_NO_FATAL_FAILURE(StartRecords());
  ASSERT_NO_FATAL_FAILURE(CreateOrganizationAndCells(stub_.get(), kCells));
  auto follower = StartAnalytics(dir_.Sub("follower"));
  ASSERT_NE(follower, nullptr);
  auto follower_stub = AnalyticsStub(*follower);

  std::mt19937 random(20261128);
  VerifyReport report;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) writers.emplace_back([this, w] { Writer(w); });
    absl::SleepFor(absl::Milliseconds(300 + random() % 500));
    records_->Kill();  // SIGKILL: no flush, no clean shutdown; analytics loses its stream
    for (auto& t : writers) t.join();
    const absl::Time killed = absl::Now();
    ASSERT_NO_FATAL_FAILURE(StartRecords());
    const absl::Time restarted = absl::Now();
    ASSERT_NO_FATAL_FAILURE(VerifyRecords(stub_.get(), ledger_, &report));
    const absl::Time verified = absl::Now();

    // The follower reconnects by itself and catches up; a fresh analytics built from scratch
    // on the same records data has exactly the same statistics.
    const uint64_t head = report.change_log_head;
    ASSERT_TRUE(WaitForCatchUp(follower_stub.get(), head)) << follower->Log();
    TempDir fresh_dir;
    auto fresh = StartAnalytics(fresh_dir.path());
    ASSERT_NE(fresh, nullptr);
    auto fresh_stub = AnalyticsStub(*fresh);
    ASSERT_TRUE(WaitForCatchUp(fresh_stub.get(), head)) << fresh->Log();
    const auto expected = AllYears(fresh_stub.get());
    const auto actual = AllYears(follower_stub.get());
    ASSERT_EQ(expected.size(), actual.size());
    int admissions = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(expected[i], actual[i]))
          << "cycle " << cycle << ", year " << expected[i].year()
          << "\nfrom scratch: " << expected[i].ShortDebugString()
          << "\nfollower:     " << actual[i].ShortDebugString();
      admissions += actual[i].admissions();
    }
    EXPECT_EQ(admissions, report.members_listed) << "cycle " << cycle;
    fresh->Kill();  // disposable; its clean shutdown is not what this test is about
    std::printf(
        "cycle %d: %lld writes acknowledged so far; restart %s, verify %s, analytics "
        "converged %s\n",
        cycle, static_cast<long long>(ledger_.acknowledged()),
        absl::FormatDuration(restarted - killed).c_str(),
        absl::FormatDuration(verified - restarted).c_str(),
        absl::FormatDuration(absl::Now() - verified).c_str());
  }
  EXPECT_EQ(follower->Stop(SIGTERM), 0) << follower->Log();
  std::printf(
      "analytics through %d records SIGKILLs: %lld acknowledged writes on %lld resources "
      "verified, change log head %llu, %lld members; follower statistics equal a rebuild "
      "from scratch for %d years\n",
      kCycles, static_cast<long long>(ledger_.acknowledged()),
      static_cast<long long>(report.resources_checked),
      static_cast<unsigned long long>(report.change_log_head),
      static_cast<long long>(report.members_listed), kLastYear - kFirstYear + 1);
  EXPECT_GT(report.members_listed, 50);
}

}  // namespace
}  // namespace reliability
