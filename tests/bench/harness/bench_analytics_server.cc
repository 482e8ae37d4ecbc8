// bench_analytics_server: analytics_server for the benchmark (tests/bench/harness/README.md):
// the same libraries, flags and allocator, plus the random-target interceptor
// (bench_targets.h) for the dataset given by --bench_members (--bench_cells,
// --bench_organizations).
#include <cstdio>
#include <string>

#include "common/config.h"
#include "common/logging.h"
#include "common/server.h"
#include "services/analytics/analytics_server.h"
#include "services/analytics/config.h"
#include "tests/bench/harness/bench_targets.h"

int main(int argc, char** argv) {
  common::BlockTerminationSignals();
  common::InitFlags(argc, argv,
                    "bench_analytics_server: analytics with the benchmark's random targets.\n"
                    "Every flag also reads DANGBO_<FLAG> from the environment.");
  absl::StatusOr<analytics::AnalyticsConfig> config = analytics::AnalyticsConfigFromFlags();
  absl::StatusOr<bench::dataset::Shape> shape = bench::ShapeFromFlags();
  if (!config.ok() || !shape.ok()) {
    std::fprintf(stderr, "bench_analytics_server: invalid configuration: %s\n",
                 std::string((config.ok() ? shape.status() : config.status()).message()).c_str());
    return 2;
  }
  common::SetLogLevel(config->server.log_level);
  common::InterceptorFactories interceptors;
  interceptors.push_back(bench::NewRandomTargetInterceptor(*shape));
  return analytics::RunAnalyticsServer(*std::move(config), std::move(interceptors));
}
