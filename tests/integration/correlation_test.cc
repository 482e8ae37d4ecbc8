// Request correlation on real servers on loopback (common/correlation.h): both binaries take
// x-request-id and traceparent, return the request id (generated when absent, replaced when
// malformed, the malformed text never logged), and log it with the principal on the call's
// `rpc` line; analytics passes ids on to records (its follower streams) and a read replica
// to the writer (forwarded writes).
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/correlation.h"
#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/server_interceptor.h"
#include "gtest/gtest.h"
#include "services/analytics/seed/seed_loader.h"
#include "tests/integration/analytics_support.h"
#include "tests/support/process.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::ServerProcess;
using testing_support::TempDir;

const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

struct Binary {
  const char* name;
  const char* path;
};

std::ostream& operator<<(std::ostream& os, const Binary& b) { return os << b.name; }

// The first line of `log` that contains every one of `parts`, or "".
std::string LineWith(const std::string& log, const std::vector<std::string>& parts) {
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    const std::string line = log.substr(start, end - start);
    bool all = true;
    for (const std::string& part : parts) all = all && line.find(part) != std::string::npos;
    if (all) return line;
    start = end + 1;
  }
  return "";
}

// Waits (logs are flushed within 100 ms) for a line of the process's log with every part.
std::string WaitForLine(const ServerProcess& process, const std::vector<std::string>& parts) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    std::string line = LineWith(process.Log(), parts);
    if (!line.empty()) return line;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "";
}

std::string InitialMetadata(const grpc::ClientContext& context, const std::string& key) {
  auto it = context.GetServerInitialMetadata().find(key);
  return it == context.GetServerInitialMetadata().end()
             ? ""
             : std::string(it->second.data(), it->second.size());
}

class CorrelationTest : public ::testing::TestWithParam<Binary> {
 protected:
  void SetUp() override {
    auto server = ServerProcess::Start(GetParam().path, {"--data_dir=" + dir_.Sub("db")});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
  }

  // A health check with `metadata`; returns the request id the server answered with.
  std::string HealthCheck(const std::vector<std::pair<std::string, std::string>>& metadata) {
    auto stub = grpc::health::v1::Health::NewStub(channel_);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
    grpc::health::v1::HealthCheckResponse response;
    EXPECT_TRUE(stub->Check(&context, {}, &response).ok());
    return InitialMetadata(context, common::kRequestIdHeader);
  }

  // A call to the service itself, in development mode naming its caller; returns the
  // request id the server answered with. The resource does not exist (NOT_FOUND).
  std::string ServiceCall(const std::string& principal, const std::string& request_id) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    context.AddMetadata("x-dangbo-principal", principal);
    context.AddMetadata(common::kRequestIdHeader, request_id);
    grpc::Status status;
    if (std::string(GetParam().name) == "records") {
      auto stub = dangbo::records::v1::RecordsService::NewStub(channel_);
      dangbo::records::v1::GetOrganizationRequest request;
      request.set_name("organizations/no-such-organization");
      dangbo::records::v1::Organization response;
      status = stub->GetOrganization(&context, request, &response);
    } else {
      auto stub = dangbo::analytics::v1::AnalyticsService::NewStub(channel_);
      dangbo::analytics::v1::GetIndicatorRequest request;
      request.set_name("organizations/no-such-organization/indicators/none");
      dangbo::analytics::v1::Indicator response;
      status = stub->GetIndicator(&context, request, &response);
    }
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
    return InitialMetadata(context, common::kRequestIdHeader);
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_P(CorrelationTest, TheCallersRequestIdIsReturnedAndLogged) {
  EXPECT_EQ(HealthCheck({{"x-request-id", "order-7f3a.2"}}), "order-7f3a.2");
  const std::string line = WaitForLine(*server_, {"\"msg\":\"rpc\"", "order-7f3a.2"});
  EXPECT_THAT(line, HasSubstr("\"request_id\":\"order-7f3a.2\"")) << server_->Log();
  EXPECT_THAT(line, HasSubstr("\"request_id_replaced\":false"));
}

TEST_P(CorrelationTest, ARequestIdIsGeneratedWhenAbsent) {
  const std::string first = HealthCheck({});
  const std::string second = HealthCheck({});
  EXPECT_TRUE(std::regex_match(first, kUuid)) << first;
  EXPECT_TRUE(std::regex_match(second, kUuid)) << second;
  EXPECT_NE(first, second);
  EXPECT_THAT(WaitForLine(*server_, {"\"msg\":\"rpc\"", "\"request_id\":\"" + first + "\""}),
              Not(""));
}

// Hostile ids (too long, quotes, markup) are replaced by a generated one and never echoed
// or logged.
TEST_P(CorrelationTest, AMalformedRequestIdIsReplacedAndNeverEchoed) {
  for (const std::string& hostile :
       {std::string(200, 'a'), std::string("evil\"},{\"level\":\"ERROR"),
        std::string("<script>alert(1)</script>"), std::string("two words")}) {
    SCOPED_TRACE(hostile);
    const std::string answered = HealthCheck({{"x-request-id", hostile}});
    EXPECT_TRUE(std::regex_match(answered, kUuid)) << answered;
    const std::string line =
        WaitForLine(*server_, {"\"msg\":\"rpc\"", "\"request_id\":\"" + answered + "\""});
    EXPECT_THAT(line, HasSubstr("\"request_id_replaced\":true"));
  }
  const std::string log = server_->Log();
  EXPECT_THAT(log, Not(HasSubstr(std::string(200, 'a'))));
  EXPECT_THAT(log, Not(HasSubstr("evil")));
  EXPECT_THAT(log, Not(HasSubstr("<script>")));
  EXPECT_THAT(log, Not(HasSubstr("two words")));
}

TEST_P(CorrelationTest, TheRpcLineNamesThePrincipalAndTheTrace) {
  EXPECT_EQ(ServiceCall("ops-alice", "req-principal-1"), "req-principal-1");
  const std::string line = WaitForLine(*server_, {"\"msg\":\"rpc\"", "req-principal-1"});
  EXPECT_THAT(line, HasSubstr("\"principal\":\"ops-alice\"")) << server_->Log();
  EXPECT_THAT(line, HasSubstr("\"code\":\"NOT_FOUND\""));
  EXPECT_THAT(line, HasSubstr("\"trace_id\":\""));

  // A caller's W3C trace context: its trace id is logged.
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  HealthCheck(
      {{"traceparent", "00-" + trace + "-00f067aa0ba902b7-01"}, {"x-request-id", "req-trace-1"}});
  EXPECT_THAT(WaitForLine(*server_, {"\"msg\":\"rpc\"", "req-trace-1"}),
              HasSubstr("\"trace_id\":\"" + trace + "\""));
  // A malformed one starts a new trace and is not logged.
  HealthCheck({{"traceparent", "00-NOT-A-TRACE-zz"}, {"x-request-id", "req-trace-2"}});
  const std::string replaced = WaitForLine(*server_, {"\"msg\":\"rpc\"", "req-trace-2"});
  EXPECT_TRUE(std::regex_search(replaced, std::regex("\"trace_id\":\"[0-9a-f]{32}\""))) << replaced;
  EXPECT_THAT(server_->Log(), Not(HasSubstr("NOT-A-TRACE")));
}

INSTANTIATE_TEST_SUITE_P(Services, CorrelationTest,
                         ::testing::Values(Binary{"records", RECORDS_SERVER_BINARY},
                                           Binary{"analytics", ANALYTICS_SERVER_BINARY}),
                         [](const ::testing::TestParamInfo<Binary>& info) {
                           return std::string(info.param.name);
                         });

// gRPC's own log lines (here its API trace, turned on by the environment) are JSON lines of
// the service's log like every other, from the first one on.
TEST(GrpcLogTest, GrpcsOwnLinesAreJson) {
  TempDir dir;
  setenv("GRPC_VERBOSITY", "DEBUG", 1);
  setenv("GRPC_TRACE", "api", 1);
  auto records = ServerProcess::Start(RECORDS_SERVER_BINARY, {"--data_dir=" + dir.Sub("r")});
  unsetenv("GRPC_VERBOSITY");
  unsetenv("GRPC_TRACE");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_EQ((*records)->Stop(SIGTERM), 0);
  const std::string log = (*records)->Log();
  EXPECT_THAT(LineWith(log, {"\"msg\":\"grpc\"", "\"detail\":\"grpc_init"}), Not(""))
      << log.substr(0, 2000);
  size_t start = 0;
  int lines = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    const std::string line = log.substr(start, end - start);
    EXPECT_TRUE(line.empty() || (line.front() == '{' && line.back() == '}')) << line;
    ++lines;
    start = end + 1;
  }
  EXPECT_GT(lines, 10);
}

// analytics follows records with an id of its own per stream: records' rpc line of the
// WatchChangeBatches stream carries the id analytics logged when it opened the stream.
TEST(FollowerCorrelationTest, RecordsLogsTheStreamWithTheIdAnalyticsSent) {
  TempDir dir;
  auto records = ServerProcess::Start(RECORDS_SERVER_BINARY, {"--data_dir=" + dir.Sub("r")});
  ASSERT_TRUE(records.ok()) << records.status();
  auto analytics = ServerProcess::Start(
      ANALYTICS_SERVER_BINARY,
      {"--data_dir=" + dir.Sub("a"), "--records_target=" + (*records)->address()});
  ASSERT_TRUE(analytics.ok()) << analytics.status();
  const std::string opened = WaitForLine(**analytics, {"follower: stream opened"});
  std::smatch id;
  ASSERT_TRUE(std::regex_search(opened, id, std::regex("\"request_id\":\"([0-9a-f-]{36})\"")))
      << (*analytics)->Log();
  EXPECT_EQ((*analytics)->Stop(SIGTERM), 0);  // ends the stream
  const std::string line = WaitForLine(**records, {"\"msg\":\"rpc\"", "WatchChangeBatches",
                                                   "\"request_id\":\"" + id[1].str() + "\""});
  EXPECT_THAT(line, Not("")) << (*records)->Log();
}

// A read replica forwards a write to the writer with the caller's request id and trace (a new
// parent id), as a child of the caller's call.
class MetadataRecorder : public grpc::experimental::Interceptor {
 public:
  MetadataRecorder(grpc::experimental::ServerRpcInfo* info, absl::Mutex* mu,
                   std::vector<std::pair<std::string, std::string>>* seen)
      : info_(info), mu_(mu), seen_(seen) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::POST_RECV_INITIAL_METADATA) &&
        std::string(info_->method()).find("CreateIndicator") != std::string::npos) {
      const auto& metadata = *methods->GetRecvInitialMetadata();
      auto get = [&](const char* key) {
        auto it = metadata.find(key);
        return it == metadata.end() ? std::string()
                                    : std::string(it->second.data(), it->second.size());
      };
      absl::MutexLock lock(mu_);
      seen_->emplace_back(get(common::kRequestIdHeader), get(common::kTraceparentHeader));
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  absl::Mutex* mu_;
  std::vector<std::pair<std::string, std::string>>* seen_;
};

class MetadataRecorderFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  MetadataRecorderFactory(absl::Mutex* mu, std::vector<std::pair<std::string, std::string>>* seen)
      : mu_(mu), seen_(seen) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetadataRecorder(info, mu_, seen_);
  }

 private:
  absl::Mutex* mu_;
  std::vector<std::pair<std::string, std::string>>* seen_;
};

TEST(ForwardCorrelationTest, AReplicaPassesTheRequestIdAndTraceToTheWriter) {
  TempDir dir;
  absl::Mutex mu;
  std::vector<std::pair<std::string, std::string>> seen;
  common::InterceptorFactories interceptors;
  interceptors.push_back(std::make_unique<MetadataRecorderFactory>(&mu, &seen));
  auto writer = analytics::AnalyticsServer::Start(analytics_testing::TestConfig(dir.Sub("writer")),
                                                  std::move(interceptors));
  ASSERT_TRUE(writer.ok()) << writer.status();
  auto writer_stub = analytics_testing::Connect((*writer)->port());
  analytics::seed::SeedReport report;
  ASSERT_TRUE(analytics::seed::LoadSeed(*writer_stub, &report).ok());
  auto replica = analytics_testing::StartReplica(dir.Sub("replica"),
                                                 absl::StrCat("127.0.0.1:", (*writer)->port()));
  ASSERT_NE(replica, nullptr);
  auto replica_stub = analytics_testing::Connect(replica->port());
  {
    absl::MutexLock lock(&mu);
    seen.clear();  // the seed's own calls
  }

  const std::string trace = "0af7651916cd43dd8448eb211c80319c";
  const std::string caller_parent = "b7ad6b7169203331";
  std::unique_ptr<grpc::ClientContext> context = analytics_testing::Context();
  context->AddMetadata(common::kRequestIdHeader, "fwd-req-42");
  context->AddMetadata(common::kTraceparentHeader, "00-" + trace + "-" + caller_parent + "-01");
  dangbo::analytics::v1::Indicator created;
  grpc::Status s = replica_stub->CreateIndicator(
      context.get(), analytics_testing::NewIndicator("forwarded-one"), &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(InitialMetadata(*context, common::kRequestIdHeader), "fwd-req-42");

  absl::MutexLock lock(&mu);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, "fwd-req-42");
  std::optional<common::TraceContext> forwarded = common::ParseTraceparent(seen[0].second);
  ASSERT_TRUE(forwarded.has_value()) << seen[0].second;
  EXPECT_EQ(forwarded->trace_id, trace);
  EXPECT_NE(forwarded->parent_id, caller_parent);
  EXPECT_EQ(forwarded->flags, "01");
}

}  // namespace
