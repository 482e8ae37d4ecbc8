// Request-alone validation of AnalyticsService requests: each rule at its boundary, the field
// it names, and which requests report every violation rather than the first.
#include "services/analytics/domain/validation.h"

#include <string>
#include <utility>
#include <vector>

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/analytics/domain/term.h"

namespace analytics {
namespace {

namespace v1 = ::dangbo::analytics::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::StartsWith;

constexpr char kOrg[] = "organizations/hq-long-an";
constexpr char kIndicator[] = "organizations/hq-long-an/indicators/state-budget-revenue";
const absl::CivilDay kToday(2026, 12, 7);

// The fields a status names, in order.
std::vector<std::string> Fields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const auto& [field, rule] : common::FieldViolationsOf(status)) fields.push_back(field);
  return fields;
}

// The text of `n` code points, each two bytes in UTF-8.
std::string Vietnamese(int n) {
  std::string text;
  for (int i = 0; i < n; ++i) text += "ư";
  return text;
}

v1::CreateIndicatorRequest GoodCreate() {
  v1::CreateIndicatorRequest r;
  r.set_parent(kOrg);
  r.set_indicator_id("state-budget-revenue");
  v1::Indicator* i = r.mutable_indicator();
  i->set_display_name("Thu ngân sách nhà nước");
  i->set_unit("billion_vnd");
  i->set_unit_display("tỷ đồng");
  i->set_kind(v1::Indicator::FLOW);
  i->set_direction(v1::Indicator::HIGHER_IS_BETTER);
  return r;
}

TEST(CreateIndicatorValidation, AcceptsAWellFormedDefinition) {
  EXPECT_TRUE(Validate(GoodCreate()).ok());
}

TEST(CreateIndicatorValidation, ReportsEveryViolationNamingItsField) {
  v1::CreateIndicatorRequest r;
  r.set_parent("hq-long-an");
  r.set_indicator_id("State");
  r.set_request_id("no spaces allowed");
  const absl::Status s = Validate(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(s),
              ElementsAre("parent", "indicator_id", "indicator", "indicator.display_name",
                          "indicator.unit", "indicator.kind", "indicator.direction", "request_id"));
  EXPECT_THAT(s.message(), HasSubstr("parent: must be an organization name"));
  EXPECT_THAT(s.message(), HasSubstr("indicator.kind: must be FLOW or STOCK"));
}

TEST(CreateIndicatorValidation, DisplayNameIsOneTo200CodePointsAfterNormalizing) {
  v1::CreateIndicatorRequest r = GoodCreate();
  r.mutable_indicator()->set_display_name(Vietnamese(200));
  EXPECT_TRUE(Validate(r).ok());
  r.mutable_indicator()->set_display_name("  " + Vietnamese(200) + "  ");  // trimmed
  EXPECT_TRUE(Validate(r).ok());
  r.mutable_indicator()->set_display_name(Vietnamese(201));
  EXPECT_THAT(common::FieldViolationsOf(Validate(r)),
              ElementsAre(Pair("indicator.display_name",
                               "is required: 1 to 200 characters of UTF-8 text")));
  r.mutable_indicator()->set_display_name(" \t ");
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("indicator.display_name"));
  r.mutable_indicator()->set_display_name("bad \xff byte");
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("indicator.display_name"));
}

TEST(CreateIndicatorValidation, UnitDisplayAndDescriptionHaveTheirLimits) {
  v1::CreateIndicatorRequest r = GoodCreate();
  r.mutable_indicator()->set_unit_display(Vietnamese(50));
  r.mutable_indicator()->set_description(Vietnamese(2000));
  EXPECT_TRUE(Validate(r).ok());
  r.mutable_indicator()->set_unit_display(Vietnamese(51));
  r.mutable_indicator()->set_description(Vietnamese(2001));
  EXPECT_THAT(
      common::FieldViolationsOf(Validate(r)),
      ElementsAre(Pair("indicator.unit_display", "must be at most 50 characters of UTF-8 text"),
                  Pair("indicator.description", "must be at most 2000 characters of UTF-8 text")));
}

TEST(CreateIndicatorValidation, UnitIsALowerCaseCodeOfAtMost32) {
  v1::CreateIndicatorRequest r = GoodCreate();
  r.mutable_indicator()->set_unit("a" + std::string(31, '_'));
  EXPECT_TRUE(Validate(r).ok());
  for (const std::string& bad : {std::string("a") + std::string(32, '0'), std::string("1x"),
                                 std::string("Count"), std::string("billion-vnd")}) {
    r.mutable_indicator()->set_unit(bad);
    EXPECT_THAT(common::FieldViolationsOf(Validate(r)),
                ElementsAre(Pair("indicator.unit", StartsWith("must match [a-z][a-z0-9_]{0,31}"))))
        << bad;
  }
}

TEST(CreateIndicatorValidation, ValueDomainViolationsNameItsFields) {
  v1::CreateIndicatorRequest r = GoodCreate();
  r.mutable_indicator()->mutable_value_domain()->mutable_minimum()->set_value("5");
  r.mutable_indicator()->mutable_value_domain()->mutable_maximum()->set_value("1");
  EXPECT_THAT(common::FieldViolationsOf(Validate(r)),
              ElementsAre(Pair("indicator.value_domain.maximum", "must not be below minimum (5)")));
}

TEST(CreateIndicatorValidation, RequestIdIsAtMost64Characters) {
  v1::CreateIndicatorRequest r = GoodCreate();
  r.set_request_id(std::string(64, 'a'));
  EXPECT_TRUE(Validate(r).ok());
  r.set_request_id(std::string(65, 'a'));
  EXPECT_THAT(common::FieldViolationsOf(Validate(r)),
              ElementsAre(Pair("request_id", "must be 1 to 64 characters of [A-Za-z0-9_-]")));
}

TEST(IndicatorNameValidation, GetAndDeleteNameTheirNameField) {
  v1::GetIndicatorRequest get;
  get.set_name(kIndicator);
  EXPECT_TRUE(Validate(get).ok());
  get.set_name(std::string(kOrg) + "/indicators/-");
  EXPECT_THAT(Fields(Validate(get)), ElementsAre("name"));
  v1::DeleteIndicatorRequest del;
  del.set_name(kIndicator);
  del.set_request_id("bad id");
  EXPECT_THAT(Fields(Validate(del)), ElementsAre("request_id"));
  del.set_name(kOrg);
  EXPECT_THAT(Fields(Validate(del)), ElementsAre("name"));  // the first violation only
}

TEST(ListIndicatorsValidation, ChecksParentPageSizeFilterAndOrder) {
  v1::ListIndicatorsRequest r;
  r.set_parent(kOrg);
  r.set_filter("kind = FLOW AND unit = \"count\" AND direction = LOWER_IS_BETTER");
  r.set_order_by("display_name desc");
  EXPECT_TRUE(Validate(r).ok());
  r.set_page_size(-1);
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("page_size"));
  r.set_page_size(0);
  r.set_filter("kind = FOO");
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("filter"));
  r.set_filter("unit : \"count\"");
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("filter"));
  r.set_filter("");
  r.set_order_by("unit");
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("order_by"));
}

TEST(UpdateIndicatorValidation, MaskPathsAreUpdatableIgnoredImmutableOrUnknown) {
  v1::UpdateIndicatorRequest r;
  r.mutable_indicator()->set_name(kIndicator);
  for (const char* path : {"display_name", "unit", "etag", "colour"}) {
    r.mutable_update_mask()->add_paths(path);
  }
  r.mutable_indicator()->set_display_name("Tên mới");
  EXPECT_THAT(common::FieldViolationsOf(Validate(r)),
              ElementsAre(Pair("update_mask", "\"unit\" is IMMUTABLE; create a new indicator"),
                          Pair("update_mask", StartsWith("unknown path \"colour\""))));
  EXPECT_THAT(UpdatedFields(r), ElementsAre("display_name"));
}

TEST(UpdateIndicatorValidation, WithoutAMaskTheSetFieldsAreUpdatedAndChecked) {
  v1::UpdateIndicatorRequest r;
  r.mutable_indicator()->set_name(kIndicator);
  EXPECT_TRUE(Validate(r).ok());
  EXPECT_THAT(UpdatedFields(r), IsEmpty());
  r.mutable_indicator()->set_description(Vietnamese(2001));
  r.mutable_indicator()->mutable_value_domain()->set_non_negative(true);
  EXPECT_THAT(UpdatedFields(r), ElementsAre("description", "value_domain"));
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("indicator.description"));
}

TEST(UpdateIndicatorValidation, AMaskedBlankDisplayNameIsRefused) {
  v1::UpdateIndicatorRequest r;
  r.mutable_indicator()->set_name(kIndicator);
  r.mutable_update_mask()->add_paths("display_name");
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("indicator.display_name"));
}

TEST(UpdateIndicatorValidation, NameAndRequestIdComeFirst) {
  v1::UpdateIndicatorRequest r;
  r.mutable_update_mask()->add_paths("unit");
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("indicator.name"));
  r.mutable_indicator()->set_name(kIndicator);
  r.set_request_id("?");
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("request_id"));
}

TEST(NormalizeTextTest, PutsTextInStoredFormAndLeavesInvalidTextAlone) {
  v1::Indicator i;
  i.set_display_name("  Thu   ngân sách ");
  i.set_unit_display("tỷ đồng");
  i.set_description("bad \xff");
  NormalizeText(&i);
  EXPECT_EQ(i.display_name(), "Thu ngân sách");
  EXPECT_EQ(i.unit_display(), "tỷ đồng");
  EXPECT_EQ(i.description(), "bad \xff");
}

TEST(RecordObservationsValidation, ExactlyOneOfRowsAndCsvWithin10000Rows) {
  v1::RecordObservationsRequest r;
  r.set_parent(kOrg);
  EXPECT_THAT(common::FieldViolationsOf(Validate(r)),
              ElementsAre(Pair("observations", "give exactly one of observations and csv")));
  r.set_csv("indicator,year,actual\n");
  EXPECT_TRUE(Validate(r).ok());
  r.add_observations();
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("csv"));
  r.clear_csv();
  while (r.observations_size() < kMaxObservationRows) r.add_observations();
  EXPECT_TRUE(Validate(r).ok());
  r.add_observations();
  EXPECT_THAT(common::FieldViolationsOf(Validate(r)),
              ElementsAre(Pair("observations", "at most 10000 rows; got 10001")));
}

TEST(ListObservationsValidation, YearsAreOptionalAndOrdered) {
  v1::ListObservationsRequest r;
  r.set_indicator(std::string(kOrg) + "/indicators/-");
  EXPECT_TRUE(Validate(r).ok());
  r.set_from_year(1929);
  r.set_to_year(10000);
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("from_year", "to_year"));
  r.set_from_year(2020);
  r.set_to_year(2019);
  EXPECT_THAT(common::FieldViolationsOf(Validate(r)),
              ElementsAre(Pair("to_year", "must not be before from_year")));
  r.set_to_year(2020);
  r.set_page_size(-1);
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("page_size"));
}

TEST(PerformanceValidation, AtMost100SelectedIndicators) {
  v1::GetYearlyPerformanceRequest r;
  r.set_organization(kOrg);
  r.set_year(2019);
  for (int i = 0; i < kMaxSelectedIndicators; ++i) r.add_indicators("BAD ID, checked later");
  EXPECT_TRUE(Validate(r).ok());
  r.add_indicators("one-more");
  EXPECT_THAT(common::FieldViolationsOf(Validate(r)),
              ElementsAre(Pair("indicators", "has 101 entries; at most 100 are allowed")));
}

TEST(PerformanceValidation, TheTermMustContainTheYear) {
  v1::GetYearlyPerformanceRequest r;
  r.set_organization(kOrg);
  r.set_year(2020);
  r.mutable_term()->set_start_year(2015);
  r.mutable_term()->set_end_year(2020);
  EXPECT_TRUE(Validate(r).ok());
  r.set_year(2021);
  EXPECT_THAT(common::FieldViolationsOf(Validate(r)),
              ElementsAre(Pair("term", "must contain year 2021")));
}

TEST(CompareYearsValidation, TheYearsMustDiffer) {
  v1::CompareYearsRequest r;
  r.set_organization(kOrg);
  r.set_base_year(2015);
  r.set_year(2015);
  EXPECT_THAT(common::FieldViolationsOf(Validate(r)),
              ElementsAre(Pair("year", "must differ from base_year")));
  r.set_year(2016);
  EXPECT_TRUE(Validate(r).ok());
}

TEST(TermSummaryValidation, ThroughYearIsAfterTheStartAndAtMostTheEnd) {
  v1::GetTermSummaryRequest r;
  r.set_organization(kOrg);
  EXPECT_THAT(common::FieldViolationsOf(Validate(r)), ElementsAre(Pair("term", "is required")));
  r.mutable_term()->set_start_year(2015);
  r.mutable_term()->set_end_year(2020);
  EXPECT_TRUE(Validate(r).ok());
  for (int through : {2016, 2020}) {
    r.set_through_year(through);
    EXPECT_TRUE(Validate(r).ok()) << through;
  }
  for (int through : {2015, 2021}) {
    r.set_through_year(through);
    EXPECT_THAT(common::FieldViolationsOf(Validate(r)),
                ElementsAre(Pair("through_year",
                                 "must be after the term's start_year 2015 and "
                                 "at most its end_year 2020")))
        << through;
  }
}

TEST(GenerateReportValidation, ExactlyOneOfYearAndTerm) {
  v1::GenerateReportRequest r;
  r.set_organization(kOrg);
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("year"));
  r.set_year(2019);
  EXPECT_TRUE(Validate(r).ok());
  r.set_year(kMaxYear + 1);
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("year"));
  r.set_year(2019);
  r.set_through_year(2019);
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("through_year"));
  // Setting the term replaces the year (one period).
  r.mutable_term()->set_start_year(2015);
  r.mutable_term()->set_end_year(2020);
  EXPECT_FALSE(r.has_year());
  EXPECT_TRUE(Validate(r).ok());
  r.set_organization("hq-long-an");
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("organization"));
}

TEST(GenerateReportValidation, TermAndThroughYearAtTheirBoundaries) {
  v1::GenerateReportRequest r;
  r.set_organization(kOrg);
  r.mutable_term()->set_start_year(2015);
  r.mutable_term()->set_end_year(2015);
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("term.end_year"));
  r.mutable_term()->set_end_year(2020);
  for (int through : {2016, 2020}) {
    r.set_through_year(through);
    EXPECT_TRUE(Validate(r).ok()) << through;
  }
  for (int through : {2015, 2021}) {
    r.set_through_year(through);
    EXPECT_THAT(Fields(Validate(r)), ElementsAre("through_year")) << through;
  }
}

TEST(RankOrganizationsValidation, ReportsEveryViolation) {
  v1::RankOrganizationsRequest r;
  r.set_organization("hq-long-an");
  EXPECT_THAT(Fields(Validate(r)),
              ElementsAre("region", "indicator_id", "year", "by", "organization"));
  r.set_parent("organizations/BAD");
  EXPECT_THAT(Fields(Validate(r)),
              ElementsAre("parent", "indicator_id", "year", "by", "organization"));
}

TEST(RankOrganizationsValidation, AWellFormedRequestThenItsPageSize) {
  v1::RankOrganizationsRequest r;
  r.set_region("Đồng bằng sông Cửu Long");
  r.set_indicator_id("state-budget-revenue");
  r.set_year(2019);
  r.set_by(v1::RankOrganizationsRequest::GROWTH);
  EXPECT_TRUE(Validate(r).ok());
  r.set_region("");
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("region"));
  r.set_region("Đồng bằng sông Cửu Long");
  r.set_by(static_cast<v1::RankOrganizationsRequest::Metric>(99));
  EXPECT_THAT(common::FieldViolationsOf(Validate(r)),
              ElementsAre(Pair("by", "must be VALUE, GROWTH or ATTAINMENT")));
  r.set_by(v1::RankOrganizationsRequest::VALUE);
  r.set_page_size(-1);
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("page_size"));
}

TEST(IndicatorSeriesValidation, AtMost100Years) {
  v1::GetIndicatorSeriesRequest r;
  r.set_indicator(kIndicator);
  r.set_from_year(2000);
  r.set_to_year(2099);
  EXPECT_TRUE(Validate(r).ok());
  r.set_to_year(2100);
  EXPECT_THAT(common::FieldViolationsOf(Validate(r)),
              ElementsAre(Pair("to_year", "must be from from_year to from_year + 99")));
  r.set_to_year(1999);
  EXPECT_THAT(Fields(Validate(r)), ElementsAre("to_year"));
}

TEST(PartyStatisticsValidation, AYearFrom1930ToTheCurrentYear) {
  v1::GetPartyStatisticsRequest r;
  r.set_organization(kOrg);
  for (int year : {kMinYear, 2026}) {
    r.set_year(year);
    EXPECT_TRUE(Validate(r, kToday).ok()) << year;
  }
  for (int year : {kMinYear - 1, 2027}) {
    r.set_year(year);
    EXPECT_THAT(common::FieldViolationsOf(Validate(r, kToday)),
                ElementsAre(Pair("year", "must be a year from 1930 to the current year 2026")))
        << year;
  }
}

TEST(PartyStatisticsValidation, AListCoversAtMost100YearsUpToNow) {
  v1::ListPartyStatisticsRequest r;
  r.set_organization(kOrg);
  r.set_from_year(1930);
  r.set_to_year(2026);
  EXPECT_TRUE(Validate(r, kToday).ok());
  r.set_to_year(2027);
  EXPECT_THAT(common::FieldViolationsOf(Validate(r, kToday)),
              ElementsAre(Pair("to_year",
                               "must be from from_year to from_year + 99, and not "
                               "after the current year 2026")));
  r.set_to_year(2030);  // from_year + 100, in a later year
  EXPECT_THAT(Fields(Validate(r, absl::CivilDay(2100, 1, 1))), ElementsAre("to_year"));
  r.set_to_year(2029);
  EXPECT_TRUE(Validate(r, absl::CivilDay(2100, 1, 1)).ok());
  r.set_from_year(1926);
  r.set_to_year(2026);
  EXPECT_THAT(Fields(Validate(r, kToday)), ElementsAre("from_year"));
  r.set_from_year(1930);
  r.set_page_size(-1);
  EXPECT_THAT(Fields(Validate(r, kToday)), ElementsAre("page_size"));
}

}  // namespace
}  // namespace analytics
