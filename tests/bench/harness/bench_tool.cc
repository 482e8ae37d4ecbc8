// bench_tool: small helpers for the benchmark runner (tests/bench/harness/README.md).
//
//   bench_tool frame --type=T (--text=TXT | --text_file=F) --out=F
//       writes one gRPC frame (5-byte prefix + the serialized request) for h2load's -d
//   bench_tool call --target=H:P --method=/pkg.Svc/M --type=T --text=TXT
//                   [--response_type=R] [--out=F]
//       one unary call over plaintext; writes the response bytes to --out, prints
//       "OK <bytes>" (and the response in text format with --response_type), exit 1 on error
//
// Message types are looked up by full name in the generated pool (records + analytics).
#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"

ABSL_FLAG(std::string, type, "", "full name of the request message type");
ABSL_FLAG(std::string, response_type, "", "full name of the response type (call: print it)");
ABSL_FLAG(std::string, text, "", "the request in protobuf text format");
ABSL_FLAG(std::string, text_file, "", "file holding the request in protobuf text format");
ABSL_FLAG(std::string, out, "", "output file");
ABSL_FLAG(std::string, target, "", "server address host:port (plaintext)");
ABSL_FLAG(std::string, method, "", "full method path, /package.Service/Method");

namespace {

namespace rv1 = ::dangbo::records::v1;
namespace gpb = ::google::protobuf;

int Fail(const std::string& message) {
  std::fprintf(stderr, "bench_tool: %s\n", message.c_str());
  return 1;
}

// Makes sure the generated descriptors of both services are linked in and registered.
void TouchDescriptors() {
  (void)rv1::RecordsService::service_full_name();
  (void)::dangbo::analytics::v1::AnalyticsService::service_full_name();
  (void)rv1::GetMemberRequest::descriptor();
  (void)::dangbo::analytics::v1::GetYearlyPerformanceRequest::descriptor();
}

std::unique_ptr<gpb::Message> NewMessage(const std::string& type) {
  const gpb::Descriptor* d = gpb::DescriptorPool::generated_pool()->FindMessageTypeByName(type);
  if (d == nullptr) return nullptr;
  return std::unique_ptr<gpb::Message>(
      gpb::MessageFactory::generated_factory()->GetPrototype(d)->New());
}

// The request from --text / --text_file, or an error message.
std::unique_ptr<gpb::Message> ParseRequest(std::string* error) {
  std::unique_ptr<gpb::Message> m = NewMessage(absl::GetFlag(FLAGS_type));
  if (m == nullptr) {
    *error = absl::StrCat("--type: unknown message type \"", absl::GetFlag(FLAGS_type), "\"");
    return nullptr;
  }
  std::string text = absl::GetFlag(FLAGS_text);
  if (!absl::GetFlag(FLAGS_text_file).empty()) {
    std::ifstream in(absl::GetFlag(FLAGS_text_file));
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  if (!gpb::TextFormat::ParseFromString(text, m.get())) {
    *error = "--text: not a valid text-format " + absl::GetFlag(FLAGS_type);
    return nullptr;
  }
  return m;
}

bool WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

int Frame() {
  std::string error;
  std::unique_ptr<gpb::Message> m = ParseRequest(&error);
  if (m == nullptr) return Fail(error);
  const std::string body = m->SerializeAsString();
  std::string frame(5, '\0');
  const uint32_t n = static_cast<uint32_t>(body.size());
  frame[1] = static_cast<char>(n >> 24);
  frame[2] = static_cast<char>(n >> 16);
  frame[3] = static_cast<char>(n >> 8);
  frame[4] = static_cast<char>(n);
  frame += body;
  if (absl::GetFlag(FLAGS_out).empty()) return Fail("--out is required");
  if (!WriteFile(absl::GetFlag(FLAGS_out), frame)) return Fail("cannot write --out");
  std::printf("%zu\n", body.size());
  return 0;
}

int Call() {
  std::string error;
  std::unique_ptr<gpb::Message> m = ParseRequest(&error);
  if (m == nullptr) return Fail(error);
  auto channel =
      grpc::CreateChannel(absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  const std::string body = m->SerializeAsString();
  grpc::Slice slice(body);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, absl::GetFlag(FLAGS_method), grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) {
    return Fail(absl::StrCat(absl::GetFlag(FLAGS_method), ": code ", status.error_code(), ": ",
                             status.error_message()));
  }
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  if (!absl::GetFlag(FLAGS_out).empty() && !WriteFile(absl::GetFlag(FLAGS_out), bytes)) {
    return Fail("cannot write --out");
  }
  std::printf("OK %zu\n", bytes.size());
  if (!absl::GetFlag(FLAGS_response_type).empty()) {
    std::unique_ptr<gpb::Message> r = NewMessage(absl::GetFlag(FLAGS_response_type));
    if (r == nullptr || !r->ParseFromString(bytes)) return Fail("cannot parse the response");
    std::string text;
    gpb::TextFormat::PrintToString(*r, &text);
    std::fputs(text.c_str(), stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  TouchDescriptors();
  const std::string command = args.size() > 1 ? args[1] : "";
  if (command == "frame") return Frame();
  if (command == "call") return Call();
  return Fail("usage: bench_tool frame|call --flags (see the file's header)");
}
