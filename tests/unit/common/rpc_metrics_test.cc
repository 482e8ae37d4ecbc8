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
  EXPECT_THAT(text, HasSubstr("dangbo_grpc_requests_total{service=\"grpc.health.v1.Health\","
                              "method=\"Check\",code=\"OK\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("dangbo_grpc_requests_total{service=\"grpc.health.v1.Health\","
                              "method=\"Watch\",code=\"OK\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("dangbo_grpc_request_duration_seconds_count{service=\"grpc.health."
                              "v1.Health\",method=\"Check\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("dangbo_grpc_requests_in_flight{service=\"grpc.health.v1.Health\","
                              "method=\"Check\"} 0\n"));
}

TEST(RpcMetricsTest, SplitsServiceAndMethodAndCountsByCode) {
  MetricsRegistry registry;
  RpcMetrics metrics(&registry);
  RpcMetrics::MethodStats* stats = metrics.ForMethod("/dangbo.records.v1.RecordsService/GetMember");
  EXPECT_EQ(stats->service, "dangbo.records.v1.RecordsService");
  EXPECT_EQ(stats->method, "GetMember");
  EXPECT_EQ(metrics.ForMethod("/dangbo.records.v1.RecordsService/GetMember"), stats);
  stats->codes[grpc::StatusCode::NOT_FOUND] += 2;
  stats->duration.Observe(0.003);
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("method=\"GetMember\",code=\"NOT_FOUND\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("method=\"GetMember\",code=\"OK\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("method=\"GetMember\",le=\"0.0025\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("method=\"GetMember\",le=\"0.005\"} 1\n"));
}

TEST(RpcMetricsTest, CardinalityIsBoundedWhateverMethodNamesArrive) {
  MetricsRegistry registry;
  RpcMetrics metrics(&registry);
  for (int i = 0; i < RpcMetrics::kMaxMethods + 50; ++i) {
    metrics.ForMethod("/x.S/M" + std::to_string(i));
  }
  RpcMetrics::MethodStats* overflow = metrics.ForMethod("/x.S/OneMore");
  EXPECT_EQ(overflow->method, "other");
  EXPECT_EQ(metrics.Collect()[2].samples.size(),  // in-flight: one series per method
            static_cast<size_t>(RpcMetrics::kMaxMethods) + 1);
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
  EXPECT_THAT(text, HasSubstr("method=\"Hot\",code=\"OK\"} 20000\n"));
  EXPECT_THAT(text, HasSubstr("dangbo_grpc_request_duration_seconds_count{service=\"s.S\","
                              "method=\"Hot\"} 20000\n"));
  EXPECT_THAT(text, HasSubstr("method=\"M0\",code=\"OK\"} 5000\n"));
}

TEST(StatusCodeNameTest, NamesEveryCanonicalCode) {
  EXPECT_STREQ(StatusCodeName(0), "OK");
  EXPECT_STREQ(StatusCodeName(5), "NOT_FOUND");
  EXPECT_STREQ(StatusCodeName(16), "UNAUTHENTICATED");
  EXPECT_STREQ(StatusCodeName(99), "UNKNOWN");
}

}  // namespace
}  // namespace common
