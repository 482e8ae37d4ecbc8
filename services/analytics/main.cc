// analytics: yearly performance indicators and party statistics (read model of records).
#include <cstdio>
#include <string>

#include "common/config.h"
#include "common/logging.h"
#include "common/server.h"
#include "services/analytics/analytics_server.h"
#include "services/analytics/config.h"

int main(int argc, char** argv) {
  common::BlockTerminationSignals();
  common::InitFlags(argc, argv,
                    "analytics: yearly performance indicators and party statistics.\n"
                    "Every flag also reads DANGBO_<FLAG> from the environment.");
  absl::StatusOr<analytics::AnalyticsConfig> config = analytics::AnalyticsConfigFromFlags();
  if (!config.ok()) {
    std::fprintf(stderr, "analytics: invalid configuration: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  common::SetLogLevel(config->server.log_level);
  common::InstallGrpcLogHandler();  // before anything starts gRPC
  return analytics::RunAnalyticsServer(*std::move(config));
}
