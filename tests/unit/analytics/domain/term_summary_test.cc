// A term's summary of one indicator.
#include "services/analytics/domain/term_summary.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/analytics/domain/decimal.h"
#include "services/analytics/domain/figures.h"

namespace analytics {
namespace {

using ::testing::ElementsAre;

int64_t M(const char* decimal) { return *ParseDecimal(decimal, "test"); }
std::string Text(const Figure& figure) {
  return figure.status() == Figure::OK ? figure.value().value()
                                       : Figure::Status_Name(figure.status());
}

Series FullTerm() {
  // 2015..2019 with legal targets; 2018 misses its target.
  Series s;
  const char* actuals[] = {"2103.4", "2450", "2890.5", "2800", "3802.3"};
  const char* legal[] = {"1900", "2000", "2150", "3000", "2440"};
  for (int i = 0; i < 5; ++i) {
    s[2015 + i].actual = Actual{M(actuals[i]), Observation::ACTUAL};
    s[2015 + i].targets[Target::LEGAL] = M(legal[i]);
  }
  return s;
}

TEST(TermSummaryTest, SeedRevenueThroughTheCongressYear) {
  IndicatorTermSummary t = SummarizeTerm(IndicatorTraits{}, FullTerm(), 2015, 2019);
  EXPECT_EQ(t.start_year(), 2015);
  EXPECT_EQ(t.end_year(), 2019);
  EXPECT_EQ(Text(t.start_value()), "2103.4");
  EXPECT_EQ(Text(t.end_value()), "3802.3");
  EXPECT_EQ(t.end_value_kind(), Observation::ACTUAL);
  EXPECT_EQ(Text(t.growth_percent()), "80.8");
  EXPECT_EQ(Text(t.cagr_percent()), "16.0");
  EXPECT_THAT(t.years_target_met(), ElementsAre(2015, 2016, 2017, 2019));
  EXPECT_EQ(t.years_target_met_count(), 4);
  EXPECT_EQ(t.years_with_target(), 5);
  EXPECT_EQ(t.best_year(), 2019);
  EXPECT_EQ(Text(t.best_value()), "3802.3");
  EXPECT_EQ(t.worst_year(), 2015);
  // Mean of 110.7, 122.5, 134.4, 93.3, 155.8 % (unrounded) = 123.362... -> 123.4.
  EXPECT_EQ(Text(t.average_attainment_percent()), "123.4");
  EXPECT_EQ(Text(t.cumulative_total()), "14046.2");
  EXPECT_EQ(t.missing_years_size(), 0);
}

TEST(TermSummaryTest, MissingYearsAreListedAndNeverSummedPartially) {
  Series s = FullTerm();
  s.erase(2017);
  IndicatorTermSummary t = SummarizeTerm(IndicatorTraits{}, s, 2015, 2020);
  EXPECT_THAT(t.missing_years(), ElementsAre(2017, 2020));
  EXPECT_EQ(Text(t.cumulative_total()), "MISSING_VALUE");
  // The end year is never moved to another year.
  EXPECT_EQ(t.end_year(), 2020);
  EXPECT_EQ(Text(t.end_value()), "MISSING_VALUE");
  EXPECT_EQ(Text(t.growth_percent()), "MISSING_VALUE");
  EXPECT_EQ(Text(t.cagr_percent()), "MISSING_VALUE");
  EXPECT_EQ(t.years_with_target(), 4);
}

TEST(TermSummaryTest, StockIndicatorHasNoCumulativeTotal) {
  IndicatorTraits stock{Indicator::STOCK, Indicator::HIGHER_IS_BETTER};
  EXPECT_EQ(Text(SummarizeTerm(stock, FullTerm(), 2015, 2019).cumulative_total()),
            "NOT_APPLICABLE");
}

TEST(TermSummaryTest, LowerIsBetterFlipsBestAndWorstAndEarliestWinsTies) {
  Series s;
  const char* hours[] = {"12", "10", "10", "14"};
  for (int i = 0; i < 4; ++i) s[2020 + i].actual = Actual{M(hours[i]), Observation::ACTUAL};
  IndicatorTraits lower{Indicator::FLOW, Indicator::LOWER_IS_BETTER};
  IndicatorTermSummary t = SummarizeTerm(lower, s, 2020, 2023);
  EXPECT_EQ(t.best_year(), 2021);
  EXPECT_EQ(t.worst_year(), 2023);
  EXPECT_EQ(Text(t.average_attainment_percent()), "MISSING_BASE");
  EXPECT_EQ(t.years_with_target(), 0);
}

TEST(TermSummaryTest, NoActualsAtAll) {
  IndicatorTermSummary t = SummarizeTerm(IndicatorTraits{}, Series{}, 2020, 2025);
  EXPECT_FALSE(t.has_best_year());
  EXPECT_FALSE(t.has_worst_year());
  EXPECT_EQ(Text(t.best_value()), "MISSING_VALUE");
  EXPECT_EQ(Text(t.start_value()), "MISSING_VALUE");
  EXPECT_EQ(Text(t.cagr_percent()), "MISSING_VALUE");
  EXPECT_EQ(t.missing_years_size(), 6);
}

TEST(TermSummaryTest, ProvisionalEndValueMarksItsFigures) {
  Series s = FullTerm();
  s[2019].actual->kind = Observation::ESTIMATE;
  IndicatorTermSummary t = SummarizeTerm(IndicatorTraits{}, s, 2015, 2019);
  EXPECT_EQ(t.end_value_kind(), Observation::ESTIMATE);
  EXPECT_TRUE(t.growth_percent().provisional());
  EXPECT_TRUE(t.cagr_percent().provisional());
  EXPECT_TRUE(t.cumulative_total().provisional());
  EXPECT_FALSE(t.start_value().provisional());
}

}  // namespace
}  // namespace analytics
