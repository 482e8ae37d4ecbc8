// The read model's store:
// - its position says which counting rules its stored contributions follow, so a read model
//   counted under older rules is recounted (the follower rebuilds it) after an upgrade, and
//   one counted under the current rules is not;
// - its party statistics: a year's counters are its flows and the year-end stock counts (the
//   changes of every year up to it), read from one record whatever the history's length, and
//   kept right when a change moves an earlier year, when a year's record empties, after a
//   relist, and over records written before the year-end counts were stored.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/analytics/store/analytics_db.h"
#include "services/analytics/store/read_model_store.h"
#include "tests/support/process.h"

namespace analytics {
namespace {

using testing_support::TempDir;

common::StoreOptions Options(const std::string& path) {
  common::StoreOptions options;
  options.path = path;
  options.block_cache_bytes = 8 << 20;
  options.sync_writes = false;
  return options;
}

TEST(ReadModelStoreTest, EveryStoredPositionCarriesTheCurrentCountingRules) {
  TempDir dir;
  auto db = OpenAnalyticsDb(Options(dir.Sub("db")));
  ASSERT_TRUE(db.ok()) << db.status();
  ReadModelStore store(db->get());
  FollowerState position;
  position.set_log_id("log-1");
  position.set_last_applied_sequence(7);
  ASSERT_TRUE(store.SaveFollowerState(position).ok());
  absl::StatusOr<FollowerState> loaded = store.LoadFollowerState();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->counting_rules(), kCountingRules);
  EXPECT_FALSE(NeedsRecount(*loaded));

  position.set_last_applied_sequence(8);
  ASSERT_TRUE(store.Apply({}, position).ok());
  EXPECT_EQ(store.LoadFollowerState()->counting_rules(), kCountingRules);
  position.set_last_applied_sequence(9);
  ASSERT_TRUE(store.ReplaceAll({}, {}, position).ok());
  EXPECT_EQ(store.LoadFollowerState()->counting_rules(), kCountingRules);
  EXPECT_EQ(store.LoadFollowerState()->last_applied_sequence(), 9u);
}

TEST(ReadModelStoreTest, AReadModelCountedUnderOlderRulesIsRecounted) {
  FollowerState before_the_field;  // written by a binary that folded members itself
  before_the_field.set_log_id("log-1");
  before_the_field.set_last_applied_sequence(1200);
  EXPECT_TRUE(NeedsRecount(before_the_field));
  // A new read model has nothing to recount.
  EXPECT_FALSE(NeedsRecount(FollowerState()));
}

// A contribution to `org` in `year`: `admissions` (a flow) and `probationary` (a stock change).
ContributionMap Contribution(const std::string& org, int year, int64_t admissions,
                             int64_t probationary) {
  Counters c{};
  c[kAdmissions] = admissions;
  c[kProbationaryChange] = probationary;
  return {{{org, year}, c}};
}

class ReadModelStatisticsTest : public testing::Test {
 protected:
  void SetUp() override {
    auto db = OpenAnalyticsDb(Options(dir_.Sub("db")));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    store_ = std::make_unique<ReadModelStore>(db_.get());
  }

  // Sets what `resource` contributes now (as the follower does), and keeps the model.
  void Set(const std::string& resource, ContributionMap contribution) {
    ReadModelChange change;
    change.resource_name = resource;
    change.contribution = contribution;
    model_[resource] = std::move(contribution);
    FollowerState state;
    state.set_last_applied_sequence(++sequence_);
    ASSERT_TRUE(store_->Apply({change}, state).ok());
  }

  // What StatisticsFor must say, summed from the model: stocks through `year`, flows of it.
  Counters Expected(const std::string& org, int year) const {
    Counters out{};
    for (const auto& [resource, contribution] : model_) {
      for (const auto& [key, counters] : contribution) {
        if (key.first != org || key.second > year) continue;
        for (int i = 0; i < kNumStatFields; ++i) {
          if (IsStockField(i) || key.second == year) out[i] += counters[i];
        }
      }
    }
    return out;
  }

  void ExpectEveryYear(const std::string& org) {
    for (int year = 1995; year <= 2030; ++year) {
      absl::StatusOr<Counters> got = store_->StatisticsFor(org, year);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(*got, Expected(org, year)) << org << " " << year;
    }
  }

  TempDir dir_;
  std::unique_ptr<common::Store> db_;
  std::unique_ptr<ReadModelStore> store_;
  std::map<std::string, ContributionMap> model_;
  uint64_t sequence_ = 0;
};

TEST_F(ReadModelStatisticsTest, AYearHasItsFlowsAndTheStocksOfEveryYearUpToIt) {
  Set("organizations/o/members/m1", Contribution("o", 2000, 1, 1));
  Set("organizations/o/members/m2", Contribution("o", 2010, 1, 1));
  Set("organizations/o/members/m3", Contribution("o", 2020, 1, 1));
  Set("organizations/o-b/members/m4", Contribution("o-b", 2005, 1, 1));  // a neighbour's
  ExpectEveryYear("o");
  ExpectEveryYear("o-b");
  absl::StatusOr<Counters> y2015 = store_->StatisticsFor("o", 2015);
  ASSERT_TRUE(y2015.ok()) << y2015.status();
  EXPECT_EQ((*y2015)[kProbationaryChange], 2);  // a year without a record: stocks, no flows
  EXPECT_EQ((*y2015)[kAdmissions], 0);
  absl::StatusOr<Counters> none = store_->StatisticsFor("nobody", 2020);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(*none, Counters{});
}

TEST_F(ReadModelStatisticsTest, TheFirstYearIsTheEarliestRecordOfTheOrganization) {
  Set("organizations/o-b/members/m4", Contribution("o-b", 1995, 1, 1));  // a neighbour's
  Set("organizations/o/members/m2", Contribution("o", 2010, 1, 1));
  Set("organizations/o/members/m1", Contribution("o", 2000, 1, 1));
  absl::StatusOr<std::optional<int>> first = store_->FirstStatisticsYear("o");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 2000);
  absl::StatusOr<std::optional<int>> none = store_->FirstStatisticsYear("nobody");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
}

TEST_F(ReadModelStatisticsTest, AChangeToAnEarlierYearMovesEveryLaterYearsStocks) {
  Set("organizations/o/members/m1", Contribution("o", 2010, 1, 1));
  Set("organizations/o/members/m2", Contribution("o", 2020, 1, 1));
  Set("organizations/o/members/m3", Contribution("o", 2000, 1, 3));
  ExpectEveryYear("o");
  // m1 moves from 2010 to 2015; then m3 leaves: its year's record empties and goes.
  Set("organizations/o/members/m1", Contribution("o", 2015, 1, 1));
  ExpectEveryYear("o");
  Set("organizations/o/members/m3", {});
  ExpectEveryYear("o");
  // Several resources and years in one batch.
  std::vector<ReadModelChange> changes(2);
  changes[0].resource_name = "organizations/o/members/m5";
  changes[0].contribution = Contribution("o", 1999, 2, 2);
  changes[1].resource_name = "organizations/o/members/m2";
  changes[1].contribution = Contribution("o", 2021, 1, -1);
  for (const ReadModelChange& c : changes) model_[c.resource_name] = c.contribution;
  FollowerState state;
  state.set_last_applied_sequence(++sequence_);
  ASSERT_TRUE(store_->Apply(changes, state).ok());
  ExpectEveryYear("o");
}

TEST_F(ReadModelStatisticsTest, AYearIsReadFromOneRecord) {
  Set("organizations/o/members/m1", Contribution("o", 2000, 1, 1));
  Set("organizations/o/members/m2", Contribution("o", 2010, 1, 1));
  // A damaged earlier record is not read for a later year; it is for its own.
  rocksdb::WriteBatch batch;
  batch.Put(db_->cf(kStatsFamily), std::string("o\0", 2) + "2000", "\xff\xff\xff");
  ASSERT_TRUE(db_->Write(&batch).ok());
  absl::StatusOr<Counters> y2012 = store_->StatisticsFor("o", 2012);
  ASSERT_TRUE(y2012.ok()) << y2012.status();
  EXPECT_EQ((*y2012)[kProbationaryChange], 2);
  EXPECT_EQ(store_->StatisticsFor("o", 2000).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(ReadModelStatisticsTest, ARelistStoresTheSameStatistics) {
  Set("organizations/o/members/m1", Contribution("o", 2000, 1, 1));
  Set("organizations/o/members/m2", Contribution("o", 2010, 2, 1));
  Set("organizations/o/members/m3", Contribution("o", 2010, 1, 1));
  Set("organizations/o-b/members/m4", Contribution("o-b", 2005, 1, 4));
  FollowerState state;
  state.set_last_applied_sequence(++sequence_);
  ASSERT_TRUE(store_->ReplaceAll({}, model_, state).ok());
  ExpectEveryYear("o");
  ExpectEveryYear("o-b");
}

TEST_F(ReadModelStatisticsTest, RecordsWithoutYearEndCountsAreSummedUntilTheOrganizationMoves) {
  // What the read model stored before it kept year-end counts: the year's changes alone.
  auto legacy = [&](int year, int64_t admissions, int64_t probationary) {
    dangbo::analytics::storage::v1::Counters stored;
    for (int i = 0; i < kNumStatFields; ++i) {
      stored.add_values(i == kAdmissions           ? admissions
                        : i == kProbationaryChange ? probationary
                                                   : 0);
    }
    rocksdb::WriteBatch batch;
    batch.Put(db_->cf(kStatsFamily), std::string("o\0", 2) + std::to_string(year),
              stored.SerializeAsString());
    ASSERT_TRUE(db_->Write(&batch).ok());
  };
  legacy(2000, 1, 1);
  legacy(2010, 1, 2);
  model_["legacy"] = Contribution("o", 2000, 1, 1);
  const ContributionMap later = Contribution("o", 2010, 1, 2);
  model_["legacy"].insert(later.begin(), later.end());
  ExpectEveryYear("o");
  Set("organizations/o/members/m1", Contribution("o", 2005, 1, 1));
  ExpectEveryYear("o");
}

}  // namespace
}  // namespace analytics
