// records_server as a real process: SIGTERM with an open WatchChanges stream exits 0
// promptly (the stream ends UNAVAILABLE), the data survives a restart, and bad records flags
// stop the server before it serves.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/time/clock.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace {

namespace v1 = ::dangbo::records::v1;
using testing_support::ServerProcess;
using testing_support::TempDir;

// SIGTERM while servicing the connection; returns the exit code.
int StopWhilePolling(ServerProcess* server, grpc::Channel* channel);

// Services `channel`'s connection (as a live client's event loop does, so the server's
// graceful GOAWAY is answered) until `done`.
void PollUntil(grpc::Channel* channel, const std::atomic<bool>& done) {
  while (!done.load()) {
    channel->WaitForStateChange(channel->GetState(false),
                                std::chrono::system_clock::now() + std::chrono::milliseconds(50));
  }
}

int StopWhilePolling(ServerProcess* server, grpc::Channel* channel) {
  std::atomic<bool> stopped{false};
  int exit_code = -1;
  std::thread stopper([&] {
    exit_code = server->Stop(SIGTERM, absl::Seconds(10));
    stopped = true;
  });
  PollUntil(channel, stopped);
  stopper.join();
  return exit_code;
}

TEST(RecordsShutdownTest, SigtermWithAnOpenWatchExitsZeroPromptly) {
  TempDir dir;
  auto server = ServerProcess::Start(RECORDS_SERVER_BINARY,
                                     {"--data_dir=" + dir.Sub("db"), "--metrics_port=0"});
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials());
  auto stub = v1::RecordsService::NewStub(channel);
  grpc::ClientContext context;
  auto reader = stub->WatchChanges(&context, v1::WatchChangesRequest());
  v1::ChangeEvent event;
  ASSERT_TRUE(reader->Read(&event));  // the caught-up heartbeat: the stream is open
  EXPECT_TRUE(event.heartbeat());

  const absl::Time start = absl::Now();
  int exit_code = -1;
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    exit_code = (*server)->Stop(SIGTERM, absl::Seconds(10));
    stopped = true;
  });
  while (reader->Read(&event)) {
  }
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2)) << "the stream ends at once";
  PollUntil(channel.get(), stopped);
  stopper.join();
  EXPECT_EQ(exit_code, 0) << (*server)->Log();
  EXPECT_LT(absl::Now() - start, absl::Seconds(4)) << "the process exits promptly\n"
                                                   << (*server)->Log();
}

TEST(RecordsShutdownTest, CommittedDataSurvivesARestart) {
  TempDir dir;
  std::string log_id;
  {
    auto server = ServerProcess::Start(RECORDS_SERVER_BINARY, {"--data_dir=" + dir.Sub("db")});
    ASSERT_TRUE(server.ok()) << server.status();
    auto channel = grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials());
    auto stub = v1::RecordsService::NewStub(channel);
    v1::CreateOrganizationRequest req;
    req.set_organization_id("hq");
    req.mutable_organization()->set_code("HQ");
    req.mutable_organization()->set_display_name("Đảng bộ Cục Hải quan Long An");
    req.mutable_organization()->mutable_valid_from()->set_year(2015);
    req.mutable_organization()->mutable_valid_from()->set_month(1);
    req.mutable_organization()->mutable_valid_from()->set_day(1);
    v1::Organization org;
    grpc::ClientContext c1;
    ASSERT_TRUE(stub->CreateOrganization(&c1, req, &org).ok());
    grpc::ClientContext c2;
    v1::GetChangeLogStateResponse state;
    ASSERT_TRUE(stub->GetChangeLogState(&c2, v1::GetChangeLogStateRequest(), &state).ok());
    log_id = state.log_id();
    EXPECT_EQ(StopWhilePolling(server->get(), channel.get()), 0);
  }
  auto server = ServerProcess::Start(RECORDS_SERVER_BINARY, {"--data_dir=" + dir.Sub("db")});
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials());
  auto stub = v1::RecordsService::NewStub(channel);
  grpc::ClientContext c1;
  v1::GetOrganizationRequest get;
  get.set_name("organizations/hq");
  v1::Organization org;
  EXPECT_TRUE(stub->GetOrganization(&c1, get, &org).ok());
  grpc::ClientContext c2;
  v1::GetChangeLogStateResponse state;
  ASSERT_TRUE(stub->GetChangeLogState(&c2, v1::GetChangeLogStateRequest(), &state).ok());
  EXPECT_EQ(state.log_id(), log_id);
  EXPECT_EQ(state.last_sequence(), 1u);
  EXPECT_EQ(StopWhilePolling(server->get(), channel.get()), 0);
}

TEST(RecordsShutdownTest, AnInvalidRetentionFlagStopsTheServer) {
  TempDir dir;
  auto server = ServerProcess::Start(RECORDS_SERVER_BINARY,
                                     {"--data_dir=" + dir.Sub("db"), "--change_log_retention=1s"},
                                     absl::Seconds(5));
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("change_log_retention"), absl::string_view::npos)
      << server.status();
}

}  // namespace
