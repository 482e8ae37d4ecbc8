// RecordObservations' CSV form: header rules, RFC 4180 quoting, per-line errors.
#include "services/analytics/domain/observation_csv.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace analytics {
namespace {

using ::dangbo::analytics::v1::Observation;
using ::dangbo::analytics::v1::Target;
using ::testing::HasSubstr;

constexpr char kHeader[] =
    "indicator,year,value_kind,actual,target_legal,target_striving,target_adjusted,source,note\n";

TEST(ObservationCsvTest, ParsesTheContractExample) {
  auto parsed = ParseObservationsCsv(
      std::string(kHeader) +
          "state-budget-revenue,2019,ACTUAL,3802.3,2440,3700,,Báo cáo năm 2019,\n",
      10000);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->rows.size(), 1u);
  const auto& row = parsed->rows[0];
  EXPECT_EQ(row.row(), 2);
  EXPECT_EQ(row.indicator(), "state-budget-revenue");
  EXPECT_EQ(row.year(), 2019);
  EXPECT_EQ(row.value_kind(), Observation::ACTUAL);
  EXPECT_EQ(row.actual().value(), "3802.3");
  ASSERT_EQ(row.targets_size(), 2);
  EXPECT_EQ(row.targets(0).type(), Target::LEGAL);
  EXPECT_EQ(row.targets(0).value().value(), "2440");
  EXPECT_EQ(row.targets(1).type(), Target::STRIVING);
  EXPECT_EQ(row.source(), "Báo cáo năm 2019");
  EXPECT_TRUE(parsed->errors.empty());
}

TEST(ObservationCsvTest, ColumnsInAnyOrderQuotesAndCrlf) {
  auto parsed = ParseObservationsCsv(
      "year,indicator,note,actual\r\n"
      "2015,enterprises,\"Doanh nghiệp, kể cả FDI\nhai dòng; \"\"trích\"\"\",1072\r\n"
      "\r\n"
      "2016,enterprises,,\r\n",
      10);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->rows.size(), 2u);
  EXPECT_EQ(parsed->rows[0].note(), "Doanh nghiệp, kể cả FDI\nhai dòng; \"trích\"");
  EXPECT_EQ(parsed->rows[0].actual().value(), "1072");
  // The quoted newline makes the next record start on line 5 (blank line 4 skipped).
  EXPECT_EQ(parsed->rows[1].row(), 5);
  EXPECT_FALSE(parsed->rows[1].has_actual());
}

TEST(ObservationCsvTest, RowErrorsNameTheLineAndColumn) {
  auto parsed = ParseObservationsCsv(std::string(kHeader) +
                                         "revenue,2019,ACTUAL,2.103,,,,,\n"     // fine
                                         "revenue,20x9,ACTUAL,1,,,,,\n"         // year
                                         "revenue,2019,FINAL,1,,,,,\n"          // value_kind
                                         "revenue,2019,,\"2.103,4\",1e3,,,,\n"  // numbers
                                         "revenue,2019\n",                      // cells
                                     100);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->data_rows, 5);
  EXPECT_EQ(parsed->rows.size(), 1u);
  ASSERT_EQ(parsed->errors.size(), 5u);
  EXPECT_EQ(parsed->errors[0].row(), 3);
  EXPECT_EQ(parsed->errors[0].field(), "year");
  EXPECT_EQ(parsed->errors[1].row(), 4);
  EXPECT_EQ(parsed->errors[1].field(), "value_kind");
  EXPECT_EQ(parsed->errors[2].field(), "actual");
  EXPECT_EQ(parsed->errors[3].field(), "target_legal");
  EXPECT_EQ(parsed->errors[3].row(), 5);
  EXPECT_EQ(parsed->errors[4].row(), 6);
  EXPECT_THAT(parsed->errors[4].message(), HasSubstr("2 cells"));
  EXPECT_EQ(parsed->errors[4].code(), 3);
}

TEST(ObservationCsvTest, HeaderProblemsFailTheWholeRequest) {
  for (const char* bad :
       {"", "indicator,year,colour\n", "indicator,year,year\n", "year,actual\n"}) {
    auto parsed = ParseObservationsCsv(bad, 10);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("csv"));
  }
  auto unknown = ParseObservationsCsv("indicator,year,colour\n", 10);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("unknown column \"colour\""));
}

TEST(ObservationCsvTest, TooManyRowsAndUnclosedQuote) {
  auto many = ParseObservationsCsv("indicator,year\na,2019\nb,2019\nc,2019\n", 2);
  ASSERT_FALSE(many.ok());
  EXPECT_THAT(std::string(many.status().message()), HasSubstr("at most 2"));
  auto open = ParseObservationsCsv("indicator,year,note\na,2019,\"never closed\n", 10);
  ASSERT_FALSE(open.ok());
  EXPECT_THAT(std::string(open.status().message()), HasSubstr("line 2"));
}

}  // namespace
}  // namespace analytics
