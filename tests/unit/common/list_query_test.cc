// List queries (AIP-158/160/132): filters, order_by and page sizes (page tokens:
// page_token_test.cc).
#include "common/list_query.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace common {
namespace {

using ::testing::HasSubstr;

TEST(ParseFilterTest, AConjunctionOfComparisons) {
  auto terms = ParseFilter(
      R"(cell = "organizations/x/cells/y" AND state = FULL AND admission_year >= 2020)");
  ASSERT_TRUE(terms.ok()) << terms.status();
  ASSERT_EQ(terms->size(), 3u);
  EXPECT_EQ((*terms)[0].field, "cell");
  EXPECT_EQ((*terms)[0].op, FilterOp::kEq);
  EXPECT_EQ((*terms)[0].value.kind, FilterValue::Kind::kString);
  EXPECT_EQ((*terms)[0].value.text, "organizations/x/cells/y");
  EXPECT_EQ((*terms)[0].position, 1);
  EXPECT_EQ((*terms)[1].value.kind, FilterValue::Kind::kIdentifier);
  EXPECT_EQ((*terms)[1].value.text, "FULL");
  EXPECT_EQ((*terms)[2].op, FilterOp::kGe);
  EXPECT_EQ((*terms)[2].value.kind, FilterValue::Kind::kInteger);
  EXPECT_EQ((*terms)[2].value.integer, 2020);
}

TEST(ParseFilterTest, EveryOperator) {
  const std::pair<const char*, FilterOp> cases[] = {
      {"a = 1", FilterOp::kEq}, {"a != 1", FilterOp::kNe}, {"a < 1", FilterOp::kLt},
      {"a > 1", FilterOp::kGt}, {"a <= 1", FilterOp::kLe}, {"a >= 1", FilterOp::kGe},
      {"a:1", FilterOp::kHas}};
  for (const auto& [text, op] : cases) {
    auto terms = ParseFilter(text);
    ASSERT_TRUE(terms.ok()) << text << ": " << terms.status();
    EXPECT_EQ((*terms)[0].op, op) << text;
  }
}

TEST(ParseFilterTest, ValuesStringsWithEscapesNegativeIntegersDatesAndDottedFields) {
  auto terms = ParseFilter(
      R"(name_query = "Nguy\"ễn\\" AND delta = -12 AND since < 2024-01-31 AND a.b_c = X)");
  ASSERT_TRUE(terms.ok()) << terms.status();
  EXPECT_EQ((*terms)[0].value.text, "Nguy\"ễn\\");
  EXPECT_EQ((*terms)[1].value.integer, -12);
  EXPECT_EQ((*terms)[2].value.kind, FilterValue::Kind::kDate);
  EXPECT_EQ((*terms)[2].value.date, absl::CivilDay(2024, 1, 31));
  EXPECT_EQ((*terms)[3].field, "a.b_c");
}

TEST(ParseFilterTest, AnEmptyFilterHasNoTerms) {
  EXPECT_TRUE(ParseFilter("")->empty());
  EXPECT_TRUE(ParseFilter("   ")->empty());
}

TEST(ParseFilterTest, ErrorsNameThePositionAndTheProblem) {
  const std::pair<const char*, const char*> cases[] = {
      {"state =", "at position 8: expected a value after '=', found end of filter"},
      {"state FULL", "at position 7: expected an operator"},
      {"a = 1 OR b = 2", "at position 7: 'OR' is not supported"},
      {"a = 1 b = 2", "at position 7: expected AND between comparisons"},
      {"a = \"open", "at position 5: unterminated string"},
      {"a = 2024-02-30", "\"2024-02-30\" is not a valid date"},
      {"(a = 1)", "at position 1: '(' is not supported"},
      {"a = 1 AND", "expected a comparison after AND"},
      {"a = \"x\\q\"", "unknown escape"},
  };
  for (const auto& [text, message] : cases) {
    auto terms = ParseFilter(text);
    ASSERT_FALSE(terms.ok()) << text;
    EXPECT_EQ(terms.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(terms.status().message(), HasSubstr(message)) << text;
    EXPECT_EQ(FieldViolationsOf(terms.status()).at(0).first, "filter");
  }
}

FilterSpec Spec() {
  return {
      FilterField{
          "state", {FilterOp::kEq}, {FilterValue::Kind::kIdentifier}, {"FULL", "PROBATIONARY"}, 1},
      FilterField{"cell", {FilterOp::kEq}, {FilterValue::Kind::kString}, {}, 1},
      FilterField{"time", {FilterOp::kGe, FilterOp::kLt}, {FilterValue::Kind::kString}, {}, 2}};
}

TEST(CheckFilterTest, AcceptsTheAllowedFieldsOperatorsAndValues) {
  auto terms = ParseFilter(R"(state = FULL AND cell = "c" AND time >= "a" AND time < "b")");
  EXPECT_TRUE(CheckFilter(*terms, Spec()).ok());
}

TEST(CheckFilterTest, NamesTheUnknownFieldAndListsTheAllowedOnes) {
  auto status = CheckFilter(*ParseFilter("colour = RED"), Spec());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      status.message(),
      HasSubstr("unknown field \"colour\" at position 1; allowed fields: state, cell, time"));
  EXPECT_THAT(CheckFilterFields(*ParseFilter("x = 1"), {"a", "b"}).message(),
              HasSubstr("allowed fields: a, b"));
}

TEST(CheckFilterTest, RejectsWrongOperatorsKindsEnumValuesAndRepeats) {
  EXPECT_THAT(CheckFilter(*ParseFilter("state != FULL"), Spec()).message(),
              HasSubstr("operator '!=' is not allowed on \"state\""));
  EXPECT_THAT(CheckFilter(*ParseFilter("cell = 12"), Spec()).message(),
              HasSubstr("\"cell\" takes a quoted string, got an integer"));
  EXPECT_THAT(CheckFilter(*ParseFilter("state = GONE"), Spec()).message(),
              HasSubstr("\"GONE\" is not a value of \"state\" (allowed: FULL, PROBATIONARY)"));
  EXPECT_THAT(CheckFilter(*ParseFilter("state = FULL AND state = FULL"), Spec()).message(),
              HasSubstr("may appear at most 1 time"));
  EXPECT_TRUE(CheckFilter(*ParseFilter(R"(time >= "a" AND time >= "b")"), Spec()).ok());
}

TEST(ParseOrderByTest, FieldsWithDirections) {
  auto order = ParseOrderBy("year desc, name", {"year", "name"});
  ASSERT_TRUE(order.ok()) << order.status();
  ASSERT_EQ(order->size(), 2u);
  EXPECT_EQ((*order)[0].field, "year");
  EXPECT_TRUE((*order)[0].desc);
  EXPECT_FALSE((*order)[1].desc);
  EXPECT_TRUE(ParseOrderBy("", {"year"})->empty());
}

TEST(ParseOrderByTest, RejectsUnknownFieldsBadDirectionsAndRepeats) {
  EXPECT_THAT(ParseOrderBy("colour", {"year", "name"}).status().message(),
              HasSubstr("order_by: unknown field \"colour\"; allowed: year, name"));
  EXPECT_THAT(ParseOrderBy("year down", {"year"}).status().message(),
              HasSubstr("expected a field name optionally followed by \" desc\""));
  EXPECT_THAT(ParseOrderBy("year, year desc", {"year"}).status().message(),
              HasSubstr("named more than once"));
  EXPECT_FALSE(ParseOrderBy("year,", {"year"}).ok());
}

// Size bounds: whatever a client sends, a query's cost is bounded before it is parsed.
TEST(QueryBoundsTest, AFilterOverItsByteBoundIsRefusedBeforeParsing) {
  const std::string at_bound = "cell = \"" + std::string(kMaxFilterBytes - 9, 'x') + "\"";
  ASSERT_EQ(at_bound.size(), kMaxFilterBytes);
  EXPECT_TRUE(ParseFilter(at_bound).ok());
  // Past the bound even a malformed filter is refused for its size, not parsed.
  const absl::Status over = ParseFilter(std::string(5 << 20, '(')).status();
  EXPECT_EQ(over.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolationsOf(over).at(0).first, "filter");
  EXPECT_THAT(over.message(), HasSubstr("filter: has 5242880 bytes; at most 4096 are allowed"));
}

TEST(QueryBoundsTest, AtMostSixteenComparisons) {
  std::string filter;
  for (int i = 0; i < kMaxFilterTerms; ++i) {
    absl::StrAppend(&filter, i == 0 ? "" : " AND ", "a = 1");
  }
  ASSERT_TRUE(ParseFilter(filter).ok());
  EXPECT_EQ(ParseFilter(filter)->size(), static_cast<size_t>(kMaxFilterTerms));
  EXPECT_THAT(ParseFilter(filter + " AND a = 1").status().message(),
              HasSubstr("filter: has more than 16 comparisons; at most 16 are allowed"));
}

TEST(QueryBoundsTest, AnOrderByOverItsByteBoundIsRefused) {
  EXPECT_TRUE(ParseOrderBy(std::string(kMaxOrderByBytes - 4, ' ') + "year", {"year"}).ok());
  const absl::Status over =
      ParseOrderBy(std::string(kMaxOrderByBytes, ' ') + "year", {"year"}).status();
  EXPECT_EQ(over.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(over.message(), HasSubstr("order_by: has 260 bytes; at most 256 are allowed"));
}

TEST(QueryBoundsTest, AStringValueWithinItsFieldsLengthAndWords) {
  const FilterSpec spec = {
      FilterField{"name_query", {FilterOp::kEq}, {FilterValue::Kind::kString}, {}, 1, 10, 3}};
  EXPECT_TRUE(CheckFilter(*ParseFilter(R"(name_query = "Lê Thị Ánh")"), spec).ok());
  // Length in code points of the NFC form: a decomposed "Ánh" is still 3 characters.
  EXPECT_TRUE(
      CheckFilter(*ParseFilter("name_query = \"Le\u0302 Thi\u0323 A\u0301nh\""), spec).ok());
  EXPECT_THAT(CheckFilter(*ParseFilter(R"(name_query = "Nguyễn Thị A")"), spec).message(),
              HasSubstr("filter: name_query has 12 characters; at most 10 are allowed"));
  EXPECT_THAT(CheckFilter(*ParseFilter(R"(name_query = "a b  c\td")"), spec).message(),
              HasSubstr("filter: name_query has 4 words; at most 3 are allowed"));
  // 0: no bound but the filter's.
  EXPECT_TRUE(
      CheckFilter(*ParseFilter(R"(cell = "organizations/hq/cells/a-very-long-id")"), Spec()).ok());
}

TEST(NormalizePageSizeTest, DefaultMaximumAndNegative) {
  EXPECT_EQ(*NormalizePageSize(0), 50);
  EXPECT_EQ(*NormalizePageSize(1), 1);
  EXPECT_EQ(*NormalizePageSize(1000), 1000);
  EXPECT_EQ(*NormalizePageSize(1001), 1000);
  EXPECT_EQ(*NormalizePageSize(int64_t{1} << 40), 1000);
  auto negative = NormalizePageSize(-1);
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolationsOf(negative.status()).at(0).first, "page_size");
}

}  // namespace
}  // namespace common
