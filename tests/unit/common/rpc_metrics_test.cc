// gRPC request metrics: per-method series, bounded cardinality, exact counts under
// concurrency.
#include "common/rpc_metrics.h"

#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.pb.h"
#include "gtest/gtest.h"

namespace common {
namespace {

using ::testing::HasSubstr;

TEST(RpcMetricsTest, PreparedServiceHasZeroSeriesForEveryMethod) {
  MetricsRegistry registry;
  RpcMetrics metrics(&registry);
  (void)grpc::health::v1::HealthCheckRequest::descriptor();  // link it into the pool
  metrics.PrepareService("grpc.health.v1.Health");
  metrics.PrepareService("no.such.Service");  // ignored
  const std::string text = registry.Render();
  // The type comes from the descriptor: Watch is a server stream.
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_type=\"unary\",grpc_service=\"grpc."
                              "health.v1.Health\",grpc_method=\"Check\",grpc_code=\"OK\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_type=\"server_stream\",grpc_service="
                              "\"grpc.health.v1.Health\",grpc_method=\"Watch\",grpc_code=\"OK\"} "
                              "0\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_count{grpc_type=\"unary\",grpc_service"
                              "=\"grpc.health.v1.Health\",grpc_method=\"Check\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{grpc_type=\"unary\",grpc_service=\"grpc."
                              "health.v1.Health\",grpc_method=\"Check\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE grpc_server_msg_received_total counter\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE grpc_server_msg_sent_total counter\n"));
}

TEST(RpcMetricsTest, SplitsServiceAndMethodAndCountsByCode) {
  MetricsRegistry registry;
  RpcMetrics metrics(&registry);
  RpcMetrics::MethodStats* stats = metrics.ForMethod("/dangbo.records.v1.RecordsService/GetMember");
  EXPECT_EQ(stats->service, "dangbo.records.v1.RecordsService");
  EXPECT_EQ(stats->method, "GetMember");
  EXPECT_EQ(metrics.ForMethod("/dangbo.records.v1.RecordsService/GetMember"), stats);
  stats->started += 3;
  stats->codes[grpc::StatusCode::NOT_FOUND] += 2;
  stats->duration.Observe(0.003);
  EXPECT_EQ(stats->InFlight(), 1);
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("grpc_method=\"GetMember\",grpc_code=\"NOT_FOUND\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("grpc_method=\"GetMember\",grpc_code=\"OK\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("grpc_method=\"GetMember\",le=\"0.0025\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("grpc_method=\"GetMember\",le=\"0.005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{grpc_type=\"unary\",grpc_service=\""
                              "dangbo.records.v1.RecordsService\",grpc_method=\"GetMember\"} 3\n"));
}

// A stream's minutes-long handling time lands in its own series, never in the unary ones.
TEST(RpcMetricsTest, StreamsAndUnaryCallsKeepSeparateLatencySeries) {
  MetricsRegistry registry;
  RpcMetrics metrics(&registry);
  metrics.ForMethod("/s.S/Get", RpcMetrics::CallType::kUnary)->duration.Observe(0.001);
  metrics.ForMethod("/s.S/Watch", RpcMetrics::CallType::kServerStream)->duration.Observe(600);
  metrics.ForMethod("/s.S/Import", RpcMetrics::CallType::kClientStream)->duration.Observe(60);
  metrics.ForMethod("/s.S/Chat", RpcMetrics::CallType::kBidiStream)->duration.Observe(60);
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_sum{grpc_type=\"unary\","
                              "grpc_service=\"s.S\",grpc_method=\"Get\"} 0.001\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_sum{grpc_type=\"server_stream\","
                              "grpc_service=\"s.S\",grpc_method=\"Watch\"} 600\n"));
  EXPECT_THAT(text, HasSubstr("grpc_type=\"client_stream\",grpc_service=\"s.S\","
                              "grpc_method=\"Import\""));
  EXPECT_THAT(text, HasSubstr("grpc_type=\"bidi_stream\",grpc_service=\"s.S\","
                              "grpc_method=\"Chat\""));
}

TEST(RpcMetricsTest, CardinalityIsBoundedWhateverMethodNamesArrive) {
  MetricsRegistry registry;
  RpcMetrics metrics(&registry);
  for (int i = 0; i < RpcMetrics::kMaxMethods + 50; ++i) {
    metrics.ForMethod("/x.S/M" + std::to_string(i));
  }
  RpcMetrics::MethodStats* overflow = metrics.ForMethod("/x.S/OneMore");
  EXPECT_EQ(overflow->method, "other");
  EXPECT_EQ(metrics.ForMethod("/x.S/AndAnother"), overflow);
  // Streams overflow into their own "other", apart from the unary calls.
  RpcMetrics::MethodStats* stream_overflow =
      metrics.ForMethod("/x.S/AStream", RpcMetrics::CallType::kServerStream);
  EXPECT_EQ(stream_overflow->method, "other");
  EXPECT_EQ(stream_overflow->type, RpcMetrics::CallType::kServerStream);
  EXPECT_NE(stream_overflow, overflow);
  EXPECT_EQ(metrics.Collect()[0].samples.size(),  // started: one series per method
            static_cast<size_t>(RpcMetrics::kMaxMethods) + 2);
}

TEST(RpcMetricsTest, ConcurrentCallsAreCountedExactly) {
  MetricsRegistry registry;
  RpcMetrics metrics(&registry);
  constexpr int kThreads = 8;
  constexpr int kCalls = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < kCalls; ++i) {
        // Half the threads share one method, the others spread over a few.
        const std::string method = t % 2 == 0 ? "/s.S/Hot" : "/s.S/M" + std::to_string(i % 4);
        RpcMetrics::MethodStats* stats = metrics.ForMethod(method);
        stats->codes[0].fetch_add(1);
        stats->duration.Observe(0.001);
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("grpc_method=\"Hot\",grpc_code=\"OK\"} 20000\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_count{grpc_type=\"unary\","
                              "grpc_service=\"s.S\",grpc_method=\"Hot\"} 20000\n"));
  EXPECT_THAT(text, HasSubstr("grpc_method=\"M0\",grpc_code=\"OK\"} 5000\n"));
}

TEST(StatusCodeNameTest, NamesEveryCanonicalCode) {
  EXPECT_STREQ(StatusCodeName(0), "OK");
  EXPECT_STREQ(StatusCodeName(5), "NOT_FOUND");
  EXPECT_STREQ(StatusCodeName(16), "UNAUTHENTICATED");
  EXPECT_STREQ(StatusCodeName(99), "UNKNOWN");
}

TEST(CallTypeNameTest, NamesEveryTypeAsGoGrpcPrometheusDoes) {
  EXPECT_STREQ(CallTypeName(RpcMetrics::CallType::kUnary), "unary");
  EXPECT_STREQ(CallTypeName(RpcMetrics::CallType::kClientStream), "client_stream");
  EXPECT_STREQ(CallTypeName(RpcMetrics::CallType::kServerStream), "server_stream");
  EXPECT_STREQ(CallTypeName(RpcMetrics::CallType::kBidiStream), "bidi_stream");
}

}  // namespace
}  // namespace common
