#include "tests/integration/analytics_support.h"

#include <thread>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/analytics/seed/seed_data.h"

namespace analytics_testing {

analytics::AnalyticsConfig TestConfig(const std::string& data_dir,
                                      const std::string& records_target) {
  analytics::AnalyticsConfig config;
  config.server.service = "analytics";
  config.server.listen = "127.0.0.1";
  config.server.port = 0;
  config.server.data_dir = data_dir;
  config.server.max_message_bytes = 16 << 20;
  config.server.shutdown_grace = absl::Seconds(2);
  config.server.drain_delay = absl::ZeroDuration();
  config.server.keepalive_time = absl::Seconds(60);
  config.server.keepalive_timeout = absl::Seconds(20);
  config.server.block_cache_mb = 8;
  config.server.sync_writes = false;
  config.follower.records_target = records_target;
  config.follower.initial_backoff = absl::Milliseconds(50);
  config.follower.max_backoff = absl::Milliseconds(400);
  config.follower.rpc_deadline = absl::Seconds(5);
  return config;
}

std::unique_ptr<analytics::AnalyticsServer> StartAnalytics(const std::string& data_dir,
                                                           const std::string& records_target) {
  auto server = analytics::AnalyticsServer::Start(TestConfig(data_dir, records_target));
  return server.ok() ? *std::move(server) : nullptr;
}

std::unique_ptr<analytics::AnalyticsServer> StartReplica(const std::string& data_dir,
                                                         const std::string& writer_target,
                                                         const std::string& records_target) {
  analytics::AnalyticsConfig config = TestConfig(data_dir, records_target);
  config.writer = config.follower;
  config.writer.records_target = writer_target;
  config.writer.heartbeat_interval = absl::Seconds(1);
  auto server = analytics::AnalyticsServer::Start(config);
  return server.ok() ? *std::move(server) : nullptr;
}

std::unique_ptr<v1::AnalyticsService::Stub> Connect(int port) {
  return v1::AnalyticsService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

dangbo::records::v1::Organization Organization(const std::string& id, const std::string& display,
                                               const std::string& region,
                                               const std::string& parent) {
  dangbo::records::v1::Organization o;
  o.set_name("organizations/" + id);
  o.set_code(id);
  o.set_display_name(display);
  o.set_region(region);
  o.set_parent(parent);
  o.mutable_valid_from()->set_year(2000);
  o.mutable_valid_from()->set_month(1);
  o.mutable_valid_from()->set_day(1);
  o.set_state(dangbo::records::v1::Organization::ACTIVE);
  return o;
}

v1::CreateIndicatorRequest NewIndicator(const std::string& id) {
  v1::CreateIndicatorRequest create;
  create.set_parent(analytics::seed::kSeedOrganization);
  create.set_indicator_id(id);
  *create.mutable_indicator() = analytics::seed::SeedIndicators()[0].indicator;
  create.mutable_indicator()->set_display_name("Chỉ tiêu " + id);
  return create;
}

}  // namespace analytics_testing
