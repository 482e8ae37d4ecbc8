// Numbers in Vietnamese form (ICU "vi"): thousands grouped with ".", decimals after ",",
// nothing rounded (analytics rounds once, in figures.h), negative changes as "giảm", and
// missing data written as missing, never as zero.
#include "services/analytics/domain/vi_format.h"

#include "gtest/gtest.h"
#include "services/analytics/domain/decimal.h"
#include "services/analytics/domain/figures.h"

namespace analytics {
namespace {

TEST(FormatNumberViTest, GroupsThousandsWithDotsAndWritesDecimalsAfterAComma) {
  EXPECT_EQ(FormatNumberVi("3802.3"), "3.802,3");
  EXPECT_EQ(FormatNumberVi("2103.4"), "2.103,4");
  EXPECT_EQ(FormatNumberVi("203482"), "203.482");
  EXPECT_EQ(FormatNumberVi("496444"), "496.444");
  // A four-digit count is grouped too, as the article writes "1.072 doanh nghiệp".
  EXPECT_EQ(FormatNumberVi("1072"), "1.072");
  EXPECT_EQ(FormatNumberVi("999"), "999");
  EXPECT_EQ(FormatNumberVi("1000"), "1.000");
  EXPECT_EQ(FormatNumberVi("1000000"), "1.000.000");
  EXPECT_EQ(FormatNumberVi("0"), "0");
}

TEST(FormatNumberViTest, NeverRoundsADecimal) {
  // Every one of a Decimal's six fractional digits is kept, at both ends of its range.
  EXPECT_EQ(FormatNumberVi("0.000001"), "0,000001");
  EXPECT_EQ(FormatNumberVi("2.999999"), "2,999999");
  EXPECT_EQ(FormatNumberVi("0.05"), "0,05");
  EXPECT_EQ(FormatNumberVi(FormatDecimal(kMaxDecimalMicros)), "999.999.999.999,999999");
  EXPECT_EQ(FormatNumberVi(FormatDecimal(-kMaxDecimalMicros)), "-999.999.999.999,999999");
}

TEST(FormatNumberViTest, NegativeNumbersKeepTheirSign) {
  EXPECT_EQ(FormatNumberVi("-5.3"), "-5,3");
  EXPECT_EQ(FormatNumberVi("-1698.9"), "-1.698,9");
}

TEST(FormatNumberViTest, TextThatIsNotADecimalIsLeftAlone) {
  EXPECT_EQ(FormatNumberVi(""), "");
  EXPECT_EQ(FormatNumberVi("1e5"), "1e5");
  EXPECT_EQ(FormatNumberVi("3."), "3.");
  EXPECT_EQ(FormatNumberVi("-"), "-");
}

TEST(FormatPercentViTest, OneDecimalAsRoundedAndNoTrailingZero) {
  EXPECT_EQ(FormatPercentVi("80.8"), "80,8%");
  EXPECT_EQ(FormatPercentVi("89.5"), "89,5%");
  // "144.0" is written "144%", as the article does.
  EXPECT_EQ(FormatPercentVi("144.0"), "144%");
  EXPECT_EQ(FormatPercentVi("0.0"), "0%");
  EXPECT_EQ(FormatPercentVi("-12.3"), "-12,3%");
  EXPECT_EQ(FormatPercentVi("1155.8"), "1.155,8%");
}

TEST(FigureTextViTest, RoundingHappensOnceBeforeFormatting) {
  // 12.25 % rounds half away from zero to 12.3 in figures.h; the text shows that figure.
  EXPECT_EQ(PercentTextVi(RatioPercent(1225, 10000, false)), "12,3%");
  EXPECT_EQ(PercentTextVi(RatioPercent(-1225, 10000, false)), "-12,3%");
  // 80.7685 % -> 80.8 -> "80,8%"; 3,802.3 / 2,440 -> 155.8 %.
  EXPECT_EQ(PercentTextVi(RatioPercent(807685, 1000000, false)), "80,8%");
  EXPECT_EQ(PercentTextVi(RatioPercent(3802300000, 2440000000, false)), "155,8%");
}

TEST(FigureTextViTest, ValuesCarryTheirUnit) {
  EXPECT_EQ(FigureTextVi(ValueFigure(3802300000, false), "tỷ đồng"), "3.802,3 tỷ đồng");
  EXPECT_EQ(FigureTextVi(ValueFigure(1072000000, false), "doanh nghiệp"), "1.072 doanh nghiệp");
  EXPECT_EQ(FigureTextVi(ValueFigure(118000000, false), ""), "118");
  EXPECT_EQ(FigureTextVi(ValueFigure(0, false), "đồng"), "0 đồng");
  EXPECT_EQ(FigureTextVi(ValueFigure(5000000, true), "tỷ đồng"), "5 tỷ đồng (số liệu tạm tính)");
}

TEST(FigureTextViTest, MissingDataIsSaidToBeMissingNeverZero) {
  EXPECT_EQ(FigureTextVi(MissingFigure(Figure::MISSING_VALUE), "tỷ đồng"), "chưa có số liệu");
  EXPECT_EQ(PercentTextVi(MissingFigure(Figure::MISSING_BASE)), "chưa có số liệu");
  EXPECT_EQ(PercentTextVi(MissingFigure(Figure::ZERO_BASE)), "không tính được (số gốc bằng 0)");
  EXPECT_EQ(PercentTextVi(MissingFigure(Figure::NOT_APPLICABLE)), "không áp dụng");
  EXPECT_EQ(PercentTextVi(MissingFigure(Figure::UNDEFINED)), "không xác định");
  EXPECT_EQ(FigureTextVi(MissingFigure(Figure::NOT_COMPARABLE), ""), "không so sánh được");
  EXPECT_EQ(ChangeTextVi(MissingFigure(Figure::MISSING_BASE)), "chưa có số liệu");
}

TEST(ChangeTextViTest, GrowthAndDeclineInWords) {
  EXPECT_EQ(ChangeTextVi(RatioPercent(1698900000, 2103400000, false)), "tăng 80,8%");
  EXPECT_EQ(ChangeTextVi(RatioPercent(292962, 203482, false)), "tăng 144%");
  // Negative growth is a decline, written without the sign.
  EXPECT_EQ(ChangeTextVi(RatioPercent(-151500000, 3802300000, false)), "giảm 4%");
  EXPECT_EQ(ChangeTextVi(RatioPercent(-53, 1000, false)), "giảm 5,3%");
  // Rounded to 0.0 (never "-0.0"): no change as returned.
  EXPECT_EQ(ChangeTextVi(RatioPercent(-4, 10000, false)), "không thay đổi");
  EXPECT_EQ(ChangeTextVi(RatioPercent(0, 10, true)), "không thay đổi (số liệu tạm tính)");
}

}  // namespace
}  // namespace analytics
