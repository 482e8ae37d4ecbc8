// Indicator replication: one analytics writer owns the indicators; read replicas follow its
// indicator log (WatchIndicatorChanges), forward writes to it, read their own writes, are
// NOT_SERVING until synced, resume after a restart, rebuild on an empty directory, and start
// again from nothing when the writer's data is replaced.
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "services/analytics/seed/seed_data.h"
#include "services/analytics/seed/seed_loader.h"
#include "tests/integration/analytics_support.h"
#include "tests/support/process.h"

namespace {

using namespace analytics_testing;  // NOLINT
using ::testing::HasSubstr;
using testing_support::TempDir;

std::string Target(int port) { return absl::StrCat("127.0.0.1:", port); }

// Everything a reader can see of the indicators: every organization's indicators and
// observations, serialized.
std::string Snapshot(v1::AnalyticsService::Stub& stub) {
  std::string out;
  for (const auto& o : analytics::seed::SeedOrganizations()) {
    v1::ListIndicatorsRequest indicators;
    indicators.set_parent(o.name);
    indicators.set_page_size(1000);
    v1::ListIndicatorsResponse listed;
    grpc::Status s = stub.ListIndicators(Context().get(), indicators, &listed);
    if (!s.ok()) return "error: " + s.error_message();
    out += listed.SerializeAsString();
    for (const v1::Indicator& indicator : listed.indicators()) {
      v1::ListObservationsRequest observations;
      observations.set_indicator(indicator.name());
      observations.set_page_size(1000);
      observations.set_include_revisions(true);
      v1::ListObservationsResponse recorded;
      s = stub.ListObservations(Context().get(), observations, &recorded);
      if (!s.ok()) return "error: " + s.error_message();
      out += recorded.SerializeAsString();
    }
  }
  return out;
}

grpc::health::v1::HealthCheckResponse::ServingStatus Health(int port) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(Target(port), grpc::InsecureChannelCredentials()));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("dangbo.analytics.v1.AnalyticsService");
  grpc::health::v1::HealthCheckResponse response;
  if (!stub->Check(Context().get(), request, &response).ok()) {
    return grpc::health::v1::HealthCheckResponse::UNKNOWN;
  }
  return response.status();
}

v1::IndicatorReplication Replication(v1::AnalyticsService::Stub& stub) {
  v1::GetFollowerStatusResponse status;
  EXPECT_TRUE(stub.GetFollowerStatus(Context().get(), {}, &status).ok());
  return status.indicator_replication();
}

class AnalyticsReplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writer_ = StartAnalytics(dir_.Sub("writer"));
    ASSERT_NE(writer_, nullptr);
    writer_stub_ = Connect(writer_->port());
    analytics::seed::SeedReport report;
    ASSERT_TRUE(analytics::seed::LoadSeed(*writer_stub_, &report).ok());
  }

  std::unique_ptr<analytics::AnalyticsServer> Replica(const std::string& name) {
    auto replica = StartReplica(dir_.Sub(name), Target(writer_->port()));
    EXPECT_NE(replica, nullptr);
    return replica;
  }

  // True once the replica has applied everything the writer has committed.
  bool CaughtUp(v1::AnalyticsService::Stub& replica) {
    return WaitFor([&] {
      return Replication(replica).last_applied_sequence() ==
             Replication(*writer_stub_).last_applied_sequence();
    });
  }

  TempDir dir_;
  std::unique_ptr<analytics::AnalyticsServer> writer_;
  std::unique_ptr<v1::AnalyticsService::Stub> writer_stub_;
};

TEST_F(AnalyticsReplicationTest, AReplicaAnswersExactlyAsTheWriterOnceSynced) {
  auto replica = Replica("replica");
  ASSERT_NE(replica, nullptr);
  auto stub = Connect(replica->port());
  ASSERT_TRUE(WaitFor(
      [&] { return Health(replica->port()) == grpc::health::v1::HealthCheckResponse::SERVING; }));
  const v1::IndicatorReplication r = Replication(*stub);
  EXPECT_EQ(r.role(), "replica");
  EXPECT_TRUE(r.synced());
  EXPECT_GT(r.last_applied_sequence(), 0u);
  EXPECT_EQ(r.log_id(), Replication(*writer_stub_).log_id());
  EXPECT_EQ(r.last_applied_sequence(), Replication(*writer_stub_).last_applied_sequence());
  EXPECT_EQ(Snapshot(*stub), Snapshot(*writer_stub_));

  // The article's comparison, answered by the replica from its own store.
  v1::CompareYearsRequest compare;
  compare.set_organization(analytics::seed::kSeedOrganization);
  compare.set_base_year(2015);
  compare.set_year(2019);
  v1::CompareYearsResponse from_replica;
  v1::CompareYearsResponse from_writer;
  ASSERT_TRUE(stub->CompareYears(Context().get(), compare, &from_replica).ok());
  ASSERT_TRUE(writer_stub_->CompareYears(Context().get(), compare, &from_writer).ok());
  EXPECT_GT(from_replica.comparisons_size(), 0);
  EXPECT_EQ(from_replica.comparisons(0).SerializeAsString(),
            from_writer.comparisons(0).SerializeAsString());
}

TEST_F(AnalyticsReplicationTest, AReplicaIsNotServingUntilItHasSyncedWithTheWriter) {
  const int port = writer_->port();
  writer_->Shutdown();
  auto replica = StartReplica(dir_.Sub("replica"), Target(port));
  ASSERT_NE(replica, nullptr);
  auto stub = Connect(replica->port());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Health(replica->port()), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  const v1::IndicatorReplication r = Replication(*stub);
  EXPECT_FALSE(r.synced());
  EXPECT_FALSE(r.following());
  EXPECT_GT(r.reconnects(), 0);
  EXPECT_FALSE(r.last_error().empty());

  // A write cannot be forwarded: UNAVAILABLE, saying why.
  v1::Indicator created;
  grpc::Status s = stub->CreateIndicator(Context().get(), NewIndicator("new-one"), &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(s.error_message(), HasSubstr("analytics writer"));

  // The writer comes back on the same directory and port: the replica syncs and serves.
  analytics::AnalyticsConfig config = TestConfig(dir_.Sub("writer"));
  config.server.port = port;
  auto writer = analytics::AnalyticsServer::Start(config);
  ASSERT_TRUE(writer.ok()) << writer.status();
  EXPECT_TRUE(WaitFor(
      [&] { return Health(replica->port()) == grpc::health::v1::HealthCheckResponse::SERVING; }));
  EXPECT_EQ(Snapshot(*stub), Snapshot(*writer_stub_));
}

TEST_F(AnalyticsReplicationTest, WritesSentToAReplicaAreForwardedAndReadBackAtOnce) {
  auto a = Replica("a");
  auto b = Replica("b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  auto stub_a = Connect(a->port());
  auto stub_b = Connect(b->port());
  ASSERT_TRUE(CaughtUp(*stub_a));

  v1::CreateIndicatorRequest create = NewIndicator("customs-inspections");
  create.set_request_id("5f0c6a52-2f0b-4d8e-9a51-3c1f6c1d2b7e");
  v1::Indicator created;
  grpc::Status s = stub_a->CreateIndicator(Context().get(), create, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  // Read your write, from the replica that forwarded it, with no waiting.
  v1::GetIndicatorRequest get;
  get.set_name(created.name());
  v1::Indicator read;
  ASSERT_TRUE(stub_a->GetIndicator(Context().get(), get, &read).ok());
  EXPECT_EQ(read.etag(), created.etag());
  ASSERT_TRUE(writer_stub_->GetIndicator(Context().get(), get, &read).ok());
  EXPECT_EQ(read.etag(), created.etag());

  // The same request_id through the other replica: the writer's first answer, nothing new.
  const uint64_t head = Replication(*writer_stub_).last_applied_sequence();
  v1::Indicator again;
  ASSERT_TRUE(stub_b->CreateIndicator(Context().get(), create, &again).ok());
  EXPECT_EQ(again.SerializeAsString(), created.SerializeAsString());
  EXPECT_EQ(Replication(*writer_stub_).last_applied_sequence(), head);

  // The writer's errors reach the caller unchanged, details included.
  v1::UpdateIndicatorRequest update;
  *update.mutable_indicator() = created;
  update.mutable_indicator()->set_display_name("Số cuộc kiểm tra sau thông quan");
  update.mutable_indicator()->set_etag("0000000000000000");
  update.mutable_update_mask()->add_paths("display_name");
  v1::Indicator updated;
  s = stub_b->UpdateIndicator(Context().get(), update, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(s.error_details()));
  google::rpc::ErrorInfo info;
  ASSERT_GT(details.details_size(), 0);
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "ETAG_MISMATCH");
  v1::CreateIndicatorRequest bad = NewIndicator("Not An Id");
  s = stub_b->CreateIndicator(Context().get(), bad, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("indicator_id"));

  // Observations recorded through a replica, then the indicator deleted with them.
  v1::RecordObservationsRequest record;
  record.set_parent(analytics::seed::kSeedOrganization);
  record.set_csv(
      "indicator,year,actual\ncustoms-inspections,2019,412\ncustoms-inspections,2020,450\n");
  v1::RecordObservationsResponse recorded;
  ASSERT_TRUE(stub_b->RecordObservations(Context().get(), record, &recorded).ok());
  EXPECT_EQ(recorded.written(), 2);
  ASSERT_TRUE(CaughtUp(*stub_a));
  EXPECT_EQ(Snapshot(*stub_a), Snapshot(*writer_stub_));
  EXPECT_EQ(Snapshot(*stub_b), Snapshot(*writer_stub_));

  v1::DeleteIndicatorRequest remove;
  remove.set_name(created.name());
  remove.set_force(true);
  google::protobuf::Empty empty;
  ASSERT_TRUE(stub_a->DeleteIndicator(Context().get(), remove, &empty).ok());
  EXPECT_EQ(stub_a->GetIndicator(Context().get(), get, &read).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(CaughtUp(*stub_b));
  EXPECT_EQ(Snapshot(*stub_b), Snapshot(*writer_stub_));
  v1::ListObservationsRequest observations;
  observations.set_indicator(created.name());
  v1::ListObservationsResponse none;
  s = stub_b->ListObservations(Context().get(), observations, &none);
  EXPECT_TRUE(s.error_code() == grpc::StatusCode::NOT_FOUND || none.observations_size() == 0)
      << s.error_message();
}

TEST_F(AnalyticsReplicationTest, AReplicaResumesAfterARestartAndRebuildsOnAnEmptyDirectory) {
  auto replica = Replica("replica");
  ASSERT_NE(replica, nullptr);
  ASSERT_TRUE(CaughtUp(*Connect(replica->port())));
  replica->Shutdown();
  replica.reset();

  // Changes while the replica is down.
  for (const char* id : {"late-one", "late-two"}) {
    v1::Indicator created;
    ASSERT_TRUE(writer_stub_->CreateIndicator(Context().get(), NewIndicator(id), &created).ok());
  }
  replica = Replica("replica");
  ASSERT_NE(replica, nullptr);
  auto stub = Connect(replica->port());
  ASSERT_TRUE(CaughtUp(*stub));
  EXPECT_EQ(Snapshot(*stub), Snapshot(*writer_stub_));

  // A pod on a fresh emptyDir: the same data from the log alone.
  auto fresh = Replica("fresh");
  ASSERT_NE(fresh, nullptr);
  auto fresh_stub = Connect(fresh->port());
  ASSERT_TRUE(CaughtUp(*fresh_stub));
  EXPECT_EQ(Snapshot(*fresh_stub), Snapshot(*writer_stub_));
}

TEST_F(AnalyticsReplicationTest, AReplacedWriterLogMakesReplicasStartAgainFromNothing) {
  auto replica = Replica("replica");
  ASSERT_NE(replica, nullptr);
  auto stub = Connect(replica->port());
  ASSERT_TRUE(CaughtUp(*stub));
  const std::string old_log = Replication(*stub).log_id();

  // The writer's volume is replaced by an empty one (same address): one indicator only.
  const int port = writer_->port();
  writer_->Shutdown();
  analytics::AnalyticsConfig config = TestConfig(dir_.Sub("writer-new"));
  config.server.port = port;
  auto replaced = analytics::AnalyticsServer::Start(config);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  writer_stub_ = Connect(port);
  v1::Indicator created;
  ASSERT_TRUE(
      writer_stub_->CreateIndicator(Context().get(), NewIndicator("only-one"), &created).ok());

  ASSERT_TRUE(WaitFor([&] {
    const v1::IndicatorReplication r = Replication(*stub);
    return r.log_id() != old_log && r.last_applied_sequence() == 1;
  }));
  EXPECT_EQ(Snapshot(*stub), Snapshot(*writer_stub_));
  v1::ListIndicatorsRequest list;
  list.set_parent(analytics::seed::kSeedOrganization);
  v1::ListIndicatorsResponse listed;
  ASSERT_TRUE(stub->ListIndicators(Context().get(), list, &listed).ok());
  ASSERT_EQ(listed.indicators_size(), 1);
  EXPECT_EQ(listed.indicators(0).name(), created.name());
}

TEST_F(AnalyticsReplicationTest, OnlyTheWriterServesItsLogAndChecksTheResumePoint) {
  auto replica = Replica("replica");
  ASSERT_NE(replica, nullptr);
  auto stub = Connect(replica->port());
  v1::WatchIndicatorChangesRequest request;
  v1::IndicatorChange change;
  {
    auto context = Context();
    auto reader = stub->WatchIndicatorChanges(context.get(), request);
    EXPECT_FALSE(reader->Read(&change));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  }
  request.set_log_id("not-this-log");
  {
    auto context = Context();
    auto reader = writer_stub_->WatchIndicatorChanges(context.get(), request);
    EXPECT_FALSE(reader->Read(&change));
    grpc::Status s = reader->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_THAT(s.error_message(), HasSubstr("log_id"));
  }
  request.set_log_id("");
  request.set_start_after_sequence(1u << 30);
  {
    auto context = Context();
    auto reader = writer_stub_->WatchIndicatorChanges(context.get(), request);
    EXPECT_FALSE(reader->Read(&change));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::OUT_OF_RANGE);
  }
  // From the start: every change in order, then a heartbeat at the head.
  request.set_start_after_sequence(0);
  auto context = Context();
  auto reader = writer_stub_->WatchIndicatorChanges(context.get(), request);
  const uint64_t head = Replication(*writer_stub_).last_applied_sequence();
  uint64_t expected = 1;
  while (reader->Read(&change) && !change.heartbeat()) {
    EXPECT_EQ(change.sequence(), expected++);
    EXPECT_TRUE(change.has_indicator() || change.has_observation());
  }
  EXPECT_TRUE(change.heartbeat());
  EXPECT_EQ(change.sequence(), head);
  EXPECT_EQ(expected, head + 1);
  context->TryCancel();
  reader->Finish();
}

}  // namespace
