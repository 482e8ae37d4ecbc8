// WatchChanges, WatchChangeBatches and GetChangeLogState through the real server: resume exactly
// after a sequence, live events in order, heartbeats, OUT_OF_RANGE for trimmed / ahead / foreign
// resume points, streams ended by a shutdown, and a stream whose client stops reading, ended
// by a cancel or a shutdown while the server's write to it is in flight.
#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "common/metrics.h"
#include "gmock/gmock.h"
#include "tests/integration/records_fixture.h"

namespace records::testing {
namespace {

class RecordsWatchTest : public RecordsFixture {
 protected:
  v1::GetChangeLogStateResponse State() {
    v1::GetChangeLogStateResponse state;
    EXPECT_TRUE(
        stub_->GetChangeLogState(Context().get(), v1::GetChangeLogStateRequest(), &state).ok());
    return state;
  }

  // Ten changes: the organization, a cell, eight members.
  void MakeChanges(int first_member) {
    for (int i = 0; i < 8; ++i) {
      Admit(first_member + i, "a", absl::StrCat("Lê Văn Tám ", std::string(i + 1, 'X')));
    }
  }

  struct Stream {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReader<v1::ChangeEvent>> reader;
  };
  Stream Watch(const v1::WatchChangesRequest& req) {
    Stream s;
    s.context = std::make_unique<grpc::ClientContext>();
    s.context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    s.reader = stub_->WatchChanges(s.context.get(), req);
    return s;
  }
};

TEST_F(RecordsWatchTest, AResumedWatchDeliversEveryLaterChangeExactlyOnceInOrder) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  MakeChanges(1);
  const v1::GetChangeLogStateResponse state = State();
  ASSERT_EQ(state.last_sequence(), 10u);
  EXPECT_EQ(state.first_retained_sequence(), 1u);
  EXPECT_FALSE(state.log_id().empty());

  v1::WatchChangesRequest req;
  req.set_start_after_sequence(4);
  req.set_log_id(state.log_id());
  Stream stream = Watch(req);
  std::vector<uint64_t> sequences;
  v1::ChangeEvent event;
  // The backlog (5..10), then a heartbeat at the head.
  while (stream.reader->Read(&event) && !event.heartbeat()) sequences.push_back(event.sequence());
  EXPECT_TRUE(event.heartbeat());
  EXPECT_EQ(event.sequence(), 10u) << "the heartbeat carries the head";
  // Live changes while the stream is open.
  std::thread writer([this] { MakeChanges(100); });
  while (sequences.size() < 14 && stream.reader->Read(&event)) {
    if (event.heartbeat()) continue;
    sequences.push_back(event.sequence());
    EXPECT_EQ(event.resource_type(), v1::ChangeEvent::MEMBER);
    EXPECT_EQ(event.change_kind(), v1::ChangeEvent::CREATED);
    EXPECT_EQ(event.method(), "AdmitMember");
    EXPECT_EQ(event.member().name(), event.resource_name()) << "the resource after the change";
    EXPECT_EQ(event.member_event_kind(), v1::LifecycleEvent::ADMITTED);
  }
  writer.join();
  std::vector<uint64_t> expected;
  for (uint64_t s = 5; s <= 18; ++s) expected.push_back(s);
  EXPECT_EQ(sequences, expected);
  stream.context->TryCancel();
}

TEST_F(RecordsWatchTest, BatchesCarryWatchChangesEventsManyAMessage) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  MakeChanges(1);
  v1::WatchChangesRequest req;
  req.set_start_after_sequence(0);
  std::vector<std::string> one_by_one;  // WatchChanges' backlog, serialized
  {
    Stream stream = Watch(req);
    v1::ChangeEvent event;
    while (stream.reader->Read(&event) && !event.heartbeat()) {
      one_by_one.push_back(event.SerializeAsString());
    }
    stream.context->TryCancel();
  }
  ASSERT_EQ(one_by_one.size(), 10u);

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  std::unique_ptr<grpc::ClientReader<v1::ChangeBatch>> reader =
      stub_->WatchChangeBatches(&context, req);
  v1::ChangeBatch batch;
  ASSERT_TRUE(reader->Read(&batch));
  std::vector<std::string> batched;
  for (const v1::ChangeEvent& e : batch.events()) batched.push_back(e.SerializeAsString());
  EXPECT_EQ(batched, one_by_one) << "the backlog committed before the call: one message";
  ASSERT_TRUE(reader->Read(&batch));
  ASSERT_EQ(batch.events_size(), 1) << "a heartbeat travels alone";
  EXPECT_TRUE(batch.events(0).heartbeat());
  EXPECT_EQ(batch.events(0).sequence(), 10u);

  // Live changes: every event once, in order, in non-empty batches.
  std::thread writer([this] { MakeChanges(100); });
  std::vector<uint64_t> sequences;
  while (sequences.size() < 8 && reader->Read(&batch)) {
    ASSERT_GT(batch.events_size(), 0);
    for (const v1::ChangeEvent& e : batch.events()) {
      if (e.heartbeat()) {
        EXPECT_EQ(batch.events_size(), 1) << "a heartbeat travels alone";
        continue;
      }
      sequences.push_back(e.sequence());
      EXPECT_EQ(e.method(), "AdmitMember");
    }
  }
  writer.join();
  std::vector<uint64_t> expected;
  for (uint64_t s = 11; s <= 18; ++s) expected.push_back(s);
  EXPECT_EQ(sequences, expected);
  context.TryCancel();
}

TEST_F(RecordsWatchTest, BatchedStreamsCheckTheirRequestAsWatchChangesDoes) {
  CreateOrganization();
  v1::WatchChangesRequest req;
  req.set_start_after_sequence(99);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = stub_->WatchChangeBatches(&context, req);
  v1::ChangeBatch batch;
  EXPECT_FALSE(reader->Read(&batch));
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE) << status.error_message();
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("beyond the head"));
}

TEST_F(RecordsWatchTest, FiltersByResourceTypeAndOrganization) {
  CreateOrganization();
  CreateOrganization("other");
  CreateCell("a", "Chi bộ Văn phòng");
  CreateCell("x", "Chi bộ X", "other");
  v1::WatchChangesRequest req;
  req.add_resource_types(v1::ChangeEvent::CELL);
  req.set_organization("organizations/hq");
  Stream stream = Watch(req);
  v1::ChangeEvent event;
  ASSERT_TRUE(stream.reader->Read(&event));
  EXPECT_EQ(event.resource_name(), "organizations/hq/cells/a");
  ASSERT_TRUE(stream.reader->Read(&event));
  EXPECT_TRUE(event.heartbeat());
  EXPECT_EQ(event.sequence(), 4u);
  stream.context->TryCancel();
}

TEST_F(RecordsWatchTest, ResumePointsOutsideTheLogAreOutOfRange) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  v1::ChangeEvent event;
  v1::WatchChangesRequest ahead;
  ahead.set_start_after_sequence(3);
  Stream s1 = Watch(ahead);
  EXPECT_FALSE(s1.reader->Read(&event));
  grpc::Status status = s1.reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(ReasonOf(status), "CHANGE_LOG_AHEAD");

  v1::WatchChangesRequest foreign;
  foreign.set_log_id("0123456789abcdef");
  Stream s2 = Watch(foreign);
  EXPECT_FALSE(s2.reader->Read(&event));
  status = s2.reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(ReasonOf(status), "CHANGE_LOG_ID_MISMATCH");
}

TEST_F(RecordsWatchTest, ATrimmedResumePointIsOutOfRange) {
  server_.reset();
  StartServer(absl::Hours(24 * 7), /*max_events=*/4);
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  MakeChanges(1);
  ASSERT_TRUE(server_->trimmer()->TrimNow(absl::Now()).ok());
  const v1::GetChangeLogStateResponse state = State();
  EXPECT_EQ(state.last_sequence(), 10u);
  EXPECT_EQ(state.first_retained_sequence(), 7u) << "the newest 4 events are kept";

  v1::ChangeEvent event;
  v1::WatchChangesRequest trimmed;
  trimmed.set_start_after_sequence(5);  // needs 6, which is gone
  Stream s1 = Watch(trimmed);
  EXPECT_FALSE(s1.reader->Read(&event));
  grpc::Status status = s1.reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(ReasonOf(status), "CHANGE_LOG_TRIMMED");

  v1::WatchChangesRequest kept;
  kept.set_start_after_sequence(6);
  Stream s2 = Watch(kept);
  ASSERT_TRUE(s2.reader->Read(&event));
  EXPECT_EQ(event.sequence(), 7u);
  s2.context->TryCancel();
}

TEST_F(RecordsWatchTest, AnIdleStreamGetsHeartbeats) {
  CreateOrganization();
  v1::WatchChangesRequest req;
  req.set_start_after_sequence(1);
  req.mutable_heartbeat_interval()->set_seconds(1);
  Stream stream = Watch(req);
  v1::ChangeEvent event;
  const absl::Time start = absl::Now();
  ASSERT_TRUE(stream.reader->Read(&event));  // caught up at once
  EXPECT_TRUE(event.heartbeat());
  ASSERT_TRUE(stream.reader->Read(&event));  // idle for the interval
  EXPECT_TRUE(event.heartbeat());
  EXPECT_EQ(event.sequence(), 1u);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(900));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  stream.context->TryCancel();
}

TEST_F(RecordsWatchTest, ShutdownEndsOpenStreamsPromptly) {
  CreateOrganization();
  Stream stream = Watch(v1::WatchChangesRequest());
  v1::ChangeEvent event;
  ASSERT_TRUE(stream.reader->Read(&event));
  const absl::Time start = absl::Now();
  std::thread stopper([this] { EXPECT_TRUE(server_->Shutdown().ok()); });
  while (stream.reader->Read(&event)) {
  }
  grpc::Status status = stream.reader->Finish();
  stopper.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  server_.reset();
}

// The dangbo_change_streams_open{service="records"} sample on /metrics, -1 when absent.
double OpenStreamsMetric() {
  for (const common::MetricFamily& family : common::MetricsRegistry::Default().Collect()) {
    if (family.name != "dangbo_change_streams_open") continue;
    for (const common::MetricSample& sample : family.samples) {
      if (sample.labels == common::MetricLabels{{"service", "records"}}) return sample.value;
    }
  }
  return -1;
}

class BlockedWatchTest : public RecordsWatchTest {
 protected:
  // Opens a watch from the start of a backlog far larger than the client's HTTP/2
  // flow-control window (kept small: no window growth from bandwidth probes), reads one event
  // and stops reading: the server's write to it stays in flight.
  void OpenBlockedStream() {
    CreateOrganization();
    CreateCell("a", "Chi bộ Văn phòng");
    for (int i = 1; i <= 300; ++i) Admit(i, "a", "Nguyễn Thị Minh Khai");
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 4096);
    slow_stub_ = v1::RecordsService::NewStub(
        grpc::CreateCustomChannel(server_->address(), grpc::InsecureChannelCredentials(), args));
    stream_.context = std::make_unique<grpc::ClientContext>();
    stream_.context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    stream_.reader = slow_stub_->WatchChanges(stream_.context.get(), v1::WatchChangesRequest());
    v1::ChangeEvent event;
    ASSERT_TRUE(stream_.reader->Read(&event));
    EXPECT_EQ(event.sequence(), 1u);
    EXPECT_EQ(server_->hub()->open_streams(), 1u);
    EXPECT_EQ(OpenStreamsMetric(), 1);
    absl::SleepFor(absl::Milliseconds(300));  // the server fills the window and waits
  }

  // Reads what is left; the status the stream ended with.
  grpc::Status Drain() {
    v1::ChangeEvent event;
    while (stream_.reader->Read(&event)) {
    }
    return stream_.reader->Finish();
  }

  std::unique_ptr<v1::RecordsService::Stub> slow_stub_;
  Stream stream_;
};

TEST_F(BlockedWatchTest, ACancelEndsTheStream) {
  ASSERT_NO_FATAL_FAILURE(OpenBlockedStream());
  stream_.context->TryCancel();
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (server_->hub()->open_streams() > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(server_->hub()->open_streams(), 0u) << "the cancelled stream never finished";
  EXPECT_EQ(OpenStreamsMetric(), 0);
  EXPECT_EQ(Drain().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(BlockedWatchTest, AShutdownEndsTheStreamAndCompletes) {
  ASSERT_NO_FATAL_FAILURE(OpenBlockedStream());
  // The stream's end waits for the write in flight; however that write completes (the
  // transport flushes it, or the grace period cancels the call), the stream must then finish,
  // or the shutdown waits for it forever.
  const absl::Time start = absl::Now();
  std::promise<absl::Status> stopped;
  std::future<absl::Status> result = stopped.get_future();
  std::thread stopper([&] { stopped.set_value(server_->Shutdown()); });
  if (result.wait_for(std::chrono::seconds(15)) != std::future_status::ready) {
    // The shutdown waits for a stream that never finishes; nothing can join it.
    ADD_FAILURE() << "the server's shutdown hangs on a stream whose write was in flight";
    std::fflush(stdout);
    std::_Exit(1);
  }
  stopper.join();
  EXPECT_TRUE(result.get().ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(8)) << "within the grace period, and a little";
  EXPECT_EQ(server_->hub()->open_streams(), 0u);
  const grpc::StatusCode code = Drain().error_code();
  EXPECT_TRUE(code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::CANCELLED) << code;
  server_.reset();
}

}  // namespace
}  // namespace records::testing
