// File: tests/support/reflection_client.h
//
// A gRPC client that knows no .proto file: like grpcurl, it asks the server's reflection
// service (grpc.reflection.v1alpha) for descriptors and calls methods with JSON.
//
//   ReflectionClient client(channel);
//   auto services = client.ListServices();
//   auto reply = client.CallJson("grpc.health.v1.Health/Check", R"({"service": ""})");
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor_database.h"
#include "google/protobuf/dynamic_message.h"
#include "grpcpp/channel.h"

namespace testing_support {

class ReflectionClient {
 public:
  explicit ReflectionClient(std::shared_ptr<grpc::Channel> channel);

  // Fully-qualified names of the services the server lists.
  absl::StatusOr<std::vector<std::string>> ListServices();

  // The service's descriptor, loaded (with its file's dependencies) through reflection.
  absl::StatusOr<const google::protobuf::ServiceDescriptor*> DescribeService(
      const std::string& service);

  // Calls a unary method ("pkg.Service/Method" or "pkg.Service.Method") with a JSON request
  // and returns the JSON response. A gRPC error is returned as the status (code, message and
  // google.rpc details kept as payloads).
  absl::StatusOr<std::string> CallJson(const std::string& method, const std::string& json,
                                       const std::map<std::string, std::string>& metadata = {});

 private:
  absl::Status LoadSymbol(const std::string& symbol);

  std::shared_ptr<grpc::Channel> channel_;
  google::protobuf::SimpleDescriptorDatabase database_;
  std::set<std::string> loaded_files_;
  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  google::protobuf::DynamicMessageFactory factory_;
};

}  // namespace testing_support
