// The indicator store's reads of observations by year: a series or a listing of one
// indicator parses only the records of the years asked for (a corrupt record outside them is
// never read), and never another indicator's.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/analytics/store/analytics_db.h"
#include "services/analytics/store/indicator_store.h"
#include "tests/support/process.h"

namespace analytics {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;
using testing::Key;
using testing_support::TempDir;

common::StoreOptions Options(const std::string& path) {
  common::StoreOptions options;
  options.path = path;
  options.block_cache_bytes = 8 << 20;
  options.sync_writes = false;
  return options;
}

Observation MakeObservation(const std::string& id, int year, int actual) {
  Observation o;
  o.set_indicator("organizations/o/indicators/" + id);
  o.set_year(year);
  o.mutable_actual()->set_value(std::to_string(actual));
  Target* legal = o.add_targets();
  legal->set_type(Target::LEGAL);
  legal->mutable_value()->set_value(std::to_string(actual + 1));
  return o;
}

class IndicatorStoreYearsTest : public testing::Test {
 protected:
  void SetUp() override {
    auto db = OpenAnalyticsDb(Options(dir_.Sub("db")));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    store_ = std::make_unique<IndicatorStore>(db_.get());
    ASSERT_TRUE(store_->OpenLog().ok());
    // "revenue" 2015..2025 (actual = year), and "revenue-b" (its ids share a prefix) 2020.
    IndicatorWrite write;
    for (int year = 2015; year <= 2025; ++year) {
      store_->PutObservation(&write, "o", "revenue", MakeObservation("revenue", year, year));
    }
    store_->PutObservation(&write, "o", "revenue-b", MakeObservation("revenue-b", 2020, 7));
    absl::MutexLock lock(&store_->write_mutex());
    ASSERT_TRUE(store_->Commit(&write).ok());
  }

  // Overwrites the stored record of `year` with bytes that do not parse.
  void Corrupt(int year) {
    rocksdb::WriteBatch batch;
    batch.Put(db_->cf(kObservationsFamily), "o/revenue/" + std::to_string(year), "\xff\xff\xff");
    ASSERT_TRUE(db_->Write(&batch).ok());
  }

  TempDir dir_;
  std::unique_ptr<common::Store> db_;
  std::unique_ptr<IndicatorStore> store_;
};

TEST_F(IndicatorStoreYearsTest, ASeriesHoldsOnlyTheYearsAskedFor) {
  absl::StatusOr<Series> series = store_->LoadSeries("o", "revenue", YearsFrom(2019, 2021));
  ASSERT_TRUE(series.ok()) << series.status();
  EXPECT_THAT(*series, ElementsAre(Key(2019), Key(2020), Key(2021)));
  EXPECT_EQ(series->at(2020).actual->micros, 2020'000'000);
  EXPECT_EQ(series->at(2020).target(Target::LEGAL), 2021'000'000);

  // Past either end of what is stored: the stored years inside the span.
  series = store_->LoadSeries("o", "revenue", YearsFrom(2024, 2030));
  ASSERT_TRUE(series.ok()) << series.status();
  EXPECT_THAT(*series, ElementsAre(Key(2024), Key(2025)));
  series = store_->LoadSeries("o", "revenue", YearsFrom(1990, 2000));
  ASSERT_TRUE(series.ok()) << series.status();
  EXPECT_TRUE(series->empty());

  // Years apart (a year's performance reads the year, the one before and the term's start).
  series = store_->LoadSeries("o", "revenue", SeriesYears{2015, 2020, 2023, 2024});
  ASSERT_TRUE(series.ok()) << series.status();
  EXPECT_THAT(*series, ElementsAre(Key(2015), Key(2020), Key(2023), Key(2024)));

  // One year; and the indicator whose id extends "revenue" is a different series.
  series = store_->LoadSeries("o", "revenue", YearsFrom(2025, 2025));
  ASSERT_TRUE(series.ok()) << series.status();
  EXPECT_THAT(*series, ElementsAre(Key(2025)));
  series = store_->LoadSeries("o", "revenue-b", YearsFrom(2015, 2025));
  ASSERT_TRUE(series.ok()) << series.status();
  EXPECT_THAT(*series, ElementsAre(Key(2020)));
}

TEST_F(IndicatorStoreYearsTest, RecordsOutsideTheYearsAreNotRead) {
  Corrupt(2016);
  Corrupt(2023);
  absl::StatusOr<Series> series = store_->LoadSeries("o", "revenue", YearsFrom(2017, 2022));
  ASSERT_TRUE(series.ok()) << series.status();
  EXPECT_EQ(series->size(), 6u);
  // Years apart, with damaged records between them.
  series = store_->LoadSeries("o", "revenue", SeriesYears{2015, 2020, 2024});
  ASSERT_TRUE(series.ok()) << series.status();
  EXPECT_EQ(series->size(), 3u);
  absl::StatusOr<std::vector<Observation>> listed =
      store_->ListObservations("o", "revenue", 2017, 2022);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 6u);
  EXPECT_EQ(listed->front().year(), 2017);
  EXPECT_EQ(listed->back().year(), 2022);

  // A span that includes a corrupt record fails; it is never silently short.
  series = store_->LoadSeries("o", "revenue", YearsFrom(2022, 2023));
  EXPECT_EQ(series.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(series.status().message(), HasSubstr("observation"));
  listed = store_->ListObservations("o", "revenue", 2015, 2016);
  EXPECT_EQ(listed.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(IndicatorStoreYearsTest, EveryIndicatorOfTheOrganizationIsListedByIndicatorThenYear) {
  absl::StatusOr<std::vector<Observation>> listed = store_->ListObservations("o", "", 2020, 2021);
  ASSERT_TRUE(listed.ok()) << listed.status();
  std::vector<std::string> seen;
  for (const Observation& o : *listed)
    seen.push_back(o.indicator() + "@" + std::to_string(o.year()));
  // Key order: "revenue-b/" sorts before "revenue/".
  EXPECT_THAT(seen, ElementsAre("organizations/o/indicators/revenue-b@2020",
                                "organizations/o/indicators/revenue@2020",
                                "organizations/o/indicators/revenue@2021"));
}

}  // namespace
}  // namespace analytics
