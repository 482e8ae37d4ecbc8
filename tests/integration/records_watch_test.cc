// WatchChanges and GetChangeLogState through the real server: resume exactly after a
// sequence, live events in order, heartbeats, OUT_OF_RANGE for trimmed / ahead / foreign
// resume points, and streams ended by a shutdown.
#include <thread>
#include <vector>

#include "absl/time/clock.h"
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

}  // namespace
}  // namespace records::testing
