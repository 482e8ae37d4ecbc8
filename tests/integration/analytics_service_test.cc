// AnalyticsService through its generated stub on loopback, with the seed dataset loaded
// through the public API: the article's golden values, missing data reported as missing,
// rankings in a region (organizations from a fake records change stream), idempotent
// RecordObservations, CSV import, indicator etags and request validation.
#include <string>

#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/analytics/seed/seed_data.h"
#include "services/analytics/seed/seed_loader.h"
#include "tests/integration/analytics_fake_records.h"
#include "tests/integration/analytics_support.h"
#include "tests/support/process.h"

namespace analytics_testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_support::TempDir;

std::string Text(const v1::Figure& f) {
  return f.status() == v1::Figure::OK ? f.value().value() : v1::Figure::Status_Name(f.status());
}

class AnalyticsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    records_.Start();
    for (const auto& o : analytics::seed::SeedOrganizations()) {
      records_.Put(Organization(o.name.substr(strlen("organizations/")), o.display_name,
                                analytics::seed::kRegion));
    }
    server_ = StartAnalytics(dir_.Sub("db"), records_.target());
    ASSERT_NE(server_, nullptr);
    stub_ = Connect(server_->port());
    analytics::seed::SeedReport report;
    ASSERT_TRUE(analytics::seed::LoadSeed(*stub_, &report).ok());
    ASSERT_TRUE(WaitFor([&] {
      return server_->follower().GetFreshness().last_applied_sequence() == records_.head();
    }));
  }

  v1::CompareYearsResponse Compare(int base, int year) {
    v1::CompareYearsRequest request;
    request.set_organization(analytics::seed::kSeedOrganization);
    request.set_base_year(base);
    request.set_year(year);
    v1::CompareYearsResponse response;
    grpc::Status s = stub_->CompareYears(Context().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  const v1::IndicatorComparison& Find(const v1::CompareYearsResponse& r, const std::string& id) {
    for (const auto& c : r.comparisons()) {
      if (c.indicator().name() ==
          std::string(analytics::seed::kSeedOrganization) + "/indicators/" + id) {
        return c;
      }
    }
    ADD_FAILURE() << "no comparison for " << id;
    return r.comparisons(0);
  }

  TempDir dir_;
  FakeRecords records_;
  std::unique_ptr<analytics::AnalyticsServer> server_;
  std::unique_ptr<v1::AnalyticsService::Stub> stub_;
};

TEST_F(AnalyticsServiceTest, CompareYears2015To2019GivesTheArticlesGrowth) {
  v1::CompareYearsResponse r = Compare(2015, 2019);
  ASSERT_EQ(r.comparisons_size(), 4);
  EXPECT_EQ(Text(Find(r, "state-budget-revenue").relative_change_percent()), "80.8");
  EXPECT_EQ(Text(Find(r, "state-budget-revenue").absolute_change()), "1698.9");
  EXPECT_EQ(Text(Find(r, "enterprises").relative_change_percent()), "89.5");
  EXPECT_EQ(Text(Find(r, "customs-declarations").relative_change_percent()), "144.0");
  EXPECT_EQ(Text(Find(r, "import-export-turnover").relative_change_percent()), "91.9");
  EXPECT_EQ(Find(r, "state-budget-revenue").trend(), v1::IndicatorComparison::IMPROVED);
}

TEST_F(AnalyticsServiceTest, TermSummaryGivesSixteenPercentAverageAnnualGrowth) {
  v1::GetTermSummaryRequest request;
  request.set_organization(analytics::seed::kSeedOrganization);
  request.mutable_term()->set_start_year(2015);
  request.mutable_term()->set_end_year(2020);
  request.set_through_year(2019);
  request.add_indicators("state-budget-revenue");
  v1::GetTermSummaryResponse r;
  ASSERT_TRUE(stub_->GetTermSummary(Context().get(), request, &r).ok());
  ASSERT_EQ(r.summaries_size(), 1);
  const auto& s = r.summaries(0);
  EXPECT_EQ(r.through_year(), 2019);
  EXPECT_EQ(Text(s.growth_percent()), "80.8");
  EXPECT_EQ(Text(s.cagr_percent()), "16.0");
  EXPECT_THAT(s.years_target_met(), ElementsAre(2015, 2016, 2017, 2018, 2019));
  EXPECT_EQ(s.best_year(), 2019);
  EXPECT_EQ(s.worst_year(), 2015);
  EXPECT_EQ(Text(s.cumulative_total()), "14596.4");
}

TEST_F(AnalyticsServiceTest, YearlyPerformance2019AgainstLegalAndStrivingTargets) {
  v1::GetYearlyPerformanceRequest request;
  request.set_organization(analytics::seed::kSeedOrganization);
  request.set_year(2019);
  request.add_indicators("state-budget-revenue");
  v1::GetYearlyPerformanceResponse r;
  grpc::Status s = stub_->GetYearlyPerformance(Context().get(), request, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.term().start_year(), 2015);  // default term of 2019
  EXPECT_EQ(r.term().end_year(), 2020);
  EXPECT_EQ(r.display_name(), "Đảng bộ Cục Hải quan Long An");
  ASSERT_EQ(r.indicators_size(), 1);
  const auto& p = r.indicators(0);
  ASSERT_EQ(p.targets_size(), 2);
  EXPECT_EQ(Text(p.targets(0).attainment_percent()), "155.8");
  EXPECT_EQ(Text(p.targets(1).attainment_percent()), "102.8");
  EXPECT_EQ(p.target_met(), v1::TargetAttainment::MET);
  EXPECT_EQ(Text(p.growth_vs_term_start_percent()), "80.8");
  EXPECT_TRUE(r.has_freshness());
  EXPECT_EQ(r.freshness().log_id(), "log-1");
}

TEST_F(AnalyticsServiceTest, MissingDataIsReportedAsMissingNeverZero) {
  v1::CompareYearsResponse r = Compare(2014, 2019);  // nothing recorded for 2014
  const auto& revenue = Find(r, "state-budget-revenue");
  EXPECT_EQ(Text(revenue.base_value()), "MISSING_VALUE");
  EXPECT_FALSE(revenue.base_value().has_value());
  EXPECT_EQ(Text(revenue.relative_change_percent()), "MISSING_BASE");
  EXPECT_EQ(revenue.trend(), v1::IndicatorComparison::TREND_UNSPECIFIED);

  v1::GetIndicatorSeriesRequest series;
  series.set_indicator("organizations/hq-long-an/indicators/enterprises");
  series.set_from_year(2013);
  series.set_to_year(2016);
  v1::GetIndicatorSeriesResponse points;
  ASSERT_TRUE(stub_->GetIndicatorSeries(Context().get(), series, &points).ok());
  ASSERT_EQ(points.points_size(), 4);
  EXPECT_TRUE(points.points(0).missing());
  EXPECT_EQ(Text(points.points(0).actual()), "MISSING_VALUE");
  EXPECT_FALSE(points.points(2).missing());
  EXPECT_EQ(Text(points.points(2).actual()), "1072");
}

TEST_F(AnalyticsServiceTest, SeedUnitLeadsTheMekongDeltaInRevenue) {
  v1::RankOrganizationsRequest request;
  request.set_region(analytics::seed::kRegion);
  request.set_indicator_id("state-budget-revenue");
  request.set_year(2019);
  request.set_by(v1::RankOrganizationsRequest::VALUE);
  request.set_organization(analytics::seed::kSeedOrganization);
  v1::RankOrganizationsResponse r;
  grpc::Status s = stub_->RankOrganizations(Context().get(), request, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.located().rank(), 1);
  EXPECT_EQ(r.located().display_name(), "Đảng bộ Cục Hải quan Long An");
  EXPECT_EQ(r.total_ranked(), 5);
  EXPECT_EQ(r.unit(), "billion_vnd");
  ASSERT_EQ(r.entries_size(), 5);
  EXPECT_EQ(r.entries(1).organization(), "organizations/hq-can-tho");
  EXPECT_EQ(r.entries(4).rank(), 5);
}

TEST_F(AnalyticsServiceTest, RankingTiesAreCompetitionRanked) {
  // Two more units of the region with equal 2019 revenue (recorded through the API).
  for (const char* id : {"hq-dong-thap", "hq-ben-tre"}) {
    records_.Put(Organization(id, std::string("Đảng bộ ") + id, analytics::seed::kRegion));
    v1::CreateIndicatorRequest create;
    create.set_parent(std::string("organizations/") + id);
    create.set_indicator_id("state-budget-revenue");
    *create.mutable_indicator() = analytics::seed::SeedIndicators()[0].indicator;
    v1::Indicator created;
    ASSERT_TRUE(stub_->CreateIndicator(Context().get(), create, &created).ok());
    v1::RecordObservationsRequest record;
    record.set_parent(create.parent());
    record.set_csv("indicator,year,actual\nstate-budget-revenue,2019,2105.9\n");
    v1::RecordObservationsResponse recorded;
    ASSERT_TRUE(stub_->RecordObservations(Context().get(), record, &recorded).ok());
    ASSERT_EQ(recorded.written(), 1);
  }
  ASSERT_TRUE(WaitFor([&] {
    return server_->follower().GetFreshness().last_applied_sequence() == records_.head();
  }));
  v1::RankOrganizationsRequest request;
  request.set_region(analytics::seed::kRegion);
  request.set_indicator_id("state-budget-revenue");
  request.set_year(2019);
  request.set_by(v1::RankOrganizationsRequest::VALUE);
  v1::RankOrganizationsResponse r;
  ASSERT_TRUE(stub_->RankOrganizations(Context().get(), request, &r).ok());
  std::vector<std::string> ranks;
  for (const auto& e : r.entries()) {
    ranks.push_back(std::to_string(e.rank()) + (e.tied() ? "=" : ""));
  }
  // hq-can-tho, hq-ben-tre and hq-dong-thap all have 2105.9: "1 2 2 2 5 6 7".
  EXPECT_THAT(ranks, ElementsAre("1", "2=", "2=", "2=", "5", "6", "7"));
}

TEST_F(AnalyticsServiceTest, RecordObservationsIsIdempotentByRequestId) {
  v1::RecordObservationsRequest request;
  request.set_parent(analytics::seed::kSeedOrganization);
  request.set_request_id("3b1f0c9e-retry");
  request.set_csv("indicator,year,value_kind,actual\nstate-budget-revenue,2024,REVISED,5490.1\n");
  v1::RecordObservationsResponse first, second;
  ASSERT_TRUE(stub_->RecordObservations(Context().get(), request, &first).ok());
  EXPECT_EQ(first.written(), 1);
  ASSERT_TRUE(stub_->RecordObservations(Context().get(), request, &second).ok());
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());

  v1::ListObservationsRequest list;
  list.set_indicator("organizations/hq-long-an/indicators/state-budget-revenue");
  list.set_from_year(2024);
  list.set_to_year(2024);
  list.set_include_revisions(true);
  v1::ListObservationsResponse observations;
  ASSERT_TRUE(stub_->ListObservations(Context().get(), list, &observations).ok());
  ASSERT_EQ(observations.observations_size(), 1);
  EXPECT_EQ(observations.observations(0).actual().value(), "5490.1");
  EXPECT_EQ(observations.observations(0).value_kind(), v1::Observation::REVISED);
  EXPECT_EQ(observations.observations(0).revisions_size(), 1);  // the seed value, once

  // The same request id with another body is rejected and writes nothing.
  request.set_csv("indicator,year,actual\nstate-budget-revenue,2024,1\n");
  v1::RecordObservationsResponse reused;
  grpc::Status s = stub_->RecordObservations(Context().get(), request, &reused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(common::ErrorReason(common::FromGrpcStatus(s)), "REQUEST_ID_REUSED");
  // Loading the seed again (same request ids) replays its first responses and writes
  // nothing: the revised 2024 value stays, with no new revision.
  analytics::seed::SeedReport again;
  ASSERT_TRUE(analytics::seed::LoadSeed(*stub_, &again).ok());
  EXPECT_EQ(again.indicators_created, 0);
  v1::ListObservationsResponse after;
  ASSERT_TRUE(stub_->ListObservations(Context().get(), list, &after).ok());
  EXPECT_EQ(after.SerializeAsString(), observations.SerializeAsString());
}

TEST_F(AnalyticsServiceTest, BadRowsAreReportedAndGoodRowsWritten) {
  v1::RecordObservationsRequest request;
  request.set_parent(analytics::seed::kSeedOrganization);
  request.set_csv(
      "indicator,year,actual,target_legal\n"
      "state-budget-revenue,2014,1900.5,1800\n"
      "no-such-indicator,2014,1,\n"
      "enterprises,1929,1,\n"
      "enterprises,2014,\"1,005\",\n");
  v1::RecordObservationsResponse r;
  ASSERT_TRUE(stub_->RecordObservations(Context().get(), request, &r).ok());
  EXPECT_EQ(r.received(), 4);
  EXPECT_EQ(r.written(), 1);
  ASSERT_EQ(r.errors_size(), 3);
  EXPECT_EQ(r.errors(0).row(), 3);
  EXPECT_EQ(r.errors(0).code(), 5);  // NOT_FOUND
  EXPECT_EQ(r.errors(0).reason(), "INDICATOR_NOT_FOUND");
  EXPECT_EQ(r.errors(1).row(), 4);
  EXPECT_EQ(r.errors(1).field(), "year");
  EXPECT_EQ(r.errors(2).field(), "actual");

  request.clear_csv();
  v1::RecordObservationsResponse none;
  grpc::Status s = stub_->RecordObservations(Context().get(), request, &none);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// Request bounds (common/list_query.h, analytics_service.cc): over one is INVALID_ARGUMENT
// naming the field and the limit, answered at once.
TEST_F(AnalyticsServiceTest, OversizedQueriesAreRefusedNamingTheLimit) {
  v1::ListIndicatorsRequest list;
  list.set_parent(analytics::seed::kSeedOrganization);
  list.set_filter("unit = \"" + std::string(5 << 10, 'x') + "\"");
  v1::ListIndicatorsResponse listed;
  grpc::Status s = stub_->ListIndicators(Context().get(), list, &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("filter: has 5129 bytes; at most 4096 are allowed"));
  // Over 64 KiB the request-wide text bound (common/request_text.h) answers first.
  list.set_filter("unit = \"" + std::string(5 << 20, 'x') + "\"");
  s = stub_->ListIndicators(Context().get(), list, &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("filter: is 5242889 bytes long; at most 65536"));
  list.clear_filter();
  list.set_order_by(std::string(300, ' ') + "name");
  s = stub_->ListIndicators(Context().get(), list, &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("order_by: has 304 bytes; at most 256 are allowed"));

  v1::GetYearlyPerformanceRequest performance;
  performance.set_organization(analytics::seed::kSeedOrganization);
  performance.set_year(2019);
  v1::CompareYearsRequest compare;
  compare.set_organization(analytics::seed::kSeedOrganization);
  compare.set_base_year(2015);
  compare.set_year(2019);
  v1::GetTermSummaryRequest summary;
  summary.set_organization(analytics::seed::kSeedOrganization);
  summary.mutable_term()->set_start_year(2015);
  summary.mutable_term()->set_end_year(2020);
  for (int i = 0; i < 101; ++i) {
    performance.add_indicators("state-budget-revenue");
    compare.add_indicators("state-budget-revenue");
    summary.add_indicators("state-budget-revenue");
  }
  v1::GetYearlyPerformanceResponse p;
  s = stub_->GetYearlyPerformance(Context().get(), performance, &p);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("indicators: has 101 entries; at most 100 are allowed"));
  v1::CompareYearsResponse c;
  EXPECT_EQ(stub_->CompareYears(Context().get(), compare, &c).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::GetTermSummaryResponse t;
  EXPECT_EQ(stub_->GetTermSummary(Context().get(), summary, &t).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  performance.mutable_indicators()->DeleteSubrange(0, 1);  // 100: within the bound
  EXPECT_TRUE(stub_->GetYearlyPerformance(Context().get(), performance, &p).ok());
}

// The seed's enterprise count is a whole, non-negative number: a negative or fractional
// count, a fractional target or province value is refused, naming the row, the field and the
// rule, through rows and CSV alike; nothing of a refused row is written.
TEST_F(AnalyticsServiceTest, EnterpriseCountsMustBeWholeAndNonNegative) {
  v1::RecordObservationsRequest request;
  request.set_parent(analytics::seed::kSeedOrganization);
  v1::ObservationInput* negative = request.add_observations();
  negative->set_indicator("enterprises");
  negative->set_year(2013);
  negative->mutable_actual()->set_value("-5");
  v1::ObservationInput* fractional = request.add_observations();
  fractional->set_indicator("enterprises");
  fractional->set_year(2014);
  fractional->mutable_actual()->set_value("1005.5");
  v1::ObservationInput* target = request.add_observations();
  target->set_indicator("customs-declarations");
  target->set_year(2014);
  v1::Target* legal = target->add_targets();
  legal->set_type(v1::Target::LEGAL);
  legal->mutable_value()->set_value("180000.25");
  v1::ObservationInput* good = request.add_observations();
  good->set_indicator("enterprises");
  good->set_year(2012);
  good->mutable_actual()->set_value("980");
  v1::RecordObservationsResponse r;
  ASSERT_TRUE(stub_->RecordObservations(Context().get(), request, &r).ok());
  EXPECT_EQ(r.written(), 1);
  ASSERT_EQ(r.errors_size(), 3);
  EXPECT_EQ(r.errors(0).row(), 1);
  EXPECT_EQ(r.errors(0).field(), "actual");
  EXPECT_EQ(r.errors(0).code(), 3);  // INVALID_ARGUMENT
  EXPECT_THAT(r.errors(0).message(), HasSubstr("must not be negative"));
  EXPECT_EQ(r.errors(1).row(), 2);
  EXPECT_EQ(r.errors(1).field(), "actual");
  EXPECT_THAT(r.errors(1).message(), HasSubstr("must be a whole number"));
  EXPECT_EQ(r.errors(2).row(), 3);
  EXPECT_EQ(r.errors(2).field(), "targets[0].value");
  EXPECT_THAT(r.errors(2).message(), HasSubstr("whole number"));

  v1::RecordObservationsRequest csv;
  csv.set_parent(analytics::seed::kSeedOrganization);
  csv.set_csv(
      "indicator,year,actual\n"
      "enterprises,2011,-1\n"
      "state-budget-revenue,2011,-0.5\n");
  ASSERT_TRUE(stub_->RecordObservations(Context().get(), csv, &r).ok());
  EXPECT_EQ(r.written(), 0);
  ASSERT_EQ(r.errors_size(), 2);
  EXPECT_EQ(r.errors(0).row(), 2);
  EXPECT_EQ(r.errors(0).field(), "actual");
  EXPECT_THAT(r.errors(0).message(), HasSubstr("must not be negative"));
  EXPECT_EQ(r.errors(1).row(), 3) << "money is non-negative too";

  v1::ListObservationsRequest list;
  list.set_indicator("organizations/hq-long-an/indicators/enterprises");
  list.set_to_year(2014);
  v1::ListObservationsResponse listed;
  ASSERT_TRUE(stub_->ListObservations(Context().get(), list, &listed).ok());
  ASSERT_EQ(listed.observations_size(), 1) << "only the good row was written";
  EXPECT_EQ(listed.observations(0).year(), 2012);
}

double OutOfDomainGauge() {
  for (const common::MetricFamily& f : common::MetricsRegistry::Default().Collect()) {
    if (f.name == "dangbo_analytics_observations_out_of_domain" && !f.samples.empty()) {
      return f.samples[0].value;
    }
  }
  return -1;
}

v1::RecordObservationsResponse Record(v1::AnalyticsService::Stub* stub, const std::string& id,
                                      int year, const std::string& actual) {
  v1::RecordObservationsRequest request;
  request.set_parent(analytics::seed::kSeedOrganization);
  v1::ObservationInput* row = request.add_observations();
  row->set_indicator(id);
  row->set_year(year);
  row->mutable_actual()->set_value(actual);
  v1::RecordObservationsResponse response;
  grpc::Status s = stub->RecordObservations(Context().get(), request, &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return response;
}

// The seed's indicators declare their domains; a new indicator may declare any domain that
// admits some value, and its rows are held to it.
TEST_F(AnalyticsServiceTest, IndicatorsDeclareTheirValueDomain) {
  v1::GetIndicatorRequest get;
  get.set_name("organizations/hq-long-an/indicators/enterprises");
  v1::Indicator enterprises;
  ASSERT_TRUE(stub_->GetIndicator(Context().get(), get, &enterprises).ok());
  EXPECT_TRUE(enterprises.value_domain().whole_number());
  EXPECT_TRUE(enterprises.value_domain().non_negative());
  get.set_name("organizations/hq-long-an/indicators/state-budget-revenue");
  v1::Indicator revenue;
  ASSERT_TRUE(stub_->GetIndicator(Context().get(), get, &revenue).ok());
  EXPECT_FALSE(revenue.value_domain().whole_number());
  EXPECT_TRUE(revenue.value_domain().non_negative());

  v1::CreateIndicatorRequest create;
  create.set_parent(analytics::seed::kSeedOrganization);
  create.set_indicator_id("clearance-on-time");
  v1::Indicator* indicator = create.mutable_indicator();
  indicator->set_display_name("Tỷ lệ tờ khai thông quan đúng hạn");
  indicator->set_unit("percent");
  indicator->set_kind(v1::Indicator::STOCK);
  indicator->set_direction(v1::Indicator::HIGHER_IS_BETTER);
  indicator->mutable_value_domain()->mutable_minimum()->set_value("100");
  indicator->mutable_value_domain()->mutable_maximum()->set_value("0");
  v1::Indicator created;
  grpc::Status s = stub_->CreateIndicator(Context().get(), create, &created);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto violations = common::FieldViolationsOf(common::FromGrpcStatus(s));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].first, "indicator.value_domain.maximum");
  EXPECT_THAT(violations[0].second, HasSubstr("below minimum"));

  indicator->mutable_value_domain()->mutable_minimum()->set_value("0");
  indicator->mutable_value_domain()->mutable_maximum()->set_value("100");
  ASSERT_TRUE(stub_->CreateIndicator(Context().get(), create, &created).ok());
  EXPECT_EQ(created.value_domain().maximum().value(), "100");
  v1::RecordObservationsResponse r = Record(stub_.get(), "clearance-on-time", 2019, "100.5");
  EXPECT_EQ(r.written(), 0);
  ASSERT_EQ(r.errors_size(), 1);
  EXPECT_EQ(r.errors(0).reason(), "VALUE_OUT_OF_DOMAIN");
  EXPECT_EQ(r.errors(0).message(),
            "actual: must be at most 100 (the indicator's value domain is at least 0, at most "
            "100), got 100.5");
  EXPECT_EQ(Record(stub_.get(), "clearance-on-time", 2019, "98.7").written(), 1);
}

// Figures stored before a domain was declared are kept and served as recorded, and counted
// until corrected; a domain can be changed and removed.
TEST_F(AnalyticsServiceTest, ANewValueDomainKeepsAndReportsStoredFiguresOutsideIt) {
  v1::CreateIndicatorRequest create;
  create.set_parent(analytics::seed::kSeedOrganization);
  create.set_indicator_id("staff");
  v1::Indicator* indicator = create.mutable_indicator();
  indicator->set_display_name("Số công chức");
  indicator->set_unit("count");
  indicator->set_kind(v1::Indicator::STOCK);
  indicator->set_direction(v1::Indicator::HIGHER_IS_BETTER);
  v1::Indicator staff;
  ASSERT_TRUE(stub_->CreateIndicator(Context().get(), create, &staff).ok());
  EXPECT_FALSE(staff.has_value_domain());
  EXPECT_EQ(Record(stub_.get(), "staff", 2013, "-3").written(), 1) << "no domain: any value";
  EXPECT_EQ(Record(stub_.get(), "staff", 2014, "10.5").written(), 1);
  EXPECT_EQ(Record(stub_.get(), "staff", 2015, "12").written(), 1);
  EXPECT_EQ(OutOfDomainGauge(), 0);

  v1::UpdateIndicatorRequest update;
  update.mutable_indicator()->set_name(staff.name());
  update.mutable_indicator()->mutable_value_domain()->set_whole_number(true);
  update.mutable_indicator()->mutable_value_domain()->set_non_negative(true);
  update.mutable_update_mask()->add_paths("value_domain");
  v1::Indicator updated;
  ASSERT_TRUE(stub_->UpdateIndicator(Context().get(), update, &updated).ok());
  EXPECT_TRUE(updated.value_domain().whole_number());
  EXPECT_NE(updated.etag(), staff.etag());
  EXPECT_EQ(OutOfDomainGauge(), 2) << "2013 and 2014 are outside, and kept";

  v1::ListObservationsRequest list;
  list.set_indicator(staff.name());
  v1::ListObservationsResponse listed;
  ASSERT_TRUE(stub_->ListObservations(Context().get(), list, &listed).ok());
  ASSERT_EQ(listed.observations_size(), 3);
  EXPECT_EQ(listed.observations(0).actual().value(), "-3");
  EXPECT_EQ(listed.observations(1).actual().value(), "10.5");

  EXPECT_EQ(Record(stub_.get(), "staff", 2016, "-1").errors_size(), 1) << "new rows must fit";
  EXPECT_EQ(Record(stub_.get(), "staff", 2013, "3").written(), 1) << "a correction";
  EXPECT_EQ(OutOfDomainGauge(), 1);

  update.mutable_update_mask()->set_paths(0, "value_domain.minimum");
  EXPECT_EQ(stub_->UpdateIndicator(Context().get(), update, &updated).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  update.mutable_update_mask()->set_paths(0, "value_domain");
  update.mutable_indicator()->clear_value_domain();  // the mask names it: removes it
  ASSERT_TRUE(stub_->UpdateIndicator(Context().get(), update, &updated).ok());
  EXPECT_FALSE(updated.has_value_domain());
  EXPECT_EQ(OutOfDomainGauge(), 0);
  EXPECT_EQ(Record(stub_.get(), "staff", 2016, "-1").written(), 1);
}

// A data directory seeded before value domains existed: loading the seed again gives its
// indicators their domains; a domain an operator chose is left alone.
TEST_F(AnalyticsServiceTest, ReloadingTheSeedGivesOldIndicatorsTheirValueDomain) {
  v1::GetIndicatorRequest get;
  get.set_name("organizations/hq-long-an/indicators/enterprises");
  v1::Indicator enterprises;
  ASSERT_TRUE(stub_->GetIndicator(Context().get(), get, &enterprises).ok());
  v1::UpdateIndicatorRequest update;
  update.mutable_indicator()->set_name(enterprises.name());
  update.mutable_update_mask()->add_paths("value_domain");  // and none given: removes it
  ASSERT_TRUE(stub_->UpdateIndicator(Context().get(), update, &enterprises).ok());
  ASSERT_FALSE(enterprises.has_value_domain());

  analytics::seed::SeedReport report;
  ASSERT_TRUE(analytics::seed::LoadSeed(*stub_, &report).ok());
  EXPECT_EQ(report.indicators_given_a_value_domain, 1);
  ASSERT_TRUE(stub_->GetIndicator(Context().get(), get, &enterprises).ok());
  EXPECT_TRUE(enterprises.value_domain().whole_number());
  EXPECT_TRUE(enterprises.value_domain().non_negative());

  update.mutable_indicator()->mutable_value_domain()->set_non_negative(true);  // money-like
  ASSERT_TRUE(stub_->UpdateIndicator(Context().get(), update, &enterprises).ok());
  analytics::seed::SeedReport again;
  ASSERT_TRUE(analytics::seed::LoadSeed(*stub_, &again).ok());
  EXPECT_EQ(again.indicators_given_a_value_domain, 0);
  ASSERT_TRUE(stub_->GetIndicator(Context().get(), get, &enterprises).ok());
  EXPECT_FALSE(enterprises.value_domain().whole_number()) << "the operator's choice stands";
}

TEST_F(AnalyticsServiceTest, GetIndicatorWithAMalformedNameNamesTheField) {
  v1::GetIndicatorRequest request;
  request.set_name("x");
  v1::Indicator indicator;
  grpc::Status s = stub_->GetIndicator(Context().get(), request, &indicator);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto violations = common::FieldViolationsOf(common::FromGrpcStatus(s));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].first, "name");
  request.set_name("organizations/hq-long-an/indicators/nothing");
  EXPECT_EQ(stub_->GetIndicator(Context().get(), request, &indicator).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(AnalyticsServiceTest, UpdateIndicatorUsesEtagsAndRejectsImmutableFields) {
  v1::GetIndicatorRequest get;
  get.set_name("organizations/hq-long-an/indicators/enterprises");
  v1::Indicator current;
  ASSERT_TRUE(stub_->GetIndicator(Context().get(), get, &current).ok());
  v1::UpdateIndicatorRequest update;
  *update.mutable_indicator() = current;
  update.mutable_indicator()->set_display_name("Số doanh nghiệp làm thủ tục");
  update.mutable_update_mask()->add_paths("display_name");
  v1::Indicator updated;
  ASSERT_TRUE(stub_->UpdateIndicator(Context().get(), update, &updated).ok());
  EXPECT_EQ(updated.display_name(), "Số doanh nghiệp làm thủ tục");
  EXPECT_NE(updated.etag(), current.etag());
  // The old etag is stale now.
  EXPECT_EQ(stub_->UpdateIndicator(Context().get(), update, &updated).error_code(),
            grpc::StatusCode::ABORTED);
  update.mutable_update_mask()->add_paths("unit");
  EXPECT_EQ(stub_->UpdateIndicator(Context().get(), update, &updated).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // Delete without force is refused while observations exist.
  v1::DeleteIndicatorRequest del;
  del.set_name(get.name());
  google::protobuf::Empty empty;
  EXPECT_EQ(stub_->DeleteIndicator(Context().get(), del, &empty).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(AnalyticsServiceTest, ListIndicatorsFiltersAndPages) {
  v1::ListIndicatorsRequest request;
  request.set_parent(analytics::seed::kSeedOrganization);
  request.set_page_size(3);
  v1::ListIndicatorsResponse page1, page2;
  ASSERT_TRUE(stub_->ListIndicators(Context().get(), request, &page1).ok());
  EXPECT_EQ(page1.indicators_size(), 3);
  EXPECT_EQ(page1.total_size(), 4);
  ASSERT_FALSE(page1.next_page_token().empty());
  request.set_page_token(page1.next_page_token());
  ASSERT_TRUE(stub_->ListIndicators(Context().get(), request, &page2).ok());
  EXPECT_EQ(page2.indicators_size(), 1);
  EXPECT_TRUE(page2.next_page_token().empty());

  v1::ListIndicatorsRequest stock;
  stock.set_parent(analytics::seed::kSeedOrganization);
  stock.set_filter("kind = STOCK");
  v1::ListIndicatorsResponse only;
  ASSERT_TRUE(stub_->ListIndicators(Context().get(), stock, &only).ok());
  ASSERT_EQ(only.indicators_size(), 1);
  EXPECT_EQ(only.indicators(0).name(), "organizations/hq-long-an/indicators/enterprises");
  stock.set_filter("colour = RED");
  EXPECT_EQ(stub_->ListIndicators(Context().get(), stock, &only).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace analytics_testing
