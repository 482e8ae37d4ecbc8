// The writer's indicator log: every indicator and observation write logged in its own
// batch, tombstones for an indicator's observations when it is deleted, a schema-1 directory
// upgraded by logging what it holds, and a replica's store built from the log alone.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/analytics/store/analytics_db.h"
#include "services/analytics/store/indicator_store.h"
#include "tests/support/process.h"

namespace analytics {
namespace {

using testing_support::TempDir;
namespace v1 = ::dangbo::analytics::v1;

common::StoreOptions Options(const std::string& path) {
  common::StoreOptions options;
  options.path = path;
  options.block_cache_bytes = 8 << 20;
  options.sync_writes = false;
  return options;
}

Indicator MakeIndicator(const std::string& org, const std::string& id) {
  Indicator indicator;
  indicator.set_name("organizations/" + org + "/indicators/" + id);
  indicator.set_display_name("Thu ngân sách " + id);
  return indicator;
}

Observation MakeObservation(const std::string& org, const std::string& id, int year,
                            const std::string& actual) {
  Observation o;
  o.set_indicator("organizations/" + org + "/indicators/" + id);
  o.set_year(year);
  o.mutable_actual()->set_value(actual);
  return o;
}

void Commit(IndicatorStore& store, IndicatorWrite* write) {
  absl::MutexLock lock(&store.write_mutex());
  ASSERT_TRUE(store.Commit(write).ok());
}

std::vector<v1::IndicatorChange> Log(const IndicatorStore& store, uint64_t after = 0) {
  absl::StatusOr<std::vector<v1::IndicatorChange>> log = store.ReadLog(after, 1000);
  EXPECT_TRUE(log.ok()) << log.status();
  return log.ok() ? *log : std::vector<v1::IndicatorChange>{};
}

// Everything stored, as "key=value" lines of both families.
std::string Contents(IndicatorStore& store, const std::string& org) {
  std::string out;
  absl::StatusOr<std::vector<Indicator>> indicators = store.ListIndicators(org);
  absl::StatusOr<std::vector<Observation>> observations = store.ListObservations(org, "", 0, 9999);
  EXPECT_TRUE(indicators.ok()) << indicators.status();
  EXPECT_TRUE(observations.ok()) << observations.status();
  if (!indicators.ok() || !observations.ok()) return "(unreadable)";
  for (const Indicator& i : *indicators) out += i.SerializeAsString() + "\n";
  for (const Observation& o : *observations) out += o.SerializeAsString() + "\n";
  return out;
}

TEST(IndicatorLogTest, EveryWriteIsLoggedInOrderWithTombstonesForDeletedObservations) {
  TempDir dir;
  auto db = OpenAnalyticsDb(Options(dir.Sub("db")));
  ASSERT_TRUE(db.ok()) << db.status();
  IndicatorStore store(db->get());
  ASSERT_TRUE(store.OpenLog().ok());
  EXPECT_EQ(store.last_sequence(), 0u);
  EXPECT_EQ(store.log_id().size(), 32u);
  std::vector<uint64_t> notified;
  store.SetCommitListener([&](uint64_t head) { notified.push_back(head); });

  IndicatorWrite create;
  store.PutIndicator(&create, "o", "revenue", MakeIndicator("o", "revenue"));
  Commit(store, &create);
  IndicatorWrite record;
  store.PutObservation(&record, "o", "revenue", MakeObservation("o", "revenue", 2019, "1"));
  store.PutObservation(&record, "o", "revenue", MakeObservation("o", "revenue", 2020, "2"));
  Commit(store, &record);
  IndicatorWrite request_only;  // idempotency records are not replicated
  store.PutRequest(&request_only, "CreateIndicator", "r-1", {});
  Commit(store, &request_only);
  IndicatorWrite remove;
  ASSERT_TRUE(store.DeleteIndicator(&remove, "o", "revenue").ok());
  Commit(store, &remove);

  EXPECT_EQ(store.last_sequence(), 6u);
  EXPECT_EQ(notified, (std::vector<uint64_t>{1, 3, 6}));
  std::vector<v1::IndicatorChange> log = Log(store);
  ASSERT_EQ(log.size(), 6u);
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].sequence(), i + 1);
    EXPECT_EQ(log[i].log_id(), store.log_id());
  }
  EXPECT_EQ(log[0].indicator().display_name(), "Thu ngân sách revenue");
  EXPECT_EQ(log[2].observation().year(), 2020);
  EXPECT_TRUE(log[3].deleted());
  EXPECT_EQ(log[3].indicator().name(), "organizations/o/indicators/revenue");
  EXPECT_TRUE(log[4].deleted());
  EXPECT_EQ(log[4].observation().year(), 2019);
  EXPECT_TRUE(log[5].deleted());
  EXPECT_EQ(log[5].observation().year(), 2020);
  EXPECT_EQ(Log(store, 4).size(), 2u);
  EXPECT_TRUE(Log(store, 6).empty());
  EXPECT_EQ(Contents(store, "o"), "");
}

TEST(IndicatorLogTest, AReplicaBuiltFromTheLogHoldsExactlyTheWritersData) {
  TempDir dir;
  auto writer_db = OpenAnalyticsDb(Options(dir.Sub("writer")));
  auto replica_db = OpenAnalyticsDb(Options(dir.Sub("replica")));
  ASSERT_TRUE(writer_db.ok() && replica_db.ok());
  IndicatorStore writer(writer_db->get());
  IndicatorStore replica(replica_db->get());
  ASSERT_TRUE(writer.OpenLog().ok());

  // Stale data on the replica (another writer's log) is cleared by the first reset.
  ASSERT_TRUE(replica
                  .ApplyReplicated({[] {
                                     v1::IndicatorChange c;
                                     *c.mutable_indicator() = MakeIndicator("o", "stale");
                                     return c;
                                   }()},
                                   FollowerState())
                  .ok());
  ASSERT_NE(Contents(replica, "o"), "");

  for (const char* id : {"a", "b", "c"}) {
    IndicatorWrite w;
    writer.PutIndicator(&w, "o", id, MakeIndicator("o", id));
    writer.PutObservation(&w, "o", id, MakeObservation("o", id, 2019, "10"));
    Commit(writer, &w);
  }
  IndicatorWrite update;
  writer.PutObservation(&update, "o", "a", MakeObservation("o", "a", 2019, "11"));
  ASSERT_TRUE(writer.DeleteIndicator(&update, "o", "b").ok());
  Commit(writer, &update);

  FollowerState position;
  position.set_log_id(writer.log_id());
  position.set_last_applied_sequence(writer.last_sequence());
  ASSERT_TRUE(replica.ApplyReplicated(Log(writer), position, /*reset=*/true).ok());
  EXPECT_EQ(Contents(replica, "o"), Contents(writer, "o"));
  absl::StatusOr<FollowerState> loaded = replica.LoadReplicaPosition();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->SerializeAsString(), position.SerializeAsString());
  // A replica's store has no log of its own: it cannot take writes.
  IndicatorWrite refused;
  replica.PutIndicator(&refused, "o", "d", MakeIndicator("o", "d"));
  absl::MutexLock lock(&replica.write_mutex());
  EXPECT_TRUE(absl::IsFailedPrecondition(replica.Commit(&refused)));
}

TEST(IndicatorLogTest, ASchemaOneDirectoryIsUpgradedByLoggingWhatItHolds) {
  TempDir dir;
  {
    // What analytics schema 1 wrote: indicators and observations, no log.
    common::StoreOptions options = Options(dir.Sub("db"));
    options.column_families = {kMetaFamily, kIndicatorsFamily, kObservationsFamily,
                               kRequestsFamily};
    auto db = common::Store::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    dangbo::analytics::storage::v1::Identity identity;
    identity.set_service("analytics");
    identity.set_schema(1);
    rocksdb::WriteBatch batch;
    common::Store& s = **db;
    batch.Put(s.cf(kMetaFamily), "identity", identity.SerializeAsString());
    batch.Put(s.cf(kIndicatorsFamily), "o/a", MakeIndicator("o", "a").SerializeAsString());
    batch.Put(s.cf(kObservationsFamily), "o/a/2019",
              MakeObservation("o", "a", 2019, "5").SerializeAsString());
    batch.Put(s.cf(kObservationsFamily), "o/a/2020",
              MakeObservation("o", "a", 2020, "6").SerializeAsString());
    ASSERT_TRUE(s.Write(&batch).ok());
  }
  std::string log_id;
  {
    auto db = OpenAnalyticsDb(Options(dir.Sub("db")));
    ASSERT_TRUE(db.ok()) << db.status();
    IndicatorStore store(db->get());
    ASSERT_TRUE(store.OpenLog().ok());
    EXPECT_EQ(store.last_sequence(), 3u);
    std::vector<v1::IndicatorChange> log = Log(store);
    ASSERT_EQ(log.size(), 3u);
    EXPECT_TRUE(log[0].has_indicator());
    EXPECT_EQ(log[2].observation().year(), 2020);
    log_id = store.log_id();
    auto identity = (*db)->Get((*db)->cf(kMetaFamily), "identity");
    ASSERT_TRUE(identity.ok());
    dangbo::analytics::storage::v1::Identity parsed;
    ASSERT_TRUE(parsed.ParseFromString(*identity));
    EXPECT_EQ(parsed.schema(), 2);
  }
  // Reopening keeps the log as it is.
  auto db = OpenAnalyticsDb(Options(dir.Sub("db")));
  ASSERT_TRUE(db.ok()) << db.status();
  IndicatorStore store(db->get());
  ASSERT_TRUE(store.OpenLog().ok());
  EXPECT_EQ(store.last_sequence(), 3u);
  EXPECT_EQ(store.log_id(), log_id);
}

}  // namespace
}  // namespace analytics
