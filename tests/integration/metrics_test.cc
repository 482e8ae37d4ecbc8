// The /metrics endpoint of both real server binaries, scraped over HTTP like Prometheus does:
// request counters move with the calls made, the process metrics and each service's RocksDB
// statistics are there, and analytics reports its follower lag, back to zero once caught up.
// Idle and slow connections (that send nothing, or a request a byte at a time) neither starve
// a scrape nor stay open longer than their bound.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/process.h"
#include "tests/support/reflection_client.h"

namespace {

using ::testing::HasSubstr;
using testing_support::ServerProcess;
using testing_support::TempDir;

struct Binary {
  const char* name;
  const char* path;
};

std::ostream& operator<<(std::ostream& os, const Binary& b) { return os << b.name; }

using testing_support::Scrape;

Scrape Get(int port, const std::string& path) { return testing_support::ScrapeHttp(port, path); }

double Value(const std::string& body, const std::string& series) {
  return testing_support::SampleValue(body, series);
}

#define HEALTH_CHECK_LABELS \
  "grpc_type=\"unary\",grpc_service=\"grpc.health.v1.Health\",grpc_method=\"Check\""
const char kChecksStarted[] = "grpc_server_started_total{" HEALTH_CHECK_LABELS "}";
const char kChecksOk[] = "grpc_server_handled_total{" HEALTH_CHECK_LABELS ",grpc_code=\"OK\"}";
const char kChecksNotFound[] =
    "grpc_server_handled_total{" HEALTH_CHECK_LABELS ",grpc_code=\"NOT_FOUND\"}";
const char kCheckLatencyCount[] = "grpc_server_handling_seconds_count{" HEALTH_CHECK_LABELS "}";

// A TCP connection to 127.0.0.1:port (-1 on failure); closed by the caller.
int ConnectTo(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// True when the server closed `fd` (end of file or reset) within `timeout`; what it sent
// before is skipped.
bool ClosedByServerWithin(int fd, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 1))) <= 0) continue;
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return true;
  }
  return false;
}

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
  // Every call started has been handled: none in progress.
  EXPECT_EQ(Value(after.body, kChecksStarted), 4);
  // A server stream has its own grpc_type, so it stays out of the unary latency.
  EXPECT_EQ(Value(after.body,
                  "grpc_server_handling_seconds_count{grpc_type=\"server_stream\",grpc_service="
                  "\"grpc.health.v1.Health\",grpc_method=\"Watch\"}"),
            0);
  EXPECT_EQ(Value(after.body, "grpc_server_msg_received_total{" HEALTH_CHECK_LABELS "}"), 4);
}

TEST_P(MetricsEndpointTest, ServesTheTextFormatWithProcessMetricsAndBuildInfo) {
  const int port = StartServer();
  ASSERT_GT(port, 0);
  const Scrape scrape = Get(port, "/metrics");
  ASSERT_EQ(scrape.status, 200);
  EXPECT_THAT(scrape.content_type, HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(scrape.body, HasSubstr("# TYPE grpc_server_started_total counter\n"));
  EXPECT_THAT(scrape.body, HasSubstr("# TYPE grpc_server_handled_total counter\n"));
  EXPECT_THAT(scrape.body, HasSubstr("# TYPE grpc_server_handling_seconds histogram\n"));
  EXPECT_GT(Value(scrape.body, "process_resident_memory_bytes"), 1 << 20);
  EXPECT_GT(Value(scrape.body, "process_open_fds"), 2);
  EXPECT_GT(Value(scrape.body, "process_start_time_seconds"), 1.6e9);
  // The servers link jemalloc: its live heap and what it keeps resident.
  const double allocated = Value(scrape.body, "dangbo_heap_allocated_bytes");
  EXPECT_GT(allocated, 1 << 20);
  EXPECT_GE(Value(scrape.body, "dangbo_heap_resident_bytes"), allocated);
  EXPECT_GE(Value(scrape.body, "dangbo_heap_dirty_bytes"), 0);
  EXPECT_GE(Value(scrape.body, "dangbo_heap_thread_cache_bytes"), 0);
  EXPECT_LE(Value(scrape.body, "dangbo_heap_thread_cache_bytes"), allocated);
  EXPECT_THAT(scrape.body, HasSubstr("# TYPE dangbo_heap_muzzy_bytes gauge\n"));
  // Nobody watches the change stream yet.
  EXPECT_EQ(Value(scrape.body,
                  "dangbo_change_streams_open{service=\"" + std::string(GetParam().name) + "\"}"),
            0)
      << scrape.body;
  EXPECT_THAT(scrape.body,
              HasSubstr("dangbo_build_info{service=\"" + std::string(GetParam().name) + "\""));
  // The service's own methods are listed from the start.
  EXPECT_THAT(scrape.body,
              HasSubstr("grpc_service=\"dangbo." + std::string(GetParam().name) + ".v1."));
  EXPECT_EQ(Get(port, "/nothing-here").status, 404);
}

TEST_P(MetricsEndpointTest, ReportsTheRocksDbStatisticsOfItsStore) {
  const int port = StartServer({"--block_cache_mb=16"});
  ASSERT_GT(port, 0);
  const Scrape scrape = Get(port, "/metrics");
  ASSERT_EQ(scrape.status, 200);
  const std::string db = "{db=\"" + std::string(GetParam().name) + "\"}";
  const std::string default_cf = "{db=\"" + std::string(GetParam().name) + "\",cf=\"default\"}";
  // Sized from --block_cache_mb (the Kubernetes manifests derive it from the memory limit).
  EXPECT_EQ(Value(scrape.body, "dangbo_rocksdb_block_cache_capacity_bytes" + db), 16 << 20)
      << scrape.body;
  EXPECT_GE(Value(scrape.body, "dangbo_rocksdb_block_cache_usage_bytes" + db), 0);
  EXPECT_GE(Value(scrape.body, "dangbo_rocksdb_running_compactions" + db), 0);
  EXPECT_EQ(Value(scrape.body, "dangbo_rocksdb_background_errors" + db), 0);
  EXPECT_EQ(Value(scrape.body, "dangbo_rocksdb_write_stopped" + db), 0);
  for (const char* family :
       {"dangbo_rocksdb_sst_files_bytes", "dangbo_rocksdb_live_data_bytes",
        "dangbo_rocksdb_pending_compaction_bytes", "dangbo_rocksdb_memtable_bytes"}) {
    EXPECT_THAT(scrape.body, HasSubstr("# TYPE " + std::string(family) + " gauge\n"));
    EXPECT_GE(Value(scrape.body, family + default_cf), 0) << family;
  }
  // Statistics counters, read at scrape time.
  for (const char* counter :
       {"dangbo_rocksdb_block_cache_hits_total", "dangbo_rocksdb_block_cache_misses_total",
        "dangbo_rocksdb_read_bytes_total", "dangbo_rocksdb_written_bytes_total",
        "dangbo_rocksdb_stall_seconds_total", "dangbo_rocksdb_compaction_written_bytes_total"}) {
    EXPECT_THAT(scrape.body, HasSubstr("# TYPE " + std::string(counter) + " counter\n"));
    EXPECT_GE(Value(scrape.body, counter + db), 0) << counter;
  }
}

TEST_P(MetricsEndpointTest, MetricsPortZeroTurnsTheEndpointOff) {
  const int port = StartServer({"--metrics_port=0"});
  EXPECT_EQ(port, 0);  // no file written
  EXPECT_THAT(server_->Log(), HasSubstr("\"metrics_port\":0"));
}

// What made /metrics time out while gRPC was fine: many connections that send nothing, and
// some that send a request a byte at a time. A scrape still answers at once, and the slow
// connections are closed within their bound (deploy/OPERATIONS.md, "Metrics").
TEST_P(MetricsEndpointTest, IdleAndSlowConnectionsNeitherStarveAScrapeNorStayOpen) {
  const int port = StartServer();
  ASSERT_GT(port, 0);
  constexpr int kIdle = 64;
  constexpr int kDribbling = 16;
  std::vector<int> idle, dribbling;
  for (int i = 0; i < kIdle; ++i) {
    idle.push_back(ConnectTo(port));
    ASSERT_GE(idle.back(), 0);
  }
  for (int i = 0; i < kDribbling; ++i) {
    dribbling.push_back(ConnectTo(port));
    ASSERT_GE(dribbling.back(), 0);
  }
  // A never-ending request head, one byte every 200 ms on each connection.
  std::atomic<bool> stop{false};
  std::thread dribbler([&] {
    const std::string head = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    for (size_t i = 0; !stop.load(); ++i) {
      const char byte = i < head.size() ? head[i] : 'a';
      for (int fd : dribbling) (void)send(fd, &byte, 1, MSG_NOSIGNAL);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });

  for (int attempt = 0; attempt < 3; ++attempt) {
    SCOPED_TRACE(attempt);
    const auto start = std::chrono::steady_clock::now();
    const Scrape scrape = Get(port, "/metrics");
    const int64_t took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - start)
                                .count();
    EXPECT_EQ(scrape.status, 200);
    EXPECT_THAT(scrape.body, HasSubstr("# TYPE grpc_server_handled_total counter\n"));
    EXPECT_LT(took_ms, 2000) << "the scrape took " << took_ms << " ms";
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }

  // Each connection lives a bounded time, however slowly it sends.
  EXPECT_TRUE(ClosedByServerWithin(idle.front(), std::chrono::seconds(6)))
      << "an idle connection stayed open";
  EXPECT_TRUE(ClosedByServerWithin(dribbling.front(), std::chrono::seconds(6)))
      << "a connection sending a byte at a time stayed open";
  stop.store(true);
  dribbler.join();
  for (int fd : idle) close(fd);
  for (int fd : dribbling) close(fd);
  EXPECT_EQ(Get(port, "/metrics").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Services, MetricsEndpointTest,
                         ::testing::Values(Binary{"records", RECORDS_SERVER_BINARY},
                                           Binary{"analytics", ANALYTICS_SERVER_BINARY}),
                         [](const ::testing::TestParamInfo<Binary>& info) {
                           return std::string(info.param.name);
                         });

// analytics following records (both real binaries): the lag series are there from the start
// and come back to zero once analytics has applied everything records committed.
TEST(FollowerMetricsTest, LagComesBackToZeroOnceAnalyticsHasCaughtUp) {
  TempDir dir;
  auto records = ServerProcess::Start(RECORDS_SERVER_BINARY,
                                      {"--data_dir=" + dir.Sub("records"), "--metrics_port=0"});
  ASSERT_TRUE(records.ok()) << records.status();
  auto analytics = ServerProcess::Start(
      ANALYTICS_SERVER_BINARY,
      {"--data_dir=" + dir.Sub("analytics"), "--records_target=" + (*records)->address(),
       "--follower_max_backoff=500ms", "--metrics_port_file=" + dir.Sub("metrics_port")});
  ASSERT_TRUE(analytics.ok()) << analytics.status();
  int port = 0;
  std::ifstream(dir.Sub("metrics_port")) >> port;
  ASSERT_GT(port, 0);

  const Scrape first = Get(port, "/metrics");
  ASSERT_EQ(first.status, 200);
  for (const char* family :
       {"dangbo_follower_lag_events", "dangbo_follower_lag_seconds", "dangbo_follower_following",
        "dangbo_follower_last_applied_sequence", "dangbo_follower_source_head_sequence"}) {
    EXPECT_THAT(first.body, HasSubstr("# TYPE " + std::string(family) + " gauge\n"));
  }
  EXPECT_THAT(first.body, HasSubstr("# TYPE dangbo_follower_events_applied_total counter\n"));
  EXPECT_THAT(first.body, HasSubstr("dangbo_follower_state{state=\"CURRENT\"} "));

  // Three changes in records: an organization and two cells.
  testing_support::ReflectionClient client(
      grpc::CreateChannel((*records)->address(), grpc::InsecureChannelCredentials()));
  ASSERT_TRUE(client
                  .CallJson("dangbo.records.v1.RecordsService/CreateOrganization",
                            R"({"organizationId":"hq","organization":{"code":"HQLA",
                                "displayName":"Đảng bộ Cục Hải quan Long An",
                                "validFrom":{"year":2005,"month":1,"day":1}}})")
                  .ok());
  for (const char* cell : {"c1", "c2"}) {
    absl::StatusOr<std::string> created =
        client.CallJson("dangbo.records.v1.RecordsService/CreateCell",
                        std::string(R"({"parent":"organizations/hq","cellId":")") + cell +
                            R"(","cell":{"displayName":"Chi bộ )" + cell +
                            R"(","establishedDate":{"year":2005,"month":3,"day":1}}})");
    ASSERT_TRUE(created.ok()) << created.status();
  }
  absl::StatusOr<std::string> log =
      client.CallJson("dangbo.records.v1.RecordsService/GetChangeLogState", "{}");
  ASSERT_TRUE(log.ok()) << log.status();
  const std::string key = "\"lastSequence\":\"";
  const size_t at = log->find(key);
  ASSERT_NE(at, std::string::npos) << *log;
  const double head = std::stod(log->substr(at + key.size()));
  ASSERT_GE(head, 3);

  // Generous: the machine is shared; the follower applies within milliseconds when idle.
  Scrape caught_up;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    caught_up = Get(port, "/metrics");
    if (Value(caught_up.body, "dangbo_follower_last_applied_sequence") >= head &&
        Value(caught_up.body, "dangbo_follower_lag_seconds") == 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Value(caught_up.body, "dangbo_follower_last_applied_sequence"), head) << caught_up.body;
  EXPECT_EQ(Value(caught_up.body, "dangbo_follower_lag_events"), 0);
  EXPECT_EQ(Value(caught_up.body, "dangbo_follower_lag_seconds"), 0);
  EXPECT_EQ(Value(caught_up.body, "dangbo_follower_following"), 1);
  // A new follower on a new log streams every event from the start (no rebuild).
  EXPECT_EQ(Value(caught_up.body, "dangbo_follower_events_applied_total"), head);
  EXPECT_EQ(Value(caught_up.body, "dangbo_follower_rebuilds_total"), 0);

  // Records stops: analytics no longer follows, and its lag in seconds starts to grow.
  ASSERT_EQ((*records)->Stop(SIGTERM), 0);
  Scrape disconnected;
  const auto stop_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < stop_deadline) {
    disconnected = Get(port, "/metrics");
    if (Value(disconnected.body, "dangbo_follower_following") == 0 &&
        Value(disconnected.body, "dangbo_follower_lag_seconds") > 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Value(disconnected.body, "dangbo_follower_following"), 0) << disconnected.body;
  EXPECT_GT(Value(disconnected.body, "dangbo_follower_lag_seconds"), 0);
  EXPECT_EQ(Value(disconnected.body, "dangbo_follower_state{state=\"DISCONNECTED\"}"), 1);
}

}  // namespace
