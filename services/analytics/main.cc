// analytics: yearly performance and party statistics.
#include <cstdio>

#include "common/config.h"
#include "common/logging.h"
#include "common/server.h"
#include "common/store.h"
#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"

int main(int argc, char** argv) {
  common::BlockTerminationSignals();
  common::InitFlags(argc, argv,
                    "analytics: yearly performance indicators and party statistics.\n"
                    "Every flag also reads DANGBO_<FLAG> from the environment.");
  absl::StatusOr<common::ServerConfig> config =
      common::ServerConfigFromFlags("analytics", 50052, ".data/analytics");
  if (!config.ok()) {
    std::fprintf(stderr, "analytics: invalid configuration: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  common::SetLogLevel(config->log_level);
  common::StoreOptions store_options;
  store_options.path = config->data_dir;
  store_options.block_cache_bytes = config->block_cache_mb << 20;
  store_options.sync_writes = config->sync_writes;
  absl::StatusOr<std::unique_ptr<common::Store>> store = common::Store::Open(store_options);
  if (!store.ok()) {
    common::LogError("cannot open the data directory", {{"error", store.status().ToString()}});
    return 1;
  }
  // Handlers arrive with the service issues; until then every method is UNIMPLEMENTED.
  dangbo::analytics::v1::AnalyticsService::CallbackService service;
  common::ServerRunner runner(*config, DANGBO_VERSION);
  runner.AddService(&service, "dangbo.analytics.v1.AnalyticsService");
  if (absl::Status s = runner.Start(); !s.ok()) {
    common::LogError("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  runner.RunUntilSignal();
  if (absl::Status s = (*store)->Close(); !s.ok()) {
    common::LogError("closing the store failed", {{"error", s.ToString()}});
    return 1;
  }
  return 0;
}
