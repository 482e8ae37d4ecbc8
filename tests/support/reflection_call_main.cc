// reflection_call: a grpcurl stand-in built on ReflectionClient (grpcurl is not packaged in
// Debian). It takes grpcurl's flags for the commands the runbook (deploy/OPERATIONS.md) uses,
// so a documented grpcurl command runs unchanged with `grpcurl` replaced by `reflection_call`:
//
//   reflection_call [-plaintext] [-cacert CA.pem] [-H 'key: value']... [-d '{json}' | -d @]
//                   [-max-time SECONDS] ADDRESS (pkg.Service/Method | list [SERVICE] |
//                   describe SYMBOL)
//
// A call prints the JSON response. `-d @` reads the request from stdin; without -d the
// request is `{}` (an older form takes the JSON as a last positional argument). `list` prints
// the services (or a service's methods), `describe` a service's or message's descriptor.
// Without -cacert the channel is plaintext (-plaintext is accepted for compatibility).
// -max-time is accepted and ignored: every call has a 30 s deadline.
// Exit codes as grpcurl's: 0 OK; 2 bad usage; 64 + the gRPC status code when the call fails
// (the code, message and google.rpc details are printed on stderr); 1 for other failures.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/support/reflection_client.h"

namespace {

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [-plaintext] [-cacert CA.pem] [-H 'key: value']... [-d JSON|@] "
               "[-max-time S] ADDRESS (pkg.Service/Method | list [SERVICE] | describe SYMBOL)\n",
               argv0);
  return 2;
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "ERROR:\n  Code: %s\n  Message: %s\n",
               absl::StatusCodeToString(status.code()).c_str(),
               std::string(status.message()).c_str());
  for (const auto& [field, description] : common::FieldViolationsOf(status)) {
    std::fprintf(stderr, "  field %s: %s\n", field.c_str(), description.c_str());
  }
  if (const std::string reason = common::ErrorReason(status); !reason.empty()) {
    std::fprintf(stderr, "  reason: %s\n", reason.c_str());
  }
  return 64 + static_cast<int>(status.code());
}

int List(testing_support::ReflectionClient& client, const std::vector<std::string>& args) {
  if (args.empty()) {
    absl::StatusOr<std::vector<std::string>> services = client.ListServices();
    if (!services.ok()) return Fail(services.status());
    for (const std::string& name : *services) std::printf("%s\n", name.c_str());
    return 0;
  }
  absl::StatusOr<const google::protobuf::ServiceDescriptor*> service =
      client.DescribeService(args[0]);
  if (!service.ok()) return Fail(service.status());
  for (int i = 0; i < (*service)->method_count(); ++i) {
    std::printf("%s\n", (*service)->method(i)->full_name().c_str());
  }
  return 0;
}

// A service by name, or any symbol of the files of the listed services.
int Describe(testing_support::ReflectionClient& client, const std::string& symbol) {
  if (absl::StatusOr<const google::protobuf::ServiceDescriptor*> service =
          client.DescribeService(symbol);
      service.ok()) {
    std::printf("%s", (*service)->DebugString().c_str());
    return 0;
  }
  absl::StatusOr<std::vector<std::string>> services = client.ListServices();
  if (!services.ok()) return Fail(services.status());
  for (const std::string& name : *services) {
    absl::StatusOr<const google::protobuf::ServiceDescriptor*> service =
        client.DescribeService(name);
    if (!service.ok()) continue;
    const google::protobuf::DescriptorPool* pool = (*service)->file()->pool();
    if (const auto* message = pool->FindMessageTypeByName(symbol)) {
      std::printf("%s", message->DebugString().c_str());
      return 0;
    }
    if (const auto* enumeration = pool->FindEnumTypeByName(symbol)) {
      std::printf("%s", enumeration->DebugString().c_str());
      return 0;
    }
    if (const auto* method = pool->FindMethodByName(symbol)) {
      std::printf("%s\n", method->full_name().c_str());
      return 0;
    }
  }
  return Fail(absl::NotFoundError("symbol not found: " + symbol));
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> metadata;
  std::vector<std::string> positional;
  std::string ca;
  std::string data;
  bool has_data = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-cacert" && i + 1 < argc) {
      ca = argv[++i];
    } else if (arg == "-H" && i + 1 < argc) {
      std::pair<std::string, std::string> kv = absl::StrSplit(argv[++i], absl::MaxSplits(':', 1));
      metadata[kv.first] = std::string(absl::StripLeadingAsciiWhitespace(kv.second));
    } else if (arg == "-d" && i + 1 < argc) {
      data = argv[++i];
      has_data = true;
    } else if (arg == "-max-time" && i + 1 < argc) {
      ++i;
    } else if (arg == "-plaintext") {
    } else if (arg.size() > 1 && arg[0] == '-') {
      std::fprintf(stderr, "unknown flag %s\n", arg.c_str());
      return Usage(argv[0]);
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() < 2) return Usage(argv[0]);
  if (data == "@") {
    data.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!ca.empty()) {
    std::ifstream in(ca);
    if (!in) {
      std::fprintf(stderr, "cannot read -cacert %s\n", ca.c_str());
      return 2;
    }
    std::stringstream pem;
    pem << in.rdbuf();
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = pem.str();
    credentials = grpc::SslCredentials(options);
  }
  testing_support::ReflectionClient client(grpc::CreateChannel(positional[0], credentials));
  const std::string& verb = positional[1];
  const std::vector<std::string> rest(positional.begin() + 2, positional.end());
  if (verb == "list") {
    if (rest.size() > 1) return Usage(argv[0]);
    return List(client, rest);
  }
  if (verb == "describe") {
    if (rest.size() != 1) return Usage(argv[0]);
    return Describe(client, rest[0]);
  }
  if (rest.size() > 1 || (has_data && !rest.empty())) return Usage(argv[0]);
  if (!rest.empty()) data = rest[0];  // the older positional form
  absl::StatusOr<std::string> reply = client.CallJson(verb, data.empty() ? "{}" : data, metadata);
  if (!reply.ok()) return Fail(reply.status());
  std::printf("%s\n", reply->c_str());
  return 0;
}
