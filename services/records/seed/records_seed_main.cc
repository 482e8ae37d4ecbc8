// records_seed: loads the Long An demo dataset into a running records server through its
// public RPCs; does nothing when the organization already exists.
//
//   records_seed --target=127.0.0.1:50051
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/records/seed/seed_loader.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "The records server (host:port).");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Loads the Long An demo dataset into a records server.");
  absl::ParseCommandLine(argc, argv);
  auto channel =
      grpc::CreateChannel(absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials());
  auto stub = dangbo::records::v1::RecordsService::NewStub(channel);
  absl::StatusOr<records::seed::LoadResult> result = records::seed::LoadLongAnSeed(stub.get());
  if (!result.ok()) {
    std::fprintf(stderr, "records_seed: %s\n", result.status().ToString().c_str());
    return 1;
  }
  if (result->already_present) {
    std::printf("seed: organizations/hq-long-an already present; nothing loaded\n");
  } else {
    std::printf("seed: loaded organizations/hq-long-an: 12 cells, %d members (%d writes)\n",
                result->members, result->writes);
  }
  return 0;
}
