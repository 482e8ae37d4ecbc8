#include "tests/support/reflection_client.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"

namespace testing_support {

namespace reflection = grpc::reflection::v1alpha;

ReflectionClient::ReflectionClient(std::shared_ptr<grpc::Channel> channel)
    : channel_(std::move(channel)),
      pool_(std::make_unique<google::protobuf::DescriptorPool>(&database_)) {}

absl::StatusOr<std::vector<std::string>> ReflectionClient::ListServices() {
  auto stub = reflection::ServerReflection::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->ServerReflectionInfo(&context);
  reflection::ServerReflectionRequest request;
  request.set_list_services("");
  stream->Write(request);
  stream->WritesDone();
  reflection::ServerReflectionResponse response;
  std::vector<std::string> names;
  while (stream->Read(&response)) {
    for (const auto& service : response.list_services_response().service()) {
      names.push_back(service.name());
    }
  }
  grpc::Status status = stream->Finish();
  if (!status.ok()) {
    return common::FromGrpcStatus(status);
  }
  return names;
}

absl::Status ReflectionClient::LoadSymbol(const std::string& symbol) {
  auto stub = reflection::ServerReflection::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->ServerReflectionInfo(&context);
  reflection::ServerReflectionRequest request;
  request.set_file_containing_symbol(symbol);
  stream->Write(request);
  stream->WritesDone();
  reflection::ServerReflectionResponse response;
  std::string error;
  while (stream->Read(&response)) {
    if (response.has_error_response()) {
      error = absl::StrCat("reflection: ", response.error_response().error_message());
      continue;
    }
    for (const std::string& bytes : response.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      if (!file.ParseFromString(bytes)) {
        return absl::DataLossError("reflection returned an unparsable FileDescriptorProto");
      }
      if (loaded_files_.insert(file.name()).second) {
        database_.Add(file);
      }
    }
  }
  grpc::Status status = stream->Finish();
  if (!status.ok()) {
    return common::FromGrpcStatus(status);
  }
  if (!error.empty()) {
    return absl::NotFoundError(error);
  }
  return absl::OkStatus();
}

absl::StatusOr<const google::protobuf::ServiceDescriptor*> ReflectionClient::DescribeService(
    const std::string& service) {
  if (const auto* found = pool_->FindServiceByName(service)) {
    return found;
  }
  if (absl::Status s = LoadSymbol(service); !s.ok()) {
    return s;
  }
  const auto* found = pool_->FindServiceByName(service);
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat("service ", service, " not in its descriptors"));
  }
  return found;
}

absl::StatusOr<std::string> ReflectionClient::CallJson(
    const std::string& method, const std::string& json,
    const std::map<std::string, std::string>& metadata) {
  std::string full = absl::StrReplaceAll(method, {{"/", "."}});
  const size_t dot = full.rfind('.');
  if (dot == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("method ", method, " is not pkg.Service/Method"));
  }
  absl::StatusOr<const google::protobuf::ServiceDescriptor*> service =
      DescribeService(full.substr(0, dot));
  if (!service.ok()) {
    return service.status();
  }
  const google::protobuf::MethodDescriptor* descriptor =
      (*service)->FindMethodByName(full.substr(dot + 1));
  if (descriptor == nullptr) {
    return absl::NotFoundError(absl::StrCat("no method ", method));
  }
  std::unique_ptr<google::protobuf::Message> request(
      factory_.GetPrototype(descriptor->input_type())->New());
  auto parsed = google::protobuf::util::JsonStringToMessage(json, request.get());
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("request JSON: ", parsed.ToString()));
  }
  std::string bytes = request->SerializeAsString();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;

  grpc::GenericStub stub(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  for (const auto& [key, value] : metadata) {
    context.AddMetadata(key, value);
  }
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context,
                 absl::StrCat("/", descriptor->service()->full_name(), "/", descriptor->name()),
                 grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) {
    return common::FromGrpcStatus(status);
  }
  std::vector<grpc::Slice> slices;
  if (!response_buffer.Dump(&slices).ok()) {
    return absl::DataLossError("cannot read the response");
  }
  std::string response_bytes;
  for (const grpc::Slice& s : slices) {
    response_bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  std::unique_ptr<google::protobuf::Message> response(
      factory_.GetPrototype(descriptor->output_type())->New());
  if (!response->ParseFromString(response_bytes)) {
    return absl::DataLossError("cannot parse the response");
  }
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  auto printed = google::protobuf::util::MessageToJsonString(*response, &out, options);
  if (!printed.ok()) {
    return absl::InternalError(printed.ToString());
  }
  return out;
}

}  // namespace testing_support
