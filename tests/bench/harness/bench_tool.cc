// bench_tool: small helpers for the benchmark runner (tests/bench/harness/README.md).
//
//   bench_tool frame --type=T (--text=TXT | --text_file=F) --out=F
//       writes one gRPC frame (5-byte prefix + the serialized request) for h2load's -d
//   bench_tool call --target=H:P --method=/pkg.Svc/M --type=T --text=TXT
//                   [--response_type=R] [--out=F]
//       one unary call over plaintext; writes the response bytes to --out, prints
//       "OK <bytes>" (and the response in text format with --response_type), exit 1 on error
//   bench_tool load --target=H:P --members=N [--organizations=O --cells=C --threads=T]
//       a small synthetic dataset for development when bench_dataset is not built
//       (organizations/bench-oK, cells .../cells/cJ, members with generated Vietnamese names)
//
// Message types are looked up by full name in the generated pool (records + analytics).
#include <atomic>
#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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
ABSL_FLAG(int, members, 0, "load: members to admit");
ABSL_FLAG(int, organizations, 2, "load: organizations");
ABSL_FLAG(int, cells, 20, "load: cells (spread over the organizations)");
ABSL_FLAG(int, threads, 16, "load: concurrent callers");

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

// --- load: a small synthetic dataset ----------------------------------------------------

constexpr const char* kFamily[] = {"Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Lê",
                                   "Phạm",   "Hoàng",  "Huỳnh",  "Phan",   "Vũ",   "Võ",
                                   "Đặng",   "Bùi",    "Đỗ",     "Hồ",     "Ngô",  "Dương"};
constexpr const char* kMiddle[] = {"Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Quốc"};
constexpr const char* kGiven[] = {"An",   "Bình",  "Châu",  "Dũng",  "Giang", "Hà",   "Hải",
                                  "Hạnh", "Hùng",  "Hương", "Khánh", "Lan",   "Linh", "Long",
                                  "Mai",  "Nam",   "Nga",   "Phúc",  "Quân",  "Sơn",  "Tâm",
                                  "Thảo", "Trang", "Trung", "Tuấn",  "Vy",    "Yến",  "Ánh"};

template <size_t N>
const char* Pick(const char* const (&list)[N], uint64_t x) {
  return list[x % N];
}

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

google::type::Date Day(int y, int m, int d) {
  google::type::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return c;
}

int Load() {
  const int members = absl::GetFlag(FLAGS_members);
  const int orgs = std::max(1, absl::GetFlag(FLAGS_organizations));
  const int cells = std::max(orgs, absl::GetFlag(FLAGS_cells));
  auto channel =
      grpc::CreateChannel(absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials());
  auto stub = rv1::RecordsService::NewStub(channel);
  for (int o = 0; o < orgs; ++o) {
    rv1::CreateOrganizationRequest req;
    req.set_organization_id(absl::StrCat("bench-o", o));
    req.mutable_organization()->set_code(absl::StrCat("BO", o));
    req.mutable_organization()->set_display_name(absl::StrCat("Đảng bộ thử nghiệm ", o));
    req.mutable_organization()->set_region("Đồng bằng sông Cửu Long");
    *req.mutable_organization()->mutable_valid_from() = Day(2000, 1, 1);
    rv1::Organization out;
    grpc::Status s = stub->CreateOrganization(Context().get(), req, &out);
    if (!s.ok()) return Fail("CreateOrganization: " + s.error_message());
  }
  std::vector<std::string> cell_names;
  for (int c = 0; c < cells; ++c) {
    rv1::CreateCellRequest req;
    req.set_parent(absl::StrCat("organizations/bench-o", c % orgs));
    req.set_cell_id(absl::StrCat("c", c));
    req.mutable_cell()->set_display_name(absl::StrCat("Chi bộ ", c));
    *req.mutable_cell()->mutable_established_date() = Day(2001, 3, 1);
    rv1::Cell out;
    grpc::Status s = stub->CreateCell(Context().get(), req, &out);
    if (!s.ok()) return Fail("CreateCell: " + s.error_message());
    cell_names.push_back(absl::StrCat(req.parent(), "/cells/", req.cell_id()));
  }
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, absl::GetFlag(FLAGS_threads)); ++t) {
    threads.emplace_back([&] {
      for (int n = next++; n < members && !failed; n = next++) {
        const uint64_t r = Mix(static_cast<uint64_t>(n));
        const int c = static_cast<int>(r % cell_names.size());
        rv1::AdmitMemberRequest req;
        req.set_parent(absl::StrCat("organizations/bench-o", c % orgs));
        req.set_member_id(absl::StrFormat("m%07d", n));
        req.set_cell(cell_names[c]);
        rv1::Member* m = req.mutable_member();
        m->set_full_name(absl::StrCat(Pick(kFamily, r >> 8), " ", Pick(kMiddle, r >> 16), " ",
                                      Pick(kGiven, r >> 24)));
        m->set_gender((r >> 40) % 2 ? rv1::Member::MALE : rv1::Member::FEMALE);
        *m->mutable_birth_date() = Day(1960 + static_cast<int>((r >> 32) % 40), 1 + n % 12, 15);
        m->set_national_id(absl::StrFormat("0790%08d", n));
        m->set_party_card_number(absl::StrFormat("%08d", 60000000 + n));
        const int year = 2005 + static_cast<int>((r >> 44) % 18);
        req.mutable_decision()->set_number(absl::StrCat(n, "-QĐ/ĐU"));
        *req.mutable_decision()->mutable_date() = Day(year, 5, 10);
        req.mutable_decision()->set_issuing_body("Ban Thường vụ Đảng ủy");
        *req.mutable_ceremony_date() = Day(year, 5, 19);
        rv1::Member out;
        grpc::Status s = stub->AdmitMember(Context().get(), req, &out);
        if (!s.ok()) {
          failed = true;
          Fail("AdmitMember: " + s.error_message());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  if (failed) return 1;
  std::printf("loaded %d organizations, %d cells, %d members\n", orgs, cells, members);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  TouchDescriptors();
  const std::string command = args.size() > 1 ? args[1] : "";
  if (command == "frame") return Frame();
  if (command == "call") return Call();
  if (command == "load") return Load();
  return Fail("usage: bench_tool frame|call|load --flags (see the file's header)");
}
