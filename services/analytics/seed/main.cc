// analytics_seed: loads the demo dataset into a running analytics server through its API.
//   analytics_seed --target=127.0.0.1:50052
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/analytics/seed/seed_loader.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50052", "the analytics server");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto channel =
      grpc::CreateChannel(absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials());
  auto stub = dangbo::analytics::v1::AnalyticsService::NewStub(channel);
  analytics::seed::SeedReport report;
  absl::Status status = analytics::seed::LoadSeed(*stub, &report);
  if (!status.ok()) {
    std::fprintf(stderr, "analytics_seed: %s\n", status.ToString().c_str());
    return 1;
  }
  // A repeated load replays the first load's responses (same request ids): the counts are
  // those of the load that wrote them.
  std::printf(
      "analytics seed: %d indicators created (%d existed); observations: %d written, %d "
      "unchanged (by the first load with these request ids)\n",
      report.indicators_created, report.indicators_existing, report.observations_written,
      report.observations_unchanged);
  return 0;
}
