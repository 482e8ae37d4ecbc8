// records_seed: loads the Long An demo dataset into a running records server through its
// public RPCs; does nothing when the organization already exists.
//
//   records_seed --target=127.0.0.1:50051
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "common/security.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/records/seed/seed_loader.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "The records server (host:port).");
ABSL_FLAG(std::string, ca_cert, "", "CA (PEM) of the server's certificate; empty: plaintext.");
ABSL_FLAG(std::string, bearer_token_file, "",
          "File holding the bearer token to call with (needs --ca_cert: tokens go over TLS).");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Loads the Long An demo dataset into a records server.");
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<std::string> token =
      common::ReadTokenFile(absl::GetFlag(FLAGS_bearer_token_file), "--bearer_token_file");
  if (!token.ok()) {
    std::fprintf(stderr, "records_seed: %s\n", token.status().ToString().c_str());
    return 2;
  }
  auto channel =
      grpc::CreateChannel(absl::GetFlag(FLAGS_target),
                          common::ClientCredentials(absl::GetFlag(FLAGS_ca_cert), "", "", *token));
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
  if (result->dues_already_present) {
    std::printf("seed: dues and meetings already present; nothing loaded\n");
  } else {
    std::printf(
        "seed: loaded dues rate tables and illustrative 2026 dues and meetings of two "
        "cells (%d writes)\n",
        result->dues_writes);
  }
  return 0;
}
