#include "common/config.h"

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "common/errors.h"
#include "gtest/gtest.h"

namespace common {
namespace {

class ConfigTest : public ::testing::Test {
 private:
  absl::FlagSaver saver_;  // every test starts from the defaults
};

TEST_F(ConfigTest, EnvVarNames) {
  EXPECT_EQ(EnvVarForFlag("block_cache_mb"), "DANGBO_BLOCK_CACHE_MB");
  EXPECT_EQ(EnvVarForFlag("port"), "DANGBO_PORT");
}

TEST_F(ConfigTest, DefaultsAreValid) {
  absl::StatusOr<ServerConfig> c = ServerConfigFromFlags("records", 50051, "/tmp/records");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->port, 50051);
  EXPECT_EQ(c->listen, "127.0.0.1");
  EXPECT_EQ(c->data_dir, "/tmp/records");
  EXPECT_TRUE(c->sync_writes);
  EXPECT_TRUE(c->IsLoopback());
  EXPECT_EQ(c->Address(), "127.0.0.1:50051");
}

TEST_F(ConfigTest, EnvironmentSetsFlags) {
  ASSERT_TRUE(ApplyEnvironment({{"DANGBO_PORT", "6000"},
                                {"DANGBO_LISTEN", "0.0.0.0"},
                                {"DANGBO_SHUTDOWN_GRACE", "7s"},
                                {"DANGBO_SYNC_WRITES", "false"},
                                {"PATH", "/usr/bin"}})
                  .ok());
  absl::StatusOr<ServerConfig> c = ServerConfigFromFlags("records", 50051, "/tmp/x");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->port, 6000);
  EXPECT_EQ(c->listen, "0.0.0.0");
  EXPECT_FALSE(c->IsLoopback());
  EXPECT_EQ(c->shutdown_grace, absl::Seconds(7));
  EXPECT_FALSE(c->sync_writes);
}

TEST_F(ConfigTest, UnknownEnvironmentVariableFailsNamingIt) {
  absl::Status s = ApplyEnvironment({{"DANGBO_PROT", "6000"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("DANGBO_PROT"), std::string::npos) << s;
}

TEST_F(ConfigTest, BadEnvironmentValueFailsNamingIt) {
  absl::Status s = ApplyEnvironment({{"DANGBO_PORT", "fifty"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("DANGBO_PORT=\"fifty\""), std::string::npos) << s;
}

TEST_F(ConfigTest, OutOfRangeValuesNameTheFlagAndRule) {
  absl::SetFlag(&FLAGS_port, 70000);
  absl::SetFlag(&FLAGS_log_level, "loud");
  absl::SetFlag(&FLAGS_max_message_bytes, 10);
  absl::SetFlag(&FLAGS_shutdown_grace, absl::Seconds(-1));
  absl::StatusOr<ServerConfig> c = ServerConfigFromFlags("records", 50051, "/tmp/x");
  ASSERT_FALSE(c.ok());
  const std::string message(c.status().message());
  EXPECT_NE(message.find("--port: must be 0..65535, got 70000"), std::string::npos) << message;
  EXPECT_NE(message.find("--log_level"), std::string::npos);
  EXPECT_NE(message.find("--max_message_bytes"), std::string::npos);
  EXPECT_NE(message.find("--shutdown_grace: must not be negative"), std::string::npos);
  EXPECT_EQ(FieldViolationsOf(c.status()).size(), 4u);
}

// Kubernetes passes the container's memory limit (downward API, divisor 1Mi) as
// DANGBO_MEMORY_LIMIT_MB; the block cache follows it instead of a second number kept in step.
TEST_F(ConfigTest, BlockCacheIsAFractionOfTheMemoryLimit) {
  ASSERT_TRUE(ApplyEnvironment({{"DANGBO_MEMORY_LIMIT_MB", "2048"}}).ok());
  absl::StatusOr<ServerConfig> c = ServerConfigFromFlags("records", 50051, "/tmp/x");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->memory_limit_mb, 2048);
  EXPECT_EQ(c->block_cache_mb, 819) << "0.4 of 2048 MiB, rounded down";

  ASSERT_TRUE(ApplyEnvironment({{"DANGBO_BLOCK_CACHE_FRACTION", "0.25"}}).ok());
  c = ServerConfigFromFlags("records", 50051, "/tmp/x");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->block_cache_mb, 512);
}

TEST_F(ConfigTest, BlockCacheWithoutALimitIs256MiBAndAnExplicitSizeWins) {
  absl::StatusOr<ServerConfig> c = ServerConfigFromFlags("records", 50051, "/tmp/x");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->block_cache_mb, 256);
  EXPECT_EQ(c->memory_limit_mb, 0);

  absl::SetFlag(&FLAGS_memory_limit_mb, 1024);
  absl::SetFlag(&FLAGS_block_cache_mb, 100);
  c = ServerConfigFromFlags("records", 50051, "/tmp/x");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->block_cache_mb, 100);
}

TEST_F(ConfigTest, BlockCacheSizingRefusesWhatCannotFit) {
  absl::SetFlag(&FLAGS_block_cache_fraction, 0.9);
  absl::StatusOr<ServerConfig> c = ServerConfigFromFlags("records", 50051, "/tmp/x");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("--block_cache_fraction: must be 0.05..0.8, got 0.9"),
            std::string::npos)
      << c.status();

  absl::SetFlag(&FLAGS_block_cache_fraction, 0.4);
  absl::SetFlag(&FLAGS_memory_limit_mb, 16);
  c = ServerConfigFromFlags("records", 50051, "/tmp/x");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("--memory_limit_mb: leaves a block cache of 6 MiB"),
            std::string::npos)
      << c.status();

  absl::SetFlag(&FLAGS_memory_limit_mb, 512);
  absl::SetFlag(&FLAGS_block_cache_mb, 512);
  c = ServerConfigFromFlags("records", 50051, "/tmp/x");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("--block_cache_mb: must be below --memory_limit_mb"),
            std::string::npos)
      << c.status();
}

TEST_F(ConfigTest, Ipv6AddressIsBracketed) {
  absl::SetFlag(&FLAGS_listen, "::1");
  absl::StatusOr<ServerConfig> c = ServerConfigFromFlags("records", 50051, "/tmp/x");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->Address(), "[::1]:50051");
  EXPECT_TRUE(c->IsLoopback());
}

}  // namespace
}  // namespace common
