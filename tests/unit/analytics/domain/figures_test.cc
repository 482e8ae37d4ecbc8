// The one rounding rule: percentages exact until rounded once to one decimal, half away from
// zero, written with exactly one fractional digit.
#include "services/analytics/domain/figures.h"

#include "gtest/gtest.h"
#include "services/analytics/domain/decimal.h"

namespace analytics {
namespace {

int64_t M(const char* decimal) { return *ParseDecimal(decimal, "test"); }

std::string Text(const Figure& figure) {
  return figure.status() == Figure::OK ? figure.value().value()
                                       : Figure::Status_Name(figure.status());
}

TEST(PercentTenthsTest, RoundsHalfAwayFromZeroAtTheBoundaries) {
  // 12.25 % -> 12.3, -12.25 % -> -12.3 (the contract's examples).
  EXPECT_EQ(PercentTenths(1225, 10000), 123);
  EXPECT_EQ(PercentTenths(-1225, 10000), -123);
  EXPECT_EQ(PercentTenths(1225, -10000), -123);
  // Just below and above the boundary.
  EXPECT_EQ(PercentTenths(12249999, 100000000), 122);
  EXPECT_EQ(PercentTenths(12250001, 100000000), 123);
  EXPECT_EQ(PercentTenths(-12249999, 100000000), -122);
  // 80.7685 -> 80.8; 0.05 -> 0.1; -0.04 -> 0.0 (never "-0.0").
  EXPECT_EQ(PercentTenths(807685, 1000000), 808);
  EXPECT_EQ(PercentTenths(5, 10000), 1);
  EXPECT_EQ(PercentTenths(-4, 10000), 0);
  EXPECT_EQ(PercentTenths(1, 0), std::nullopt);
}

TEST(FormatTenthsTest, AlwaysOneFractionalDigit) {
  EXPECT_EQ(FormatTenths(1440), "144.0");
  EXPECT_EQ(FormatTenths(0), "0.0");
  EXPECT_EQ(FormatTenths(-123), "-12.3");
  EXPECT_EQ(FormatTenths(-5), "-0.5");
}

TEST(RatioPercentTest, SeedGoldenValues) {
  // Attainment of 2019 revenue 3,802.3 against the legal target 2,440 and striving 3,700.
  EXPECT_EQ(Text(RatioPercent(M("3802.3"), M("2440"), false)), "155.8");
  EXPECT_EQ(Text(RatioPercent(M("3802.3"), M("3700"), false)), "102.8");
  // Growth 2015 -> 2019: revenue, enterprises, declarations.
  EXPECT_EQ(Text(RatioPercent(M("3802.3") - M("2103.4"), M("2103.4"), false)), "80.8");
  EXPECT_EQ(Text(RatioPercent(M("2031") - M("1072"), M("1072"), false)), "89.5");
  EXPECT_EQ(Text(RatioPercent(M("496444") - M("203482"), M("203482"), false)), "144.0");
}

TEST(RatioPercentTest, ExtremeValuesStayExactOrAreUndefined) {
  EXPECT_EQ(Text(RatioPercent(kMaxDecimalMicros, kMaxDecimalMicros, false)), "100.0");
  EXPECT_EQ(Text(RatioPercent(kMaxDecimalMicros, 1, false)), "UNDEFINED");
  EXPECT_TRUE(RatioPercent(1, 3, true).provisional());
}

TEST(MeanRatioPercentTest, ExactMeanRoundedOnce) {
  // Two years at exactly 100.05 %: the mean is 100.05 and must round up to 100.1 (a binary
  // floating-point mean lands just below the boundary).
  EXPECT_EQ(Text(MeanRatioPercent({{2001, 2000}, {2001, 2000}}, false)), "100.1");
  EXPECT_EQ(Text(MeanRatioPercent({{-2001, 2000}, {-2001, 2000}}, false)), "-100.1");
  // 1/3 and 2/3 average to exactly 50 %.
  EXPECT_EQ(Text(MeanRatioPercent({{1, 3}, {2, 3}}, false)), "50.0");
  // The mean is of unrounded attainments: 100.044 % twice is 100.0, not 100.0 + rounding.
  EXPECT_EQ(Text(MeanRatioPercent({{100044, 100000}, {100044, 100000}}, false)), "100.0");
  // Huge, coprime denominators (the exact comparison needs more than 128 bits).
  EXPECT_EQ(Text(MeanRatioPercent({{999999999999999989, 999999999999999989},
                                   {999999999999999967, 999999999999999967},
                                   {999999999999999877, 999999999999999877}},
                                  false)),
            "100.0");
  EXPECT_EQ(Text(MeanRatioPercent({}, false)), "MISSING_BASE");
  EXPECT_EQ(Text(MeanRatioPercent({{1, 0}}, false)), "ZERO_BASE");
}

TEST(CagrPercentTest, SeedRevenueAverageAnnualGrowth) {
  // (3802.3 / 2103.4)^(1/4) − 1 = 15.9527... % -> "16.0".
  EXPECT_EQ(Text(CagrPercent(M("2103.4"), M("3802.3"), 4, false)), "16.0");
  EXPECT_EQ(Text(CagrPercent(M("1072"), M("2031"), 4, false)), "17.3");
  EXPECT_EQ(Text(CagrPercent(M("203482"), M("496444"), 4, false)), "25.0");
}

TEST(CagrPercentTest, EdgeCasesHaveStatuses) {
  EXPECT_EQ(Text(CagrPercent(100, 121, 2, false)), "10.0");
  EXPECT_EQ(Text(CagrPercent(121, 100, 2, false)), "-9.1");
  EXPECT_EQ(Text(CagrPercent(100, 100, 3, false)), "0.0");
  EXPECT_EQ(Text(CagrPercent(100, 121, 0, false)), "NOT_APPLICABLE");
  EXPECT_EQ(Text(CagrPercent(0, 121, 2, false)), "UNDEFINED");
  EXPECT_EQ(Text(CagrPercent(100, -1, 2, false)), "UNDEFINED");
}

TEST(TenthsOfTest, ReadsBackAPercentage) {
  EXPECT_EQ(TenthsOf(RatioPercent(1, 3, false)), 333);
  EXPECT_EQ(TenthsOf(RatioPercent(-1, 3, false)), -333);
  EXPECT_EQ(TenthsOf(MissingFigure(Figure::ZERO_BASE)), std::nullopt);
}

TEST(ValueFigureTest, ExactAndMarkedProvisional) {
  Figure f = ValueFigure(M("3802.3"), true);
  EXPECT_EQ(f.status(), Figure::OK);
  EXPECT_EQ(f.value().value(), "3802.3");
  EXPECT_TRUE(f.provisional());
  EXPECT_FALSE(MissingFigure(Figure::MISSING_VALUE).has_value());
}

}  // namespace
}  // namespace analytics
