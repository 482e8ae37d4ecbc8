// Attainment, target verdicts, growth, absolute change and trend, and the year and
// comparison views built from them. Missing inputs are statuses, never zeros.
#include "services/analytics/domain/performance.h"

#include "gtest/gtest.h"
#include "services/analytics/domain/decimal.h"

namespace analytics {
namespace {

int64_t M(const char* decimal) { return *ParseDecimal(decimal, "test"); }
Actual A(const char* decimal, Observation::ValueKind kind = Observation::ACTUAL) {
  return Actual{M(decimal), kind};
}
std::string Text(const Figure& figure) {
  return figure.status() == Figure::OK ? figure.value().value()
                                       : Figure::Status_Name(figure.status());
}

// The seed's revenue: 2015 and 2019 from the article, 2019 targets from VCCI news.
Series SeedRevenue() {
  Series s;
  s[2015].actual = A("2103.4");
  s[2019].actual = A("3802.3");
  s[2019].targets[Target::LEGAL] = M("2440");
  s[2019].targets[Target::STRIVING] = M("3700");
  return s;
}

TEST(AttainmentTest, PercentOfEachTarget) {
  EXPECT_EQ(Text(AttainmentPercent(A("3802.3"), M("2440"))), "155.8");
  EXPECT_EQ(Text(AttainmentPercent(A("3802.3"), M("3700"))), "102.8");
  EXPECT_EQ(Text(AttainmentPercent(std::nullopt, M("3700"))), "MISSING_VALUE");
  EXPECT_EQ(Text(AttainmentPercent(A("3802.3"), std::nullopt)), "MISSING_BASE");
  EXPECT_EQ(Text(AttainmentPercent(A("3802.3"), 0)), "ZERO_BASE");
  EXPECT_TRUE(AttainmentPercent(A("1", Observation::ESTIMATE), M("2")).provisional());
  EXPECT_FALSE(AttainmentPercent(A("1", Observation::REVISED), M("2")).provisional());
}

TEST(TargetVerdictTest, RespectsDirectionAndComparesExactly) {
  EXPECT_EQ(TargetVerdict(Indicator::HIGHER_IS_BETTER, A("2440"), M("2440")),
            TargetAttainment::MET);
  EXPECT_EQ(TargetVerdict(Indicator::HIGHER_IS_BETTER, A("2439.999999"), M("2440")),
            TargetAttainment::NOT_MET);
  // Lower is better (e.g. clearance hours): met when at or below the target.
  EXPECT_EQ(TargetVerdict(Indicator::LOWER_IS_BETTER, A("11.5"), M("12")), TargetAttainment::MET);
  EXPECT_EQ(TargetVerdict(Indicator::LOWER_IS_BETTER, A("12.000001"), M("12")),
            TargetAttainment::NOT_MET);
  EXPECT_EQ(TargetVerdict(Indicator::HIGHER_IS_BETTER, std::nullopt, std::nullopt),
            TargetAttainment::MISSING_ACTUAL);
  EXPECT_EQ(TargetVerdict(Indicator::HIGHER_IS_BETTER, A("1"), std::nullopt),
            TargetAttainment::MISSING_TARGET);
}

TEST(GrowthTest, RelativeToTheAbsoluteBase) {
  EXPECT_EQ(Text(GrowthPercent(A("3802.3"), A("2103.4"))), "80.8");
  EXPECT_EQ(Text(GrowthPercent(A("2103.4"), A("3802.3"))), "-44.7");
  // A negative base: (−50 − (−100)) / |−100| = +50 %.
  EXPECT_EQ(Text(GrowthPercent(A("-50"), A("-100"))), "50.0");
  EXPECT_EQ(Text(GrowthPercent(A("5"), A("0"))), "ZERO_BASE");
  EXPECT_EQ(Text(GrowthPercent(A("5"), std::nullopt)), "MISSING_BASE");
  EXPECT_EQ(Text(GrowthPercent(std::nullopt, A("5"))), "MISSING_VALUE");
  EXPECT_TRUE(GrowthPercent(A("2"), A("1", Observation::PRELIMINARY)).provisional());
}

TEST(AbsoluteChangeTest, ExactInTheUnit) {
  EXPECT_EQ(Text(AbsoluteChange(A("3802.3"), A("2103.4"))), "1698.9");
  EXPECT_EQ(Text(AbsoluteChange(A("1072"), A("2031"))), "-959");
  EXPECT_EQ(Text(AbsoluteChange(A("999999999999"), A("-999999999999"))), "UNDEFINED");
  EXPECT_EQ(Text(AbsoluteChange(std::nullopt, A("1"))), "MISSING_VALUE");
}

TEST(TrendTest, BetterOrWorseByDirection) {
  EXPECT_EQ(ChangeTrend(Indicator::HIGHER_IS_BETTER, A("2"), A("1")),
            IndicatorComparison::IMPROVED);
  EXPECT_EQ(ChangeTrend(Indicator::LOWER_IS_BETTER, A("2"), A("1")), IndicatorComparison::WORSENED);
  EXPECT_EQ(ChangeTrend(Indicator::LOWER_IS_BETTER, A("1"), A("2")), IndicatorComparison::IMPROVED);
  EXPECT_EQ(ChangeTrend(Indicator::HIGHER_IS_BETTER, A("1"), A("1.000000")),
            IndicatorComparison::UNCHANGED);
  EXPECT_EQ(ChangeTrend(Indicator::HIGHER_IS_BETTER, A("1"), std::nullopt),
            IndicatorComparison::TREND_UNSPECIFIED);
}

TEST(YearPerformanceTest, SeedYear2019) {
  IndicatorPerformance p = YearPerformance(IndicatorTraits{}, SeedRevenue(), 2019, 2015);
  EXPECT_EQ(Text(p.actual()), "3802.3");
  EXPECT_EQ(p.value_kind(), Observation::ACTUAL);
  ASSERT_EQ(p.targets_size(), 2);
  EXPECT_EQ(p.targets(0).type(), Target::LEGAL);
  EXPECT_EQ(p.targets(0).target().value(), "2440");
  EXPECT_EQ(Text(p.targets(0).attainment_percent()), "155.8");
  EXPECT_EQ(p.targets(0).verdict(), TargetAttainment::MET);
  EXPECT_EQ(p.targets(1).type(), Target::STRIVING);
  EXPECT_EQ(Text(p.targets(1).attainment_percent()), "102.8");
  EXPECT_EQ(p.target_met(), TargetAttainment::MET);
  // 2018 is not loaded: the previous-year growth is missing, not zero.
  EXPECT_EQ(Text(p.previous_year_actual()), "MISSING_VALUE");
  EXPECT_EQ(Text(p.growth_vs_previous_year_percent()), "MISSING_BASE");
  EXPECT_EQ(Text(p.term_start_actual()), "2103.4");
  EXPECT_EQ(Text(p.growth_vs_term_start_percent()), "80.8");
}

TEST(YearPerformanceTest, TermStartYearAndMissingYear) {
  IndicatorPerformance start = YearPerformance(IndicatorTraits{}, SeedRevenue(), 2015, 2015);
  EXPECT_EQ(Text(start.growth_vs_term_start_percent()), "NOT_APPLICABLE");
  EXPECT_EQ(start.target_met(), TargetAttainment::MISSING_TARGET);
  EXPECT_EQ(start.targets_size(), 0);

  IndicatorPerformance missing = YearPerformance(IndicatorTraits{}, SeedRevenue(), 2017, 2015);
  EXPECT_EQ(Text(missing.actual()), "MISSING_VALUE");
  EXPECT_EQ(missing.value_kind(), Observation::VALUE_KIND_UNSPECIFIED);
  EXPECT_EQ(Text(missing.growth_vs_term_start_percent()), "MISSING_VALUE");
}

TEST(YearPerformanceTest, TargetWithoutActualIsMissingActual) {
  Series s;
  s[2026].targets[Target::LEGAL] = M("5000");
  IndicatorPerformance p = YearPerformance(IndicatorTraits{}, s, 2026, 2025);
  ASSERT_EQ(p.targets_size(), 1);
  EXPECT_EQ(Text(p.targets(0).attainment_percent()), "MISSING_VALUE");
  EXPECT_EQ(p.target_met(), TargetAttainment::MISSING_ACTUAL);
}

TEST(CompareYearsTest, SeedComparison2015To2019) {
  IndicatorComparison c = CompareYears(IndicatorTraits{}, SeedRevenue(), 2015, 2019);
  EXPECT_EQ(Text(c.base_value()), "2103.4");
  EXPECT_EQ(Text(c.value()), "3802.3");
  EXPECT_EQ(Text(c.absolute_change()), "1698.9");
  EXPECT_EQ(Text(c.relative_change_percent()), "80.8");
  EXPECT_EQ(c.trend(), IndicatorComparison::IMPROVED);
  // Either order: 2019 as the base.
  IndicatorComparison back = CompareYears(IndicatorTraits{}, SeedRevenue(), 2019, 2015);
  EXPECT_EQ(Text(back.relative_change_percent()), "-44.7");
  EXPECT_EQ(back.trend(), IndicatorComparison::WORSENED);
}

TEST(CompareYearsTest, MissingBaseYear) {
  IndicatorComparison c = CompareYears(IndicatorTraits{}, SeedRevenue(), 2016, 2019);
  EXPECT_EQ(Text(c.base_value()), "MISSING_VALUE");
  EXPECT_EQ(c.base_value_kind(), Observation::VALUE_KIND_UNSPECIFIED);
  EXPECT_EQ(Text(c.absolute_change()), "MISSING_BASE");
  EXPECT_EQ(Text(c.relative_change_percent()), "MISSING_BASE");
  EXPECT_EQ(c.trend(), IndicatorComparison::TREND_UNSPECIFIED);
}

}  // namespace
}  // namespace analytics
