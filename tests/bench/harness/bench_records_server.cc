// bench_records_server: records_server for the benchmark (tests/bench/harness/README.md):
// the same libraries, flags and allocator, plus the random-target interceptor
// (bench_targets.h) for the dataset given by --bench_members (--bench_cells,
// --bench_organizations).
#include <cstdio>
#include <string>

#include "common/config.h"
#include "common/logging.h"
#include "common/server.h"
#include "services/records/config.h"
#include "services/records/records_server.h"
#include "tests/bench/harness/bench_targets.h"

int main(int argc, char** argv) {
  common::BlockTerminationSignals();
  common::InitFlags(argc, argv,
                    "bench_records_server: records with the benchmark's random targets.\n"
                    "Every flag also reads DANGBO_<FLAG> from the environment.");
  absl::StatusOr<records::RecordsConfig> config = records::RecordsConfigFromFlags();
  absl::StatusOr<bench::dataset::Shape> shape = bench::ShapeFromFlags();
  if (!config.ok() || !shape.ok()) {
    std::fprintf(stderr, "bench_records_server: invalid configuration: %s\n",
                 std::string((config.ok() ? shape.status() : config.status()).message()).c_str());
    return 2;
  }
  common::SetLogLevel(config->server.log_level);
  common::InterceptorFactories interceptors;
  interceptors.push_back(bench::NewRandomTargetInterceptor(*shape));
  return records::RunRecordsServer(*config, std::move(interceptors));
}
