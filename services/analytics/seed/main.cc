// analytics_seed: loads the demo dataset into a running analytics server through its API.
//   analytics_seed --target=127.0.0.1:50052
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "common/security.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/analytics/seed/seed_loader.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50052", "the analytics server");
ABSL_FLAG(std::string, ca_cert, "", "CA (PEM) of the server's certificate; empty: plaintext.");
ABSL_FLAG(std::string, bearer_token_file, "",
          "File holding the bearer token to call with (needs --ca_cert: tokens go over TLS).");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<std::string> token =
      common::ReadTokenFile(absl::GetFlag(FLAGS_bearer_token_file), "--bearer_token_file");
  if (!token.ok()) {
    std::fprintf(stderr, "analytics_seed: %s\n", token.status().ToString().c_str());
    return 2;
  }
  auto channel = grpc::CreateChannel(
      absl::GetFlag(FLAGS_target), common::ClientCredentials(absl::GetFlag(FLAGS_ca_cert), "", "",
                                                             *token));
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
      "analytics seed: %d indicators created (%d existed, %d of them given a value domain); "
      "observations: %d written, %d unchanged (by the first load with these request ids)\n",
      report.indicators_created, report.indicators_existing, report.indicators_given_a_value_domain,
      report.observations_written, report.observations_unchanged);
  return 0;
}
