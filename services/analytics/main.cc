// analytics: yearly performance indicators and party statistics (read model of records).
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "common/config.h"
#include "common/logging.h"
#include "common/security.h"
#include "common/server.h"
#include "services/analytics/analytics_server.h"

ABSL_FLAG(std::string, records_target, "",
          "records service to follow (WatchChanges), e.g. 127.0.0.1:50051 or "
          "dns:///records.dangbo.svc:50051; empty: do not follow");
ABSL_FLAG(absl::Duration, follower_max_backoff, absl::Seconds(30),
          "longest wait between reconnection attempts to records");

int main(int argc, char** argv) {
  common::BlockTerminationSignals();
  common::InitFlags(argc, argv,
                    "analytics: yearly performance indicators and party statistics.\n"
                    "Every flag also reads DANGBO_<FLAG> from the environment.");
  absl::StatusOr<common::ServerConfig> server =
      common::ServerConfigFromFlags("analytics", 50052, ".data/analytics");
  if (!server.ok()) {
    std::fprintf(stderr, "analytics: invalid configuration: %s\n",
                 std::string(server.status().message()).c_str());
    return 2;
  }
  common::SetLogLevel(server->log_level);
  analytics::AnalyticsConfig config;
  config.server = *server;
  config.follower.records_target = absl::GetFlag(FLAGS_records_target);
  config.follower.max_backoff = absl::GetFlag(FLAGS_follower_max_backoff);
  absl::StatusOr<common::SecurityConfig> security = common::SecurityConfigFromFlags(*server);
  absl::StatusOr<std::shared_ptr<common::TokenStore>> tokens =
      security.ok() ? common::LoadTokens(*security) : security.status();
  if (!tokens.ok()) {
    std::fprintf(stderr, "analytics: invalid configuration: %s\n",
                 std::string(tokens.status().message()).c_str());
    return 2;
  }
  config.security = *security;
  config.tokens = *tokens;
  return analytics::RunAnalyticsServer(config);
}
