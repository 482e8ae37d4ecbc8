// bare_server: the benchmark's "limit" — the same gRPC build, callback API and contract as
// records and analytics, answering from memory with responses captured from the real
// servers (so the bytes on the wire are the same size):
//   RecordsService.GetMember        -> the Member in --member_file
//   RecordsService.ListMembers      -> the ListMembersResponse (a page of 50) in --list_file
//   AnalyticsService.GetYearlyPerformance -> the response in --yearly_file
// Every other method answers UNIMPLEMENTED (the generated base class). Each reply is a copy
// of the message held in memory, serialized by gRPC as ours are.
//
// On SIGTERM/SIGINT it shuts down and prints the OK replies per method as one JSON line
// on stdout, so the runner can check every measured request succeeded.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(int, port, 0, "port on 127.0.0.1 (0: pick one)");
ABSL_FLAG(std::string, port_file, "", "write the bound port there");
ABSL_FLAG(std::string, member_file, "", "serialized Member (GetMember's reply)");
ABSL_FLAG(std::string, list_file, "", "serialized ListMembersResponse (ListMembers' reply)");
ABSL_FLAG(std::string, yearly_file, "", "serialized GetYearlyPerformanceResponse");
ABSL_FLAG(int, max_concurrent_streams, 1000, "as records' --max_concurrent_streams");

namespace {

namespace rv1 = ::dangbo::records::v1;
namespace av1 = ::dangbo::analytics::v1;

bool Load(const std::string& path, google::protobuf::Message* m) {
  if (path.empty()) return true;
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return in.good() && m->ParseFromString(ss.str());
}

class BareRecords final : public rv1::RecordsService::CallbackService {
 public:
  rv1::Member member;
  rv1::ListMembersResponse list;
  std::atomic<uint64_t> get_ok{0}, list_ok{0};

  grpc::ServerUnaryReactor* GetMember(grpc::CallbackServerContext* context,
                                      const rv1::GetMemberRequest*,
                                      rv1::Member* response) override {
    *response = member;
    get_ok.fetch_add(1, std::memory_order_relaxed);
    grpc::ServerUnaryReactor* r = context->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }
  grpc::ServerUnaryReactor* ListMembers(grpc::CallbackServerContext* context,
                                        const rv1::ListMembersRequest*,
                                        rv1::ListMembersResponse* response) override {
    *response = list;
    list_ok.fetch_add(1, std::memory_order_relaxed);
    grpc::ServerUnaryReactor* r = context->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }
};

class BareAnalytics final : public av1::AnalyticsService::CallbackService {
 public:
  av1::GetYearlyPerformanceResponse yearly;
  std::atomic<uint64_t> yearly_ok{0};

  grpc::ServerUnaryReactor* GetYearlyPerformance(
      grpc::CallbackServerContext* context, const av1::GetYearlyPerformanceRequest*,
      av1::GetYearlyPerformanceResponse* response) override {
    *response = yearly;
    yearly_ok.fetch_add(1, std::memory_order_relaxed);
    grpc::ServerUnaryReactor* r = context->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }
};

}  // namespace

int main(int argc, char** argv) {
  // As dangbo's servers do (common::InitFlags): Debian's Abseil checks lock order otherwise.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before gRPC starts its threads
  absl::ParseCommandLine(argc, argv);

  BareRecords records;
  BareAnalytics analytics;
  if (!Load(absl::GetFlag(FLAGS_member_file), &records.member) ||
      !Load(absl::GetFlag(FLAGS_list_file), &records.list) ||
      !Load(absl::GetFlag(FLAGS_yearly_file), &analytics.yearly)) {
    std::fprintf(stderr, "bare_server: cannot read a response file\n");
    return 2;
  }
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(absl::GetFlag(FLAGS_port)),
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&records);
  builder.RegisterService(&analytics);
  builder.SetMaxReceiveMessageSize(16 << 20);
  builder.SetMaxSendMessageSize(16 << 20);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             absl::GetFlag(FLAGS_max_concurrent_streams));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "bare_server: cannot listen\n");
    return 1;
  }
  if (!absl::GetFlag(FLAGS_port_file).empty()) {
    std::ofstream(absl::GetFlag(FLAGS_port_file)) << port << "\n";
  }
  std::fprintf(stderr, "bare_server: serving on 127.0.0.1:%d\n", port);
  int sig = 0;
  sigwait(&signals, &sig);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  std::printf("{\"GetMember\": %llu, \"ListMembers\": %llu, \"GetYearlyPerformance\": %llu}\n",
              static_cast<unsigned long long>(records.get_ok.load()),
              static_cast<unsigned long long>(records.list_ok.load()),
              static_cast<unsigned long long>(analytics.yearly_ok.load()));
  std::fflush(stdout);
  return 0;
}
