// A damaged block on disk (bytes of one table file overwritten, as a failing disk does): the
// servers still open and serve what they can read, and an answer that needs the damaged block
// fails with DATA_LOSS. It never comes back OK and short — a list missing organizations, a
// series missing years — as if the data were not there.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/analytics/seed/seed_data.h"
#include "tests/integration/analytics_support.h"
#include "tests/integration/records_fixture.h"
#include "tests/support/table_damage.h"

namespace {

using records::testing::RecordsFixture;
namespace rv1 = ::dangbo::records::v1;
namespace av1 = ::dangbo::analytics::v1;

constexpr int kOrganizations = 400;

class RecordsDamagedBlockTest : public RecordsFixture {
 protected:
  void CreateOrganizations() {
    for (int i = 0; i < kOrganizations; ++i) {
      ASSERT_NO_FATAL_FAILURE(CreateOrganization(absl::StrFormat("hq-%04d", i)));
    }
  }

  // Stops the server (everything flushed into table files), damages `column_family`'s table
  // file and starts the server again on the same directory.
  void DamageAndRestart(const std::string& column_family) {
    ASSERT_TRUE(server_->Shutdown().ok());
    server_.reset();
    absl::StatusOr<std::string> damaged =
        testing_support::DamageTableFile(dir_.Sub("db"), column_family);
    ASSERT_TRUE(damaged.ok()) << damaged.status();
    ASSERT_NO_FATAL_FAILURE(StartServer());
  }
};

TEST_F(RecordsDamagedBlockTest, ListingOverADamagedBlockFailsWithDataLoss) {
  ASSERT_NO_FATAL_FAILURE(CreateOrganizations());
  auto list = [&](grpc::Status* status) {
    rv1::ListOrganizationsRequest request;
    request.set_page_size(1000);
    rv1::ListOrganizationsResponse response;
    *status = stub_->ListOrganizations(Context().get(), request, &response);
    return response.organizations_size();
  };
  grpc::Status status;
  ASSERT_EQ(list(&status), kOrganizations);
  ASSERT_TRUE(status.ok()) << status.error_message();

  ASSERT_NO_FATAL_FAILURE(DamageAndRestart("organizations"));

  const int listed = list(&status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS)
      << "listed " << listed << " of " << kOrganizations << ": " << status.error_message();
  EXPECT_NE(status.error_message().find("organizations"), std::string::npos)
      << status.error_message();
  // Reads that do not touch the damaged block keep working.
  rv1::GetOrganizationRequest get;
  get.set_name(absl::StrFormat("organizations/hq-%04d", kOrganizations - 1));
  rv1::Organization organization;
  EXPECT_TRUE(stub_->GetOrganization(Context().get(), get, &organization).ok());
}

TEST_F(RecordsDamagedBlockTest, AWatchOverADamagedLogEndsWithDataLoss) {
  ASSERT_NO_FATAL_FAILURE(CreateOrganizations());
  ASSERT_NO_FATAL_FAILURE(DamageAndRestart("changes"));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = stub_->WatchChanges(&context, rv1::WatchChangesRequest());
  rv1::ChangeEvent event;
  uint64_t last = 0;
  while (reader->Read(&event)) {
    ASSERT_FALSE(event.heartbeat()) << "caught up past a damaged block at " << last;
    ASSERT_EQ(event.sequence(), last + 1);
    last = event.sequence();
  }
  const grpc::Status status = reader->Finish();
  // Not "fell behind the change log's retention" (UNAVAILABLE): a follower would relist and
  // the damage would go unnoticed.
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS)
      << "after sequence " << last << ": " << status.error_message();
  EXPECT_LT(last, static_cast<uint64_t>(kOrganizations));
}

TEST(AnalyticsDamagedBlockTest, ASeriesOverADamagedBlockFailsWithDataLoss) {
  testing_support::TempDir dir;
  std::unique_ptr<analytics::AnalyticsServer> server =
      analytics_testing::StartAnalytics(dir.Sub("db"));
  ASSERT_NE(server, nullptr);
  auto stub = analytics_testing::Connect(server->port());
  const analytics::seed::SeedIndicator seed = analytics::seed::SeedIndicators()[0];
  // Ten indicators with actuals for every year from 1930 to 2026: many blocks of observations.
  constexpr int kIndicators = 10;
  constexpr int kYears = 2026 - 1930 + 1;
  for (int n = 0; n < kIndicators; ++n) {
    av1::CreateIndicatorRequest create;
    create.set_parent(seed.organization);
    create.set_indicator_id(absl::StrFormat("revenue-%02d", n));
    *create.mutable_indicator() = seed.indicator;
    av1::Indicator created;
    ASSERT_TRUE(stub->CreateIndicator(analytics_testing::Context().get(), create, &created).ok());
    av1::RecordObservationsRequest record;
    record.set_parent(seed.organization);
    std::string csv = "indicator,year,actual\n";
    for (int year = 1930; year <= 2026; ++year) {
      absl::StrAppend(&csv, create.indicator_id(), ",", year, ",", 1000 + year, ".5\n");
    }
    record.set_csv(csv);
    av1::RecordObservationsResponse recorded;
    grpc::Status s =
        stub->RecordObservations(analytics_testing::Context().get(), record, &recorded);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(recorded.written(), kYears);
  }
  auto list = [&](grpc::Status* status) {
    av1::ListObservationsRequest request;
    request.set_indicator(seed.organization + "/indicators/-");  // all of them
    request.set_page_size(1000);
    av1::ListObservationsResponse response;
    *status = stub->ListObservations(analytics_testing::Context().get(), request, &response);
    return response.observations_size();
  };
  auto compare = [&](grpc::Status* status) {
    av1::CompareYearsRequest request;
    request.set_organization(seed.organization);
    request.set_base_year(2000);
    request.set_year(2001);
    av1::CompareYearsResponse response;
    *status = stub->CompareYears(analytics_testing::Context().get(), request, &response);
  };
  grpc::Status status;
  ASSERT_EQ(list(&status), kIndicators * kYears);
  ASSERT_TRUE(status.ok()) << status.error_message();

  server->Shutdown();
  server.reset();
  absl::StatusOr<std::string> damaged =
      testing_support::DamageTableFile(dir.Sub("db"), "observations");
  ASSERT_TRUE(damaged.ok()) << damaged.status();
  server = analytics_testing::StartAnalytics(dir.Sub("db"));
  ASSERT_NE(server, nullptr);
  stub = analytics_testing::Connect(server->port());

  const int listed = list(&status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS)
      << "listed " << listed << " of " << kIndicators * kYears << ": " << status.error_message();
  compare(&status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS) << status.error_message();
  // The indicators themselves are in another column family and still read.
  av1::GetIndicatorRequest get;
  get.set_name(seed.organization + "/indicators/revenue-00");
  av1::Indicator indicator;
  EXPECT_TRUE(stub->GetIndicator(analytics_testing::Context().get(), get, &indicator).ok());
}

}  // namespace
