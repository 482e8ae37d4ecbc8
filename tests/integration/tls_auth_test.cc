// Transport security and authentication with real TLS on loopback, both real binaries:
// records requires client certificates from the development CA (mTLS) and analytics follows
// it over mTLS; a client with a certificate from another CA, or none, is refused at the
// handshake; analytics checks bearer tokens (none, wrong, too weak, removed after start) and
// writes nothing for a refused call; the plaintext health port answers probes only.
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth.h"
#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace {

namespace rv1 = ::dangbo::records::v1;
namespace av1 = ::dangbo::analytics::v1;
using testing_support::ServerProcess;
using testing_support::TempDir;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAtomically(const std::string& path, const std::string& text) {
  std::ofstream(path + ".tmp") << text;
  ASSERT_EQ(std::rename((path + ".tmp").c_str(), path.c_str()), 0);
}

// The token of `principal` from dev-certs.sh's tokens.plain ("principal role token").
std::string TokenOf(const std::string& certs, const std::string& principal) {
  std::istringstream lines(Read(certs + "/tokens.plain"));
  std::string name, role, token;
  while (lines >> name >> role >> token) {
    if (name == principal) return token;
  }
  return "";
}

std::shared_ptr<grpc::ChannelCredentials> Tls(const std::string& ca, const std::string& cert = "",
                                              const std::string& key = "") {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = Read(ca);
  if (!cert.empty()) {
    options.pem_cert_chain = Read(cert);
    options.pem_private_key = Read(key);
  }
  return grpc::SslCredentials(options);
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& token = "") {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) c->AddMetadata("authorization", "Bearer " + token);
  return c;
}

class TlsAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new TempDir();
    other_ = new TempDir();
    const std::string script = std::string(PROJECT_SOURCE_DIR) + "/deploy/dev-certs.sh";
    ASSERT_EQ(std::system((script + " " + certs_->path() + " >/dev/null").c_str()), 0);
    // A second, unrelated CA with its own client certificate.
    ASSERT_EQ(std::system((script + " " + other_->path() + " >/dev/null").c_str()), 0);
  }
  static void TearDownTestSuite() {
    delete certs_;
    delete other_;
  }

  void SetUp() override {
    const std::string c = certs_->path();
    auto records = ServerProcess::Start(
        RECORDS_SERVER_BINARY,
        {"--data_dir=" + dir_.Sub("records"), "--sync_writes=false", "--metrics_port=0",
         "--tls_cert=" + c + "/records.pem", "--tls_key=" + c + "/records.key",
         "--tls_client_ca=" + c + "/ca.pem", "--token_file=" + c + "/tokens"});
    ASSERT_TRUE(records.ok()) << records.status();
    records_ = std::move(*records);
    tokens_ = dir_.Sub("analytics-tokens");
    WriteAtomically(tokens_, Read(c + "/tokens"));
    WriteAtomically(dir_.Sub("service-token"), TokenOf(c, "analytics") + "\n");
    auto analytics = ServerProcess::Start(
        ANALYTICS_SERVER_BINARY,
        {"--data_dir=" + dir_.Sub("analytics"), "--sync_writes=false", "--metrics_port=0",
         "--tls_cert=" + c + "/analytics.pem", "--tls_key=" + c + "/analytics.key",
         "--token_file=" + tokens_, "--health_port=0", "--reflection=true",
         "--records_target=" + records_->address(), "--records_tls_ca=" + c + "/ca.pem",
         "--records_tls_cert=" + c + "/analytics-client.pem",
         "--records_tls_key=" + c + "/analytics-client.key",
         "--records_token_file=" + dir_.Sub("service-token"), "--follower_max_backoff=500ms"});
    ASSERT_TRUE(analytics.ok()) << analytics.status();
    analytics_ = std::move(*analytics);
  }

  std::unique_ptr<rv1::RecordsService::Stub> RecordsAsOperator() {
    const std::string c = certs_->path();
    return rv1::RecordsService::NewStub(grpc::CreateChannel(
        records_->address(), Tls(c + "/ca.pem", c + "/operator.pem", c + "/operator.key")));
  }
  std::unique_ptr<av1::AnalyticsService::Stub> Analytics() {
    return av1::AnalyticsService::NewStub(
        grpc::CreateChannel(analytics_->address(), Tls(certs_->path() + "/ca.pem")));
  }

  static av1::CreateIndicatorRequest NewIndicator(const std::string& id) {
    av1::CreateIndicatorRequest req;
    req.set_parent("organizations/hq");
    req.set_indicator_id(id);
    req.mutable_indicator()->set_display_name("Thu ngân sách");
    req.mutable_indicator()->set_unit("billion_vnd");
    req.mutable_indicator()->set_kind(av1::Indicator::FLOW);
    req.mutable_indicator()->set_direction(av1::Indicator::HIGHER_IS_BETTER);
    return req;
  }

  bool IndicatorExists(av1::AnalyticsService::Stub* stub, const std::string& id) {
    av1::GetIndicatorRequest req;
    req.set_name("organizations/hq/indicators/" + id);
    av1::Indicator out;
    grpc::Status s = stub->GetIndicator(Context(TokenOf(certs_->path(), "ops-admin")).get(), req,
                                        &out);
    EXPECT_TRUE(s.ok() || s.error_code() == grpc::StatusCode::NOT_FOUND) << s.error_message();
    return s.ok();
  }

  static TempDir* certs_;
  static TempDir* other_;
  TempDir dir_;
  std::string tokens_;
  std::unique_ptr<ServerProcess> records_;
  std::unique_ptr<ServerProcess> analytics_;
};

TempDir* TlsAuthTest::certs_ = nullptr;
TempDir* TlsAuthTest::other_ = nullptr;

TEST_F(TlsAuthTest, AnalyticsFollowsRecordsOverMutualTls) {
  auto records = RecordsAsOperator();
  rv1::CreateOrganizationRequest org;
  org.set_organization_id("hq");
  org.mutable_organization()->set_code("HQ");
  org.mutable_organization()->set_display_name("Đảng bộ Cục Hải quan Long An");
  org.mutable_organization()->mutable_valid_from()->set_year(2015);
  org.mutable_organization()->mutable_valid_from()->set_month(1);
  org.mutable_organization()->mutable_valid_from()->set_day(1);
  rv1::Organization created;
  grpc::Status s = records->CreateOrganization(
      Context(TokenOf(certs_->path(), "ops-admin")).get(), org, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();

  auto analytics = Analytics();
  const std::string viewer = TokenOf(certs_->path(), "ops-viewer");
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  uint64_t applied = 0;
  while (applied < 1 && absl::Now() < deadline) {
    av1::GetFollowerStatusResponse status;
    if (analytics->GetFollowerStatus(Context(viewer).get(), {}, &status).ok()) {
      applied = status.freshness().last_applied_sequence();
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_GE(applied, 1u) << analytics_->Log();
}

TEST_F(TlsAuthTest, RecordsRefusesClientsWithoutACertificateFromItsCa) {
  const std::string other = other_->path();
  // A certificate signed by another CA (the server itself is trusted: same root as records).
  auto stranger = rv1::RecordsService::NewStub(grpc::CreateChannel(
      records_->address(), Tls(certs_->path() + "/ca.pem", other + "/operator.pem",
                               other + "/operator.key")));
  rv1::GetChangeLogStateResponse out;
  grpc::Status s = stranger->GetChangeLogState(Context().get(), {}, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  // No certificate at all.
  auto anonymous = rv1::RecordsService::NewStub(
      grpc::CreateChannel(records_->address(), Tls(certs_->path() + "/ca.pem")));
  s = anonymous->GetChangeLogState(Context().get(), {}, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  // Plaintext.
  auto plaintext = rv1::RecordsService::NewStub(
      grpc::CreateChannel(records_->address(), grpc::InsecureChannelCredentials()));
  s = plaintext->GetChangeLogState(Context().get(), {}, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  // The right certificate (and a token) works.
  s = RecordsAsOperator()->GetChangeLogState(
      Context(TokenOf(certs_->path(), "ops-viewer")).get(), {}, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(TlsAuthTest, RecordsOverTlsRefusesMissingWrongAndWeakTokensAndWritesNothing) {
  auto records = RecordsAsOperator();
  rv1::CreateOrganizationRequest org;
  org.set_organization_id("refused");
  org.mutable_organization()->set_code("REF");
  org.mutable_organization()->set_display_name("Đảng bộ thử");
  org.mutable_organization()->mutable_valid_from()->set_year(2015);
  org.mutable_organization()->mutable_valid_from()->set_month(1);
  org.mutable_organization()->mutable_valid_from()->set_day(1);
  rv1::Organization out;
  grpc::Status s = records->CreateOrganization(Context().get(), org, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  s = records->CreateOrganization(Context("wrong").get(), org, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  s = records->CreateOrganization(Context(TokenOf(certs_->path(), "ops-viewer")).get(), org,
                                  &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  rv1::GetOrganizationRequest get;
  get.set_name("organizations/refused");
  s = records->GetOrganization(Context(TokenOf(certs_->path(), "ops-admin")).get(), get, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  rv1::GetChangeLogStateResponse state;
  s = records->GetChangeLogState(Context(TokenOf(certs_->path(), "ops-admin")).get(), {}, &state);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(state.last_sequence(), 0u);
}

TEST_F(TlsAuthTest, AnalyticsRefusesMissingWrongAndWeakTokensAndWritesNothing) {
  auto analytics = Analytics();
  av1::Indicator out;
  grpc::Status s = analytics->CreateIndicator(Context().get(), NewIndicator("a"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(s.error_message(), "missing or invalid credentials");
  s = analytics->CreateIndicator(Context("not-a-token").get(), NewIndicator("b"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  s = analytics->CreateIndicator(Context(TokenOf(certs_->path(), "ops-viewer")).get(),
                                 NewIndicator("c"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  for (const char* id : {"a", "b", "c"}) {
    EXPECT_FALSE(IndicatorExists(analytics.get(), id)) << id;
  }
  s = analytics->CreateIndicator(Context(TokenOf(certs_->path(), "ops-editor")).get(),
                                 NewIndicator("d"), &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(IndicatorExists(analytics.get(), "d"));
}

TEST_F(TlsAuthTest, ATokenRemovedFromTheFileAfterStartIsRefused) {
  auto analytics = Analytics();
  const std::string editor = TokenOf(certs_->path(), "ops-editor");
  av1::ListIndicatorsRequest list;
  list.set_parent("organizations/hq");
  av1::ListIndicatorsResponse listed;
  ASSERT_TRUE(analytics->ListIndicators(Context(editor).get(), list, &listed).ok());
  // Keep every line but the editor's.
  std::istringstream lines(Read(tokens_));
  std::string line, kept;
  while (std::getline(lines, line)) {
    if (line.find(" ops-editor ") == std::string::npos) kept += line + "\n";
  }
  WriteAtomically(tokens_, kept);
  absl::SleepFor(absl::Milliseconds(1100));  // the file is looked at once a second
  av1::Indicator out;
  grpc::Status s = analytics->CreateIndicator(Context(editor).get(), NewIndicator("late"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_FALSE(IndicatorExists(analytics.get(), "late"));
}

TEST_F(TlsAuthTest, ThePlaintextHealthPortAnswersProbesOnly) {
  std::smatch match;
  const std::string log = analytics_->Log();
  ASSERT_TRUE(std::regex_search(log, match, std::regex("\"health_port\":([0-9]+)"))) << log;
  const std::string address = "127.0.0.1:" + match[1].str();
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status s = health->Check(Context().get(), {}, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  // The service itself refuses calls that did not come over TLS, even with a valid token.
  auto analytics = av1::AnalyticsService::NewStub(channel);
  av1::GetFollowerStatusResponse status;
  s = analytics->GetFollowerStatus(Context(TokenOf(certs_->path(), "ops-admin")).get(), {},
                                   &status);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
}

}  // namespace
