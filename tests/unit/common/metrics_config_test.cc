// --metrics_port: the per-service defaults, free ports for tests, off, and bad values.
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "common/config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace common {
namespace {

using ::testing::HasSubstr;

class MetricsConfigTest : public ::testing::Test {
 protected:
  absl::FlagSaver saver_;  // every test starts from the defaults
};

TEST_F(MetricsConfigTest, EachServiceHasItsOwnDefaultPortSoBothRunSideBySide) {
  auto records = ServerConfigFromFlags("records", 50051, ".data/records");
  auto analytics = ServerConfigFromFlags("analytics", 50052, ".data/analytics");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_TRUE(analytics.ok()) << analytics.status();
  EXPECT_EQ(records->metrics_port, 9091);
  EXPECT_EQ(analytics->metrics_port, 9092);
}

TEST_F(MetricsConfigTest, GrpcPortZeroMakesTheDefaultMetricsPortAFreeOne) {
  absl::SetFlag(&FLAGS_port, 0);
  auto config = ServerConfigFromFlags("records", 50051, ".data/records");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->metrics_port, 0);  // set, and 0: any free port
}

TEST_F(MetricsConfigTest, ZeroTurnsTheEndpointOff) {
  absl::SetFlag(&FLAGS_metrics_port, 0);
  auto config = ServerConfigFromFlags("records", 50051, ".data/records");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->metrics_port.has_value());
}

TEST_F(MetricsConfigTest, ExplicitPortIsUsed) {
  absl::SetFlag(&FLAGS_metrics_port, 19091);
  auto config = ServerConfigFromFlags("analytics", 50052, ".data/analytics");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->metrics_port, 19091);
}

TEST_F(MetricsConfigTest, EnvironmentSetsTheMetricsPort) {
  ASSERT_TRUE(ApplyEnvironment({{"DANGBO_METRICS_PORT", "19092"}}).ok());
  auto config = ServerConfigFromFlags("analytics", 50052, ".data/analytics");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->metrics_port, 19092);
}

TEST_F(MetricsConfigTest, OutOfRangeOrSameAsGrpcPortNamesTheFlag) {
  absl::SetFlag(&FLAGS_metrics_port, 70000);
  auto config = ServerConfigFromFlags("records", 50051, ".data/records");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("--metrics_port"));

  absl::SetFlag(&FLAGS_metrics_port, 50051);
  config = ServerConfigFromFlags("records", 50051, ".data/records");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("must differ from --port"));
}

TEST_F(MetricsConfigTest, OtherServicesHaveNoDefaultEndpoint) {
  auto config = ServerConfigFromFlags("tool", 50060, ".data/tool");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->metrics_port.has_value());
}

}  // namespace
}  // namespace common
