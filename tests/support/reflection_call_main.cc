// reflection_call: a grpcurl stand-in built on ReflectionClient (grpcurl is not packaged in
// Debian). Scripts and tests use it to replay documented grpcurl commands:
//
//   reflection_call [-cacert CA.pem] [-H 'key: value']... ADDRESS pkg.Service/Method ['{json}']
//
// Prints the JSON response; on error prints the code, message and google.rpc details and
// exits 1.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <map>
#include <string>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/support/reflection_client.h"

int main(int argc, char** argv) {
  std::map<std::string, std::string> metadata;
  std::vector<std::string> positional;
  std::string ca;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-cacert" && i + 1 < argc) {
      ca = argv[++i];
    } else if (arg == "-H" && i + 1 < argc) {
      std::pair<std::string, std::string> kv = absl::StrSplit(argv[++i], absl::MaxSplits(':', 1));
      metadata[kv.first] = std::string(absl::StripLeadingAsciiWhitespace(kv.second));
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() < 2 || positional.size() > 3) {
    std::fprintf(stderr, "usage: %s [-cacert CA.pem] [-H 'key: value']... ADDRESS pkg.Service/Method ['{json}']\n",
                 argv[0]);
    return 2;
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!ca.empty()) {
    std::ifstream in(ca);
    std::stringstream pem;
    pem << in.rdbuf();
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = pem.str();
    credentials = grpc::SslCredentials(options);
  }
  testing_support::ReflectionClient client(grpc::CreateChannel(positional[0], credentials));
  absl::StatusOr<std::string> reply =
      client.CallJson(positional[1], positional.size() == 3 ? positional[2] : "{}", metadata);
  if (!reply.ok()) {
    std::fprintf(stderr, "ERROR: %s\n", reply.status().ToString().c_str());
    for (const auto& [field, description] : common::FieldViolationsOf(reply.status())) {
      std::fprintf(stderr, "  field %s: %s\n", field.c_str(), description.c_str());
    }
    return 1;
  }
  std::printf("%s\n", reply->c_str());
  return 0;
}
