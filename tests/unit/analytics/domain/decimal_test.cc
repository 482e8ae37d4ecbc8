// Decimal strings <-> micro-units: the format of dangbo.common.v1.Decimal, exactly.
#include "services/analytics/domain/decimal.h"

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace analytics {
namespace {

using ::testing::HasSubstr;

TEST(ParseDecimalTest, ParsesTheSeedFiguresExactly) {
  EXPECT_EQ(*ParseDecimal("2103.4", "f"), 2103400000);
  EXPECT_EQ(*ParseDecimal("3802.3", "f"), 3802300000);
  EXPECT_EQ(*ParseDecimal("496444", "f"), 496444000000);
  EXPECT_EQ(*ParseDecimal("0", "f"), 0);
  EXPECT_EQ(*ParseDecimal("-14.2", "f"), -14200000);
  EXPECT_EQ(*ParseDecimal("0.000001", "f"), 1);
  EXPECT_EQ(*ParseDecimal("999999999999.999999", "f"), kMaxDecimalMicros);
  EXPECT_EQ(*ParseDecimal("-999999999999.999999", "f"), -kMaxDecimalMicros);
}

TEST(ParseDecimalTest, RejectsEverythingElseNamingTheField) {
  for (const char* bad : {"", "-", "2.103,4", "2,103.4", "1e5", "+3", " 3", "3 ", "03", "1.", ".5",
                          "1.1234567", "1234567890123", "0x10", "NaN", "--1", "1.2.3"}) {
    absl::StatusOr<int64_t> parsed = ParseDecimal(bad, "observations[2].actual");
    ASSERT_FALSE(parsed.ok()) << "\"" << bad << "\"";
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    auto violations = common::FieldViolationsOf(parsed.status());
    ASSERT_EQ(violations.size(), 1u);
    EXPECT_EQ(violations[0].first, "observations[2].actual");
    EXPECT_THAT(violations[0].second, HasSubstr("decimal number"));
  }
}

TEST(FormatDecimalTest, WritesTheCanonicalForm) {
  EXPECT_EQ(FormatDecimal(2103400000), "2103.4");
  EXPECT_EQ(FormatDecimal(1072000000), "1072");
  EXPECT_EQ(FormatDecimal(-14200000), "-14.2");
  EXPECT_EQ(FormatDecimal(1), "0.000001");
  EXPECT_EQ(FormatDecimal(0), "0");
  EXPECT_EQ(*ParseDecimal("-0", "f"), 0);
  EXPECT_EQ(FormatDecimal(*ParseDecimal("-0.0", "f")), "0");
  EXPECT_EQ(FormatDecimal(*ParseDecimal("3802.300", "f")), "3802.3");
  EXPECT_EQ(FormatDecimal(kMaxDecimalMicros), "999999999999.999999");
}

TEST(CheckedArithmeticTest, StaysWithinTheDecimalRange) {
  EXPECT_EQ(CheckedAdd(1, 2), 3);
  EXPECT_EQ(CheckedSub(3802300000, 2103400000), 1698900000);
  EXPECT_EQ(CheckedAdd(kMaxDecimalMicros, 1), std::nullopt);
  EXPECT_EQ(CheckedSub(-kMaxDecimalMicros, 1), std::nullopt);
}

}  // namespace
}  // namespace analytics
