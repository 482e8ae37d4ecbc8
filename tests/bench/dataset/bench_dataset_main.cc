// bench_dataset: loads the synthetic national-scale dataset into a running records server
// (and analytics, when given) through the public RPCs, and prints the import rate — the
// import benchmark. See README.md for the naming and the formulas.
//
//   bench_dataset --target 127.0.0.1:50051 --members 5500000 --manifest dataset.json
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "common/security.h"
#include "grpcpp/create_channel.h"
#include "tests/bench/dataset/loader.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "The records server (host:port).");
ABSL_FLAG(std::string, analytics_target, "",
          "The analytics server (host:port); empty: no indicators are recorded.");
ABSL_FLAG(int64_t, members, 5500000, "Members to generate (N).");
ABSL_FLAG(int64_t, cells, 0, "Cells (C); 0: N * 300,000 / 5,500,000.");
ABSL_FLAG(int64_t, organizations, 0, "Organizations (O); 0: N * 55,000 / 5,500,000.");
ABSL_FLAG(uint64_t, seed, 1, "Seed of every generated attribute.");
ABSL_FLAG(int, streams, 8, "RPCs (import streams) in flight.");
ABSL_FLAG(bool, lifecycle, true, "Also rate, transfer and remove members and create plans.");
ABSL_FLAG(std::string, ca_cert, "", "CA (PEM) of the servers' certificates; empty: plaintext.");
ABSL_FLAG(std::string, bearer_token_file, "",
          "File holding the bearer token to call with (needs --ca_cert: tokens go over TLS).");
ABSL_FLAG(std::string, manifest, "", "Where to write the JSON manifest; empty: stdout only.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Loads the synthetic national-scale dataset through the public RPCs and reports the "
      "import rate.");
  absl::ParseCommandLine(argc, argv);
  std::optional<bench::dataset::Shape> shape =
      bench::dataset::Resolve({absl::GetFlag(FLAGS_members), absl::GetFlag(FLAGS_cells),
                               absl::GetFlag(FLAGS_organizations), absl::GetFlag(FLAGS_seed)});
  if (!shape.has_value()) {
    std::fprintf(stderr,
                 "bench_dataset: --members must be 1..9,999,999 and 1 <= --organizations <= "
                 "--cells (<= 99,999 and 999,999)\n");
    return 2;
  }
  absl::StatusOr<std::string> token =
      common::ReadTokenFile(absl::GetFlag(FLAGS_bearer_token_file), "--bearer_token_file");
  if (!token.ok()) {
    std::fprintf(stderr, "bench_dataset: %s\n", token.status().ToString().c_str());
    return 2;
  }
  const auto credentials = common::ClientCredentials(absl::GetFlag(FLAGS_ca_cert), "", "", *token);
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(64 << 20);
  auto records = dangbo::records::v1::RecordsService::NewStub(
      grpc::CreateCustomChannel(absl::GetFlag(FLAGS_target), credentials, args));
  std::unique_ptr<dangbo::analytics::v1::AnalyticsService::Stub> analytics;
  if (!absl::GetFlag(FLAGS_analytics_target).empty()) {
    analytics = dangbo::analytics::v1::AnalyticsService::NewStub(
        grpc::CreateCustomChannel(absl::GetFlag(FLAGS_analytics_target), credentials, args));
  }
  bench::dataset::LoadOptions options;
  options.streams = absl::GetFlag(FLAGS_streams);
  options.lifecycle = absl::GetFlag(FLAGS_lifecycle);
  std::printf(
      "bench_dataset: %lld members, %lld cells, %lld organizations, seed %llu, %d streams\n",
      static_cast<long long>(shape->members), static_cast<long long>(shape->cells),
      static_cast<long long>(shape->organizations), static_cast<unsigned long long>(shape->seed),
      options.streams);
  std::fflush(stdout);
  absl::StatusOr<bench::dataset::LoadResult> result =
      bench::dataset::Load(*shape, options, records.get(), analytics.get());
  if (!result.ok()) {
    std::fprintf(stderr, "bench_dataset: %s\n", result.status().ToString().c_str());
    return 1;
  }
  for (const bench::dataset::PhaseResult& p : result->phases) {
    std::printf("  %-17s %10lld in %8.2f s  %10.0f /s\n", p.name.c_str(),
                static_cast<long long>(p.items), p.seconds, p.per_second());
  }
  const bench::dataset::PhaseResult* import = result->phase("import");
  std::printf("import: %lld members committed (%lld already present) at %.0f members/s\n",
              static_cast<long long>(result->members_committed),
              static_cast<long long>(result->members_already_committed),
              import != nullptr ? import->per_second() : 0.0);
  const std::string json =
      bench::dataset::ManifestJson(*shape, options, *result, absl::GetFlag(FLAGS_target));
  if (!absl::GetFlag(FLAGS_manifest).empty()) {
    std::ofstream out(absl::GetFlag(FLAGS_manifest));
    out << json;
    if (!out) {
      std::fprintf(stderr, "bench_dataset: cannot write %s\n",
                   absl::GetFlag(FLAGS_manifest).c_str());
      return 1;
    }
  }
  return 0;
}
