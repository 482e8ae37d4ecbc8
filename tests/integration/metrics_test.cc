// The /metrics endpoint of both real server binaries, scraped over HTTP like Prometheus does:
// request counters move with the calls made, and the process metrics are there.
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/support/process.h"

namespace {

using ::testing::HasSubstr;
using testing_support::ServerProcess;
using testing_support::TempDir;

struct Binary {
  const char* name;
  const char* path;
};

std::ostream& operator<<(std::ostream& os, const Binary& b) { return os << b.name; }

struct Scrape {
  int status = 0;
  std::string content_type;
  std::string body;
};

Scrape Get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(5, 0);
  Scrape scrape;
  if (auto response = client.Get(path.c_str())) {
    scrape.status = response->status;
    scrape.content_type = response->get_header_value("Content-Type");
    scrape.body = response->body;
  }
  return scrape;
}

// The value of the sample `series` (name{labels}) in a scrape, or -1 when absent.
double Value(const std::string& body, const std::string& series) {
  const std::string prefix = series + " ";
  size_t at = 0;
  while ((at = body.find(prefix, at)) != std::string::npos) {
    if (at == 0 || body[at - 1] == '\n') {
      return std::stod(body.substr(at + prefix.size()));
    }
    at += prefix.size();
  }
  return -1;
}

const char kChecksOk[] =
    "dangbo_grpc_requests_total{service=\"grpc.health.v1.Health\",method=\"Check\",code=\"OK\"}";
const char kChecksNotFound[] =
    "dangbo_grpc_requests_total{service=\"grpc.health.v1.Health\",method=\"Check\","
    "code=\"NOT_FOUND\"}";
const char kCheckLatencyCount[] =
    "dangbo_grpc_request_duration_seconds_count{service=\"grpc.health.v1.Health\","
    "method=\"Check\"}";

class MetricsEndpointTest : public ::testing::TestWithParam<Binary> {
 protected:
  // Starts the binary on free ports; returns the bound metrics port (from --metrics_port_file).
  int StartServer(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--data_dir=" + dir_.Sub("db"),
                                     "--metrics_port_file=" + dir_.Sub("metrics_port")};
    args.insert(args.end(), extra.begin(), extra.end());
    auto server = ServerProcess::Start(GetParam().path, args);
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) {
      return 0;
    }
    server_ = std::move(*server);
    std::ifstream in(dir_.Sub("metrics_port"));
    int port = 0;
    in >> port;
    return port;
  }

  void HealthCheck(const std::string& service, grpc::StatusCode want) {
    auto stub = grpc::health::v1::Health::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    EXPECT_EQ(stub->Check(&context, request, &response).error_code(), want);
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(MetricsEndpointTest, RequestCountersMoveWithTheCallsMade) {
  const int port = StartServer();
  ASSERT_GT(port, 0);
  ASSERT_NE(port, server_->port());
  EXPECT_THAT(server_->Log(), HasSubstr("\"metrics_port\":" + std::to_string(port)));

  const Scrape before = Get(port, "/metrics");
  ASSERT_EQ(before.status, 200);
  // Prepared at startup: the series exist at zero before any call.
  EXPECT_EQ(Value(before.body, kChecksOk), 0) << before.body;
  EXPECT_EQ(Value(before.body, kChecksNotFound), -1);

  for (int i = 0; i < 3; ++i) {
    HealthCheck("", grpc::StatusCode::OK);
  }
  HealthCheck("no.such.Service", grpc::StatusCode::NOT_FOUND);

  const Scrape after = Get(port, "/metrics");
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(Value(after.body, kChecksOk), 3) << after.body;
  EXPECT_EQ(Value(after.body, kChecksNotFound), 1);
  EXPECT_EQ(Value(after.body, kCheckLatencyCount), 4);
  EXPECT_EQ(Value(after.body,
                  "dangbo_grpc_requests_in_flight{service=\"grpc.health.v1.Health\","
                  "method=\"Check\"}"),
            0);
}

TEST_P(MetricsEndpointTest, ServesTheTextFormatWithProcessMetricsAndBuildInfo) {
  const int port = StartServer();
  ASSERT_GT(port, 0);
  const Scrape scrape = Get(port, "/metrics");
  ASSERT_EQ(scrape.status, 200);
  EXPECT_THAT(scrape.content_type, HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(scrape.body, HasSubstr("# TYPE dangbo_grpc_requests_total counter\n"));
  EXPECT_THAT(scrape.body, HasSubstr("# TYPE dangbo_grpc_request_duration_seconds histogram\n"));
  EXPECT_GT(Value(scrape.body, "process_resident_memory_bytes"), 1 << 20);
  EXPECT_GT(Value(scrape.body, "process_open_fds"), 2);
  EXPECT_GT(Value(scrape.body, "process_start_time_seconds"), 1.6e9);
  EXPECT_THAT(scrape.body,
              HasSubstr("dangbo_build_info{service=\"" + std::string(GetParam().name) + "\""));
  // The service's own methods are listed from the start.
  EXPECT_THAT(scrape.body, HasSubstr("service=\"dangbo." + std::string(GetParam().name) + ".v1."));
  EXPECT_EQ(Get(port, "/nothing-here").status, 404);
}

TEST_P(MetricsEndpointTest, MetricsPortZeroTurnsTheEndpointOff) {
  const int port = StartServer({"--metrics_port=0"});
  EXPECT_EQ(port, 0);  // no file written
  EXPECT_THAT(server_->Log(), HasSubstr("\"metrics_port\":0"));
}

INSTANTIATE_TEST_SUITE_P(Services, MetricsEndpointTest,
                         ::testing::Values(Binary{"records", RECORDS_SERVER_BINARY},
                                           Binary{"analytics", ANALYTICS_SERVER_BINARY}),
                         [](const ::testing::TestParamInfo<Binary>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
