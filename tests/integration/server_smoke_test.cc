// Both service binaries, started for real on loopback: health, reflection (as grpcurl uses
// it), configuration errors, a second instance on a locked data directory, and a clean
// SIGTERM shutdown after which the database reopens.
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "common/errors.h"
#include "common/store.h"
#include "google/rpc/error_details.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"
#include "tests/support/reflection_client.h"

namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::ReflectionClient;
using testing_support::ServerProcess;
using testing_support::TempDir;

struct Binary {
  const char* name;
  const char* path;
  const char* service;      // the service's full proto name
  const char* bad_method;   // a Get method ...
  const char* bad_request;  // ... with a malformed name
};

std::ostream& operator<<(std::ostream& os, const Binary& b) { return os << b.name; }

class ServerSmokeTest : public ::testing::TestWithParam<Binary> {
 protected:
  std::unique_ptr<ServerProcess> StartOrDie(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--data_dir=" + data_.Sub("db")};
    args.insert(args.end(), extra.begin(), extra.end());
    auto server = ServerProcess::Start(GetParam().path, args);
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? std::move(*server) : nullptr;
  }

  static std::shared_ptr<grpc::Channel> Connect(const ServerProcess& server) {
    return grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  }

  TempDir data_;
};

grpc::health::v1::HealthCheckResponse::ServingStatus Check(grpc::Channel* channel,
                                                           const std::string& service,
                                                           grpc::Status* status) {
  auto stub = grpc::health::v1::Health::NewStub(
      std::shared_ptr<grpc::Channel>(channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  *status = stub->Check(&context, request, &response);
  return response.status();
}

TEST_P(ServerSmokeTest, HealthReportsServing) {
  auto server = StartOrDie();
  ASSERT_NE(server, nullptr);
  auto channel = Connect(*server);
  grpc::Status status;
  for (const std::string& name : {std::string(), std::string(GetParam().service),
                                 std::string("liveness")}) {
    EXPECT_EQ(Check(channel.get(), name, &status),
              grpc::health::v1::HealthCheckResponse::SERVING)
        << "service \"" << name << "\"";
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  Check(channel.get(), "no.such.Service", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_P(ServerSmokeTest, ReflectionListsAndDescribesServices) {
  auto server = StartOrDie();
  ASSERT_NE(server, nullptr);
  ReflectionClient client(Connect(*server));
  auto services = client.ListServices();
  ASSERT_TRUE(services.ok()) << services.status();
  EXPECT_THAT(*services, Contains(std::string(GetParam().service)));
  EXPECT_THAT(*services, Contains(std::string("grpc.health.v1.Health")));
  EXPECT_THAT(*services, Contains(std::string("grpc.reflection.v1alpha.ServerReflection")));

  auto service = client.DescribeService(GetParam().service);
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_GT((*service)->method_count(), 0);
}

TEST_P(ServerSmokeTest, HealthIsDescribableAndCallableThroughReflection) {
  auto server = StartOrDie();
  ASSERT_NE(server, nullptr);
  ReflectionClient client(Connect(*server));
  auto health = client.DescribeService("grpc.health.v1.Health");
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_NE((*health)->FindMethodByName("Check"), nullptr);
  // What `grpcurl -plaintext ADDR grpc.health.v1.Health/Check` does.
  auto reply = client.CallJson("grpc.health.v1.Health/Check", "{}");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_THAT(*reply, HasSubstr("\"SERVING\""));
  reply = client.CallJson("grpc.health.v1.Health/Check",
                          std::string("{\"service\": \"") + GetParam().service + "\"}");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_THAT(*reply, HasSubstr("\"SERVING\""));
}

// What grpcurl shows of an error: the code, a message naming the field and the rule, and
// google.rpc.Status details (ErrorInfo with the service's domain, BadRequest).
TEST_P(ServerSmokeTest, ErrorsCarryErrorInfoAndBadRequestDetails) {
  auto server = StartOrDie();
  ASSERT_NE(server, nullptr);
  ReflectionClient client(Connect(*server));
  auto reply = client.CallJson(std::string(GetParam().service) + "/" + GetParam().bad_method,
                               GetParam().bad_request);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("name"));
  EXPECT_EQ(common::ErrorReason(reply.status()), "INVALID_ARGUMENT");
  google::rpc::ErrorInfo info;
  auto payload = reply.status().GetPayload(common::kErrorInfoTypeUrl);
  ASSERT_TRUE(payload.has_value());
  ASSERT_TRUE(info.ParseFromString(std::string(*payload)));
  EXPECT_EQ(info.domain(), std::string(GetParam().name) + ".dangbo.gov.vn");
  auto violations = common::FieldViolationsOf(reply.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].first, "name");
}

TEST_P(ServerSmokeTest, SigtermShutsDownCleanlyAndTheDatabaseReopens) {
  auto server = StartOrDie();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->Stop(SIGTERM), 0) << server->Log();
  EXPECT_THAT(server->Log(), HasSubstr("\"msg\":\"stopped\""));
  common::StoreOptions options;
  options.path = data_.Sub("db");
  options.create_if_missing = false;
  options.block_cache_bytes = 8 << 20;
  auto store = common::Store::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
}

TEST_P(ServerSmokeTest, SigintAlsoShutsDownCleanly) {
  auto server = StartOrDie();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->Stop(SIGINT), 0) << server->Log();
}

TEST_P(ServerSmokeTest, StartupLineNamesVersionAddressAndDataDir) {
  auto server = StartOrDie();
  ASSERT_NE(server, nullptr);
  const std::string log = server->Log();
  EXPECT_THAT(log, HasSubstr("\"msg\":\"serving\""));
  EXPECT_THAT(log, HasSubstr("\"version\":"));
  EXPECT_THAT(log, HasSubstr("\"data_dir\":\"" + data_.Sub("db") + "\""));
  EXPECT_THAT(log, HasSubstr("\"port\":" + std::to_string(server->port())));
}

TEST_P(ServerSmokeTest, SecondInstanceOnTheSameDataDirectoryFailsFast) {
  auto first = StartOrDie();
  ASSERT_NE(first, nullptr);
  auto second = ServerProcess::Start(GetParam().path, {"--data_dir=" + data_.Sub("db")});
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("lock"));
}

TEST_P(ServerSmokeTest, InvalidFlagValueFailsFastNamingTheFlag) {
  auto server = ServerProcess::Start(GetParam().path,
                                     {"--data_dir=" + data_.Sub("db"), "--log_level=loud"});
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("exited with status 2"));
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("--log_level"));
}

// The README says `--help` lists the flags; it printed "No flags matched".
TEST_P(ServerSmokeTest, HelpListsTheFlags) {
  FILE* pipe = popen((std::string(GetParam().path) + " --help 2>&1").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  pclose(pipe);
  EXPECT_THAT(out, Not(HasSubstr("No flags matched")));
  for (const char* flag : {"--data_dir", "--port", "--token_file", "--tls_cert", "--log_level",
                           "--page_token_key_file", "--metrics_port", "--memory_limit_mb",
                           "--block_cache_fraction", "--block_cache_mb"}) {
    EXPECT_THAT(out, HasSubstr(flag)) << out;
  }
  // Each service's own flags, with their help text.
  const std::vector<std::string> own =
      std::string(GetParam().name) == "records"
          ? std::vector<std::string>{"--backup_dir", "--backup_keep", "--backup_max_age",
                                     "--change_log_retention"}
          : std::vector<std::string>{"--records_target", "--role", "--writer_target"};
  for (const std::string& flag : own) {
    EXPECT_THAT(out, HasSubstr(flag + " (")) << out;
  }
}

// The benchmark's random targets live in its own servers (tests/bench/harness): the
// services' binaries have no bench flag.
TEST_P(ServerSmokeTest, CarriesNoBenchFlag) {
  FILE* pipe = popen((std::string(GetParam().path) + " --helpfull 2>&1").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  pclose(pipe);
  EXPECT_THAT(out, HasSubstr("--data_dir"));
  EXPECT_THAT(out, Not(HasSubstr("--bench"))) << out;
}

INSTANTIATE_TEST_SUITE_P(
    Services, ServerSmokeTest,
    ::testing::Values(Binary{"records", RECORDS_SERVER_BINARY, "dangbo.records.v1.RecordsService",
                             "GetOrganization", R"({"name": "bad/name"})"},
                      Binary{"analytics", ANALYTICS_SERVER_BINARY,
                             "dangbo.analytics.v1.AnalyticsService", "GetIndicator",
                             R"({"name": "x"})"}),
    [](const ::testing::TestParamInfo<Binary>& info) { return std::string(info.param.name); });

}  // namespace
