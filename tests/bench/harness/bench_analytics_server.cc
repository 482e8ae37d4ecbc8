// bench_analytics_server: an analytics writer for the benchmark (tests/bench/harness/README.md):
// the same libraries, server and security flags and allocator as analytics_server, following
// records over plaintext (--records_target), plus the random-target interceptor
// (bench_targets.h) for the dataset given by --bench_members (--bench_cells,
// --bench_organizations).
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "common/config.h"
#include "common/logging.h"
#include "common/security.h"
#include "common/server.h"
#include "services/analytics/analytics_server.h"
#include "tests/bench/harness/bench_targets.h"

ABSL_FLAG(std::string, records_target, "", "records to follow, e.g. 127.0.0.1:50051 (plaintext)");

namespace {

int Invalid(const absl::Status& status) {
  std::fprintf(stderr, "bench_analytics_server: invalid configuration: %s\n",
               std::string(status.message()).c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  common::BlockTerminationSignals();
  common::InitFlags(argc, argv,
                    "bench_analytics_server: analytics with the benchmark's random targets.\n"
                    "Every flag also reads DANGBO_<FLAG> from the environment.");
  absl::StatusOr<common::ServerConfig> server =
      common::ServerConfigFromFlags("analytics", 50052, ".data/analytics");
  if (!server.ok()) return Invalid(server.status());
  absl::StatusOr<common::SecurityConfig> security = common::SecurityConfigFromFlags(*server);
  if (!security.ok()) return Invalid(security.status());
  absl::StatusOr<std::shared_ptr<common::TokenStore>> tokens = common::LoadTokens(*security);
  if (!tokens.ok()) return Invalid(tokens.status());
  absl::StatusOr<bench::dataset::Shape> shape = bench::ShapeFromFlags();
  if (!shape.ok()) return Invalid(shape.status());
  common::SetLogLevel(server->log_level);
  analytics::AnalyticsConfig config;
  config.server = *std::move(server);
  config.security = *std::move(security);
  config.tokens = *std::move(tokens);
  config.follower.records_target = absl::GetFlag(FLAGS_records_target);
  common::InterceptorFactories interceptors;
  interceptors.push_back(bench::NewRandomTargetInterceptor(*shape));
  return analytics::RunAnalyticsServer(std::move(config), std::move(interceptors));
}
