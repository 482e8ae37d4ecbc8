// Operator errors and damaged data: a server started on the other service's data directory,
// on a corrupt one, or on one another server is using, stops at once with a message saying
// what is wrong, and changes nothing in the directory.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace {

namespace av1 = ::dangbo::analytics::v1;
namespace rv1 = ::dangbo::records::v1;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::ServerProcess;
using testing_support::TempDir;

// Every file's size and content hash, by path relative to `dir`.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string content = bytes.str();
    files[std::filesystem::relative(entry.path(), dir).string()] =
        std::to_string(content.size()) + ":" + std::to_string(std::hash<std::string>()(content));
  }
  return files;
}

class DataDirTest : public ::testing::Test {
 protected:
  // A records directory with one organization in it, cleanly shut down.
  std::string RecordsDir() {
    const std::string dir = dir_.Sub("records");
    auto records = ServerProcess::Start(RECORDS_SERVER_BINARY,
                                        {"--data_dir=" + dir, "--metrics_port=0"});
    EXPECT_TRUE(records.ok()) << records.status();
    auto stub = rv1::RecordsService::NewStub(
        grpc::CreateChannel((*records)->address(), grpc::InsecureChannelCredentials()));
    rv1::CreateOrganizationRequest org;
    org.set_organization_id("hq");
    org.mutable_organization()->set_code("HQ");
    org.mutable_organization()->set_display_name("Đảng bộ");
    org.mutable_organization()->mutable_valid_from()->set_year(2015);
    org.mutable_organization()->mutable_valid_from()->set_month(1);
    org.mutable_organization()->mutable_valid_from()->set_day(1);
    grpc::ClientContext context;
    rv1::Organization out;
    EXPECT_TRUE(stub->CreateOrganization(&context, org, &out).ok());
    EXPECT_EQ((*records)->Stop(SIGTERM), 0);
    return dir;
  }

  std::string AnalyticsDir() {
    const std::string dir = dir_.Sub("analytics");
    auto analytics = ServerProcess::Start(ANALYTICS_SERVER_BINARY,
                                          {"--data_dir=" + dir, "--metrics_port=0"});
    EXPECT_TRUE(analytics.ok()) << analytics.status();
    EXPECT_EQ((*analytics)->Stop(SIGTERM), 0);
    return dir;
  }

  // Starts `binary` on `dir`, expecting it to refuse; returns its message.
  static std::string Refusal(const char* binary, const std::string& dir) {
    auto server = ServerProcess::Start(binary, {"--data_dir=" + dir, "--metrics_port=0"},
                                       absl::Seconds(20));
    EXPECT_FALSE(server.ok()) << binary << " started on " << dir;
    return server.ok() ? "" : std::string(server.status().message());
  }

  TempDir dir_;
};

TEST_F(DataDirTest, AnalyticsRefusesRecordsDataAndChangesNothing) {
  const std::string dir = RecordsDir();
  const auto before = Snapshot(dir);
  const std::string message = Refusal(ANALYTICS_SERVER_BINARY, dir);
  EXPECT_THAT(message, HasSubstr("exited with status"));
  EXPECT_THAT(message, HasSubstr("is not an analytics database"));
  EXPECT_EQ(Snapshot(dir), before);
}

TEST_F(DataDirTest, RecordsRefusesAnalyticsDataAndChangesNothing) {
  const std::string dir = AnalyticsDir();
  const auto before = Snapshot(dir);
  const std::string message = Refusal(RECORDS_SERVER_BINARY, dir);
  EXPECT_THAT(message, HasSubstr(R"(belongs to service \"analytics\")"));
  EXPECT_EQ(Snapshot(dir), before);
}

TEST_F(DataDirTest, ACorruptDirectoryIsRefusedWithAClearMessageAndLeftAlone) {
  const std::string dir = RecordsDir();
  // Damage the manifest pointer: CURRENT names a MANIFEST that does not exist.
  std::ofstream(dir + "/CURRENT", std::ios::trunc) << "MANIFEST-999999\n";
  const auto before = Snapshot(dir);
  const std::string message = Refusal(RECORDS_SERVER_BINARY, dir);
  EXPECT_THAT(message, HasSubstr(dir));
  EXPECT_EQ(Snapshot(dir), before);
}

TEST_F(DataDirTest, ASecondServerOnADirectoryInUseIsRefusedAndTheFirstKeepsServing) {
  const std::string dir = RecordsDir();
  auto first = ServerProcess::Start(RECORDS_SERVER_BINARY, {"--data_dir=" + dir, "--metrics_port=0"});
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string message = Refusal(RECORDS_SERVER_BINARY, dir);
  EXPECT_THAT(message, HasSubstr("the data directory " + dir + " is in use by another process"));
  auto stub = rv1::RecordsService::NewStub(
      grpc::CreateChannel((*first)->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  rv1::GetOrganizationRequest get;
  get.set_name("organizations/hq");
  rv1::Organization org;
  EXPECT_TRUE(stub->GetOrganization(&context, get, &org).ok());
  EXPECT_EQ((*first)->Stop(SIGTERM), 0);
}

// Figures recorded before their indicator declared a value domain (a data directory from
// before domains existed, then the domain set): at open the writer reports each in its log
// and keeps serving them as recorded.
TEST(DataDirUpgradeTest, AnalyticsReportsStoredFiguresOutsideTheirValueDomainAtOpen) {
  TempDir dir;
  const std::string data = dir.Sub("analytics");
  auto first =
      ServerProcess::Start(ANALYTICS_SERVER_BINARY, {"--data_dir=" + data, "--metrics_port=0"});
  ASSERT_TRUE(first.ok()) << first.status();
  auto stub = av1::AnalyticsService::NewStub(
      grpc::CreateChannel((*first)->address(), grpc::InsecureChannelCredentials()));
  const auto call = [] {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return c;
  };
  av1::CreateIndicatorRequest create;
  create.set_parent("organizations/hq");
  create.set_indicator_id("enterprises");
  create.mutable_indicator()->set_display_name("Doanh nghiệp");
  create.mutable_indicator()->set_unit("count");
  create.mutable_indicator()->set_kind(av1::Indicator::STOCK);
  create.mutable_indicator()->set_direction(av1::Indicator::HIGHER_IS_BETTER);
  av1::Indicator indicator;
  ASSERT_TRUE(stub->CreateIndicator(call().get(), create, &indicator).ok());
  av1::RecordObservationsRequest record;
  record.set_parent("organizations/hq");
  record.set_csv(
      "indicator,year,actual\nenterprises,2014,-12\nenterprises,2015,1072.5\n"
      "enterprises,2016,1100\n");
  av1::RecordObservationsResponse recorded;
  ASSERT_TRUE(stub->RecordObservations(call().get(), record, &recorded).ok());
  ASSERT_EQ(recorded.written(), 3);
  av1::UpdateIndicatorRequest update;
  update.mutable_indicator()->set_name(indicator.name());
  update.mutable_indicator()->mutable_value_domain()->set_whole_number(true);
  update.mutable_indicator()->mutable_value_domain()->set_non_negative(true);
  update.mutable_update_mask()->add_paths("value_domain");
  ASSERT_TRUE(stub->UpdateIndicator(call().get(), update, &indicator).ok());
  ASSERT_EQ((*first)->Stop(SIGTERM), 0);

  auto second =
      ServerProcess::Start(ANALYTICS_SERVER_BINARY, {"--data_dir=" + data, "--metrics_port=0"});
  ASSERT_TRUE(second.ok()) << second.status();
  const std::string log = (*second)->Log();
  EXPECT_THAT(log, HasSubstr("observation outside its indicator's value domain"));
  EXPECT_THAT(log, HasSubstr("\"year\":2014,\"field\":\"actual\",\"rule\":\"must not be negative"));
  EXPECT_THAT(log,
              HasSubstr("\"year\":2015,\"field\":\"actual\",\"rule\":\"must be a whole number"));
  EXPECT_THAT(log, Not(HasSubstr("\"year\":2016,")));
  EXPECT_THAT(log, HasSubstr("\"observations\":2"));
  stub = av1::AnalyticsService::NewStub(
      grpc::CreateChannel((*second)->address(), grpc::InsecureChannelCredentials()));
  av1::ListObservationsRequest list;
  list.set_indicator(indicator.name());
  av1::ListObservationsResponse listed;
  ASSERT_TRUE(stub->ListObservations(call().get(), list, &listed).ok());
  ASSERT_EQ(listed.observations_size(), 3) << "nothing is dropped";
  EXPECT_EQ(listed.observations(0).actual().value(), "-12");
  EXPECT_EQ((*second)->Stop(SIGTERM), 0);
}

}  // namespace
