// The yearly and term report: worded from figures the other rules computed (YearPerformance,
// SummarizeTerm, the region's ranking, PartyStatistics), numbers in Vietnamese form, missing
// data said to be missing and never written as zero.
#include "services/analytics/domain/report.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/analytics/domain/decimal.h"
#include "services/analytics/domain/figures.h"
#include "services/analytics/domain/performance.h"
#include "services/analytics/domain/term_summary.h"

namespace analytics {
namespace {

namespace v1 = ::dangbo::analytics::v1;
using ::testing::HasSubstr;
using ::testing::Not;

int64_t M(const char* decimal) { return *ParseDecimal(decimal, "test"); }

v1::Indicator Revenue() {
  v1::Indicator i;
  i.set_name("organizations/hq-long-an/indicators/state-budget-revenue");
  i.set_display_name("Thu ngân sách nhà nước");
  i.set_unit("billion_vnd");
  i.set_unit_display("tỷ đồng");
  i.set_kind(Indicator::FLOW);
  i.set_direction(Indicator::HIGHER_IS_BETTER);
  return i;
}

// The seed's revenue 2015–2019 with legal targets, and 2019's striving target.
Series RevenueSeries() {
  Series s;
  const char* values[][2] = {{"2103.4", "1900"},
                             {"2450", "2000"},
                             {"2890.5", "2150"},
                             {"3350.2", "2300"},
                             {"3802.3", "2440"}};
  for (int i = 0; i < 5; ++i) {
    s[2015 + i].actual = Actual{M(values[i][0]), Observation::ACTUAL};
    s[2015 + i].targets[Target::LEGAL] = M(values[i][1]);
  }
  s[2019].targets[Target::STRIVING] = M("3700");
  return s;
}

ReportInput TermInput(const Series& series, int year = 2019) {
  ReportInput in;
  in.organization = "organizations/hq-long-an";
  in.display_name = "Đảng bộ Cục Hải quan Long An";
  in.kind = GenerateReportResponse::TERM;
  in.year = year;
  in.term.set_start_year(2015);
  in.term.set_end_year(2020);
  ReportIndicator ri;
  ri.indicator = Revenue();
  const IndicatorTraits traits{Indicator::FLOW, Indicator::HIGHER_IS_BETTER};
  ri.year = YearPerformance(traits, series, year, 2015);
  ri.term = SummarizeTerm(traits, series, 2015, year);
  ri.rank.region = "Đồng bằng sông Cửu Long";
  ri.rank.metric = ActualFigure(ActualOf(series, year));
  ri.rank.rank = 1;
  ri.rank.total_ranked = 5;
  in.indicators.push_back(ri);
  return in;
}

const v1::ReportSection& Section(const GenerateReportResponse& r, const std::string& key) {
  for (const auto& s : r.sections()) {
    if (s.key() == key) return s;
  }
  ADD_FAILURE() << "no section " << key;
  return r.sections(0);
}

// The row `key` of `year`, or the first row `key` when year is 0 (an indicator's rows).
const v1::ReportRow& RowOf(const v1::ReportSection& s, const std::string& key, int year = 0) {
  for (const auto& row : s.rows()) {
    if (row.key() == key && (year == 0 || row.year() == year)) return row;
  }
  ADD_FAILURE() << "no row " << key << " of " << year << " in " << s.key();
  return s.rows(0);
}

TEST(ReportTest, TermReportStatesTheGrowthTheWayTheArticleDoes) {
  const GenerateReportResponse r = BuildReport(TermInput(RevenueSeries()));
  EXPECT_EQ(r.title(), "Báo cáo số liệu nhiệm kỳ 2015–2020 (đến hết năm 2019)");
  const auto& s = Section(r, "indicators/state-budget-revenue");
  EXPECT_EQ(s.title(), "Thu ngân sách nhà nước");
  EXPECT_EQ(s.summary(),
            "Năm 2019 đạt 3.802,3 tỷ đồng, tăng 80,8% so với đầu nhiệm kỳ (năm 2015 đạt 2.103,4 "
            "tỷ đồng).");
  EXPECT_EQ(RowOf(s, "actual").value(), "3.802,3");
  EXPECT_EQ(RowOf(s, "actual").unit(), "tỷ đồng");
  EXPECT_EQ(RowOf(s, "actual").figure().value().value(), "3802.3");  // exact, for machines
  EXPECT_EQ(RowOf(s, "target.LEGAL").text(), "2.440 tỷ đồng");
  EXPECT_EQ(RowOf(s, "attainment.LEGAL").text(), "155,8%");
  EXPECT_EQ(RowOf(s, "attainment.STRIVING").text(), "102,8%");
  EXPECT_EQ(RowOf(s, "growth_vs_previous_year").text(), "tăng 13,5%");
  EXPECT_EQ(RowOf(s, "growth_vs_term_start").value(), "80,8");
  EXPECT_EQ(RowOf(s, "growth_vs_term_start").unit(), "%");
  EXPECT_EQ(RowOf(s, "cagr").text(), "tăng 16%");
  EXPECT_EQ(RowOf(s, "years_target_met").text(), "5/5 năm");
  EXPECT_EQ(RowOf(s, "cumulative_total").text(), "14.596,4 tỷ đồng");
  EXPECT_EQ(RowOf(s, "rank_in_region").label(), "Xếp hạng trong khu vực Đồng bằng sông Cửu Long");
  EXPECT_EQ(RowOf(s, "rank_in_region").text(), "thứ 1/5");
}

TEST(ReportTest, YearlyReportStatesAttainmentAndGrowthOnThePreviousYear) {
  ReportInput in = TermInput(RevenueSeries());
  in.kind = GenerateReportResponse::YEAR;
  in.indicators[0].term.reset();
  const GenerateReportResponse r = BuildReport(in);
  EXPECT_EQ(r.title(), "Báo cáo số liệu năm 2019");
  const auto& s = Section(r, "indicators/state-budget-revenue");
  EXPECT_EQ(s.summary(),
            "Năm 2019 đạt 3.802,3 tỷ đồng, bằng 155,8% chỉ tiêu được giao, tăng 13,5% so với năm "
            "2018.");
  for (const char* key : {"cagr", "years_target_met", "cumulative_total"}) {
    for (const auto& row : s.rows()) EXPECT_NE(row.key(), key);
  }
}

TEST(ReportTest, NegativeGrowthIsADecline) {
  Series s = RevenueSeries();
  s[2020].actual = Actual{M("3650.8"), Observation::ACTUAL};
  ReportInput in = TermInput(s, 2020);
  in.kind = GenerateReportResponse::YEAR;
  const GenerateReportResponse r = BuildReport(in);
  const auto& section = Section(r, "indicators/state-budget-revenue");
  EXPECT_EQ(RowOf(section, "growth_vs_previous_year").text(), "giảm 4%");
  EXPECT_EQ(RowOf(section, "growth_vs_previous_year").value(), "-4");
  EXPECT_THAT(section.summary(), HasSubstr("giảm 4% so với năm 2019."));
}

TEST(ReportTest, AMissingYearIsSaidToBeMissingNeverZero) {
  Series s = RevenueSeries();
  s.erase(2015);  // no base year
  s[2019].actual.reset();
  s[2019].targets.clear();
  ReportInput in = TermInput(s);
  in.indicators[0].rank.metric = MissingFigure(Figure::MISSING_VALUE);
  in.indicators[0].rank.rank.reset();
  const GenerateReportResponse r = BuildReport(in);
  const auto& section = Section(r, "indicators/state-budget-revenue");
  EXPECT_EQ(section.summary(), "Năm 2019: chưa có số liệu.");
  for (const char* key : {"actual", "target.LEGAL", "growth_vs_previous_year",
                          "growth_vs_term_start", "cagr", "cumulative_total", "rank_in_region"}) {
    const v1::ReportRow& row = RowOf(section, key);
    EXPECT_NE(row.status(), Figure::OK) << key;
    EXPECT_EQ(row.value(), "") << key;
    EXPECT_EQ(row.text(), "chưa có số liệu") << key;
    EXPECT_FALSE(row.figure().has_value()) << key;
  }
  EXPECT_THAT(r.markdown(), Not(HasSubstr("| 0")));
}

TEST(ReportTest, AMissingBaseIsNamedInTheSummary) {
  Series s = RevenueSeries();
  s.erase(2015);
  const GenerateReportResponse r = BuildReport(TermInput(s));
  const auto& section = Section(r, "indicators/state-budget-revenue");
  EXPECT_EQ(section.summary(),
            "Năm 2019 đạt 3.802,3 tỷ đồng; so với đầu nhiệm kỳ (năm 2015): chưa có số liệu.");
}

TEST(ReportTest, NoRegionMeansNoRankRatherThanRankZero) {
  ReportInput in = TermInput(RevenueSeries());
  in.indicators[0].rank = RegionRank{};
  const GenerateReportResponse r = BuildReport(in);
  const auto& row = RowOf(Section(r, "indicators/state-budget-revenue"), "rank_in_region");
  EXPECT_EQ(row.status(), Figure::NOT_APPLICABLE);
  EXPECT_EQ(row.text(), "không áp dụng");
}

TEST(ReportTest, TiedRanksSaySo) {
  ReportInput in = TermInput(RevenueSeries());
  in.indicators[0].rank.rank = 2;
  in.indicators[0].rank.tied = true;
  EXPECT_EQ(
      RowOf(Section(BuildReport(in), "indicators/state-budget-revenue"), "rank_in_region").text(),
      "đồng hạng 2/5");
}

v1::PartyStatistics Statistics() {
  v1::PartyStatistics st;
  st.set_organization("organizations/hq-long-an");
  st.set_year(2024);
  st.mutable_as_of()->set_year(2024);
  st.mutable_as_of()->set_month(12);
  st.mutable_as_of()->set_day(31);
  st.set_cells(12);
  st.set_members_full(1110);
  st.set_members_probationary(8);
  st.set_members_total(1118);
  st.set_admissions(0);  // a real zero: the statistics counted none
  st.mutable_inspections()->set_plans(1);
  st.mutable_inspections()->set_items_planned(6);
  st.mutable_inspections()->set_items_completed(5);
  st.mutable_member_ratings()->set_excellent(20);
  st.mutable_member_ratings()->set_good(90);
  st.mutable_member_ratings()->set_completed(7);
  st.mutable_member_ratings()->set_not_completed(1);
  st.mutable_member_ratings()->set_rated(118);
  st.mutable_member_ratings()->set_unrated(1000);
  return st;
}

TEST(ReportTest, PartyStatisticsInVietnameseForm) {
  ReportInput in = TermInput(RevenueSeries());
  in.year = 2024;
  in.party[2024] = Statistics();
  const GenerateReportResponse r = BuildReport(in);
  const auto& members = Section(r, "party/members");
  EXPECT_EQ(members.summary(),
            "Đến ngày 31/12/2024 có 12 chi bộ trực thuộc với 1.118 đảng viên (1.110 chính thức, 8 "
            "dự bị); trong năm kết nạp 0 đảng viên.");
  EXPECT_EQ(RowOf(members, "members_total", 2024).text(), "1.118 đảng viên");
  EXPECT_EQ(RowOf(members, "admissions", 2024).text(), "0 đảng viên");
  EXPECT_EQ(RowOf(members, "admissions", 2024).status(), Figure::OK);
  const auto& inspections = Section(r, "party/inspections");
  EXPECT_EQ(RowOf(inspections, "completion", 2024).text(), "83,3%");
  EXPECT_EQ(inspections.summary(),
            "Năm 2024 hoàn thành 5/6 cuộc kiểm tra, giám sát theo kế hoạch (83,3%).");
  const auto& ratings = Section(r, "party/ratings");
  EXPECT_EQ(RowOf(ratings, "rating.excellent").label(), "Hoàn thành xuất sắc nhiệm vụ");
  EXPECT_EQ(RowOf(ratings, "rating.unrated", 2024).text(), "1.000 đảng viên");
}

TEST(ReportTest, DuesAndMeetingAttendanceAreMissingUntilTheStatisticsCarryThem) {
  ReportInput in = TermInput(RevenueSeries());
  in.party[2019] = Statistics();
  const GenerateReportResponse r = BuildReport(in);
  const auto& s = Section(r, "party/dues_and_meetings");
  EXPECT_EQ(RowOf(s, "dues_collected", 2019).status(), Figure::MISSING_VALUE);
  EXPECT_EQ(RowOf(s, "dues_collected", 2019).text(), "chưa có số liệu");
  EXPECT_EQ(RowOf(s, "dues_collected", 2019).unit(), "đồng");
  EXPECT_EQ(RowOf(s, "meeting_attendance", 2019).status(), Figure::MISSING_VALUE);
  EXPECT_EQ(s.summary(),
            "Năm 2019: đảng phí đã thu chưa có số liệu; tỷ lệ đảng viên dự sinh hoạt chi bộ chưa "
            "có số liệu.");
}

TEST(ReportTest, DuesCollectedAndAttendanceComeFromTheStatistics) {
  ReportInput in = TermInput(RevenueSeries());
  in.party[2019] = Statistics();
  in.party[2019].mutable_dues()->set_cell_months(24);
  in.party[2019].mutable_dues()->set_collected(45'360'000);
  in.party[2019].mutable_meetings()->set_present(191);
  in.party[2019].mutable_meetings()->set_excused(6);
  in.party[2019].mutable_meetings()->set_absent(3);
  const GenerateReportResponse r = BuildReport(in);
  const auto& s = Section(r, "party/dues_and_meetings");
  EXPECT_EQ(RowOf(s, "dues_collected", 2019).status(), Figure::OK);
  EXPECT_EQ(RowOf(s, "dues_collected", 2019).text(), "45.360.000 đồng");
  EXPECT_EQ(RowOf(s, "meeting_attendance", 2019).text(), "95,5%");
  EXPECT_EQ(s.summary(),
            "Năm 2019: đảng phí đã thu 45.360.000 đồng; tỷ lệ đảng viên dự sinh hoạt chi bộ "
            "95,5%.");
  // Closings without a đồng collected are a real zero; no attendance recorded is missing.
  in.party[2019].mutable_dues()->set_collected(0);
  in.party[2019].clear_meetings();
  const GenerateReportResponse zero = BuildReport(in);
  const auto& z = Section(zero, "party/dues_and_meetings");
  EXPECT_EQ(RowOf(z, "dues_collected", 2019).text(), "0 đồng");
  EXPECT_EQ(RowOf(z, "meeting_attendance", 2019).status(), Figure::MISSING_VALUE);
}

TEST(ReportTest, NothingRatedOrPlannedIsMissingDataNotZero) {
  ReportInput in = TermInput(RevenueSeries());
  in.party[2019] = Statistics();
  in.party[2019].clear_member_ratings();
  in.party[2019].mutable_member_ratings()->set_unrated(118);
  in.party[2019].clear_inspections();
  const GenerateReportResponse r = BuildReport(in);
  for (const auto& row : Section(r, "party/ratings").rows()) {
    EXPECT_EQ(row.status(), Figure::MISSING_VALUE) << row.key();
  }
  for (const auto& row : Section(r, "party/inspections").rows()) {
    EXPECT_EQ(row.status(), Figure::MISSING_VALUE) << row.key();
  }
  EXPECT_EQ(Section(r, "party/ratings").summary(), "Năm 2019: chưa có số liệu xếp loại đảng viên.");
}

TEST(ReportTest, WithoutStatisticsEveryPartyRowIsMissing) {
  const GenerateReportResponse r = BuildReport(TermInput(RevenueSeries()));
  int rows = 0;
  for (const auto& s : r.sections()) {
    if (s.key().rfind("party/", 0) != 0) continue;
    for (const auto& row : s.rows()) {
      ++rows;
      EXPECT_EQ(row.status(), Figure::MISSING_VALUE) << row.key();
      EXPECT_EQ(row.text(), "chưa có số liệu") << row.key();
    }
  }
  EXPECT_EQ(rows, (7 + 5 + 5 + 2) * 5);  // every statistic of each year 2015–2019
  EXPECT_EQ(Section(r, "party/members").summary(), "Năm 2019: chưa có số liệu.");
}

v1::PartyStatistics MembersAt(int year, int members, int admissions) {
  v1::PartyStatistics st;
  st.set_year(year);
  st.mutable_as_of()->set_year(year);
  st.mutable_as_of()->set_month(12);
  st.mutable_as_of()->set_day(31);
  st.set_cells(10);
  st.set_members_full(members);
  st.set_members_total(members);
  st.set_admissions(admissions);
  return st;
}

TEST(ReportTest, TermReportStatesThePartyStatisticsOfEveryYear) {
  ReportInput in = TermInput(RevenueSeries());
  in.party[2015] = MembersAt(2015, 90, 3);
  in.party[2017] = MembersAt(2017, 94, 0);  // a real zero: nobody admitted that year
  in.party[2019] = MembersAt(2019, 97, 4);
  const GenerateReportResponse r = BuildReport(in);
  const auto& members = Section(r, "party/members");
  // Statistic by statistic, and within one year by year.
  ASSERT_EQ(members.rows_size(), 7 * 5);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(members.rows(i).key(), "cells");
    EXPECT_EQ(members.rows(i).year(), 2015 + i);
  }
  EXPECT_EQ(RowOf(members, "members_total", 2015).text(), "90 đảng viên");
  EXPECT_EQ(RowOf(members, "members_total", 2019).text(), "97 đảng viên");
  EXPECT_EQ(RowOf(members, "admissions", 2017).text(), "0 đảng viên");
  // A year without statistics is missing, never 0.
  for (int year : {2016, 2018}) {
    EXPECT_EQ(RowOf(members, "members_total", year).status(), Figure::MISSING_VALUE);
    EXPECT_EQ(RowOf(members, "members_total", year).text(), "chưa có số liệu");
    EXPECT_EQ(RowOf(members, "admissions", year).text(), "chưa có số liệu");
  }
  // The year is the column, so labels leave it out; the summary states the last year.
  EXPECT_EQ(RowOf(members, "members_total", 2019).label(), "Tổng số đảng viên (cuối năm)");
  EXPECT_EQ(RowOf(members, "admissions", 2019).label(), "Kết nạp đảng viên mới");
  EXPECT_THAT(members.summary(), HasSubstr("Đến ngày 31/12/2019 có 10 chi bộ"));
  EXPECT_EQ(Section(r, "party/ratings").title(), "Đánh giá, xếp loại đảng viên các năm 2015–2019");
  EXPECT_EQ(RowOf(Section(r, "party/dues_and_meetings"), "dues_collected", 2016).text(),
            "chưa có số liệu");
  EXPECT_THAT(r.markdown(), HasSubstr("### 1. Tổ chức đảng và đảng viên\n\n"
                                      "Đến ngày 31/12/2019 có 10 chi bộ"));
  EXPECT_THAT(r.markdown(), HasSubstr("| Nội dung | 2015 | 2016 | 2017 | 2018 | 2019 |\n"
                                      "| --- | --- | --- | --- | --- | --- |\n"
                                      "| Chi bộ trực thuộc (cuối năm) | 10 chi bộ | chưa có số "
                                      "liệu | 10 chi bộ | chưa có số liệu | 10 chi bộ |\n"));
  EXPECT_THAT(r.markdown(), HasSubstr("| Kết nạp đảng viên mới | 3 đảng viên | chưa có số liệu | 0 "
                                      "đảng viên | chưa có số liệu | 4 đảng viên |\n"));
}

TEST(ReportTest, AYearNotOverIsHeadedWithItsDate) {
  ReportInput in = TermInput(RevenueSeries(), 2019);
  in.party[2019] = MembersAt(2019, 97, 4);
  in.party[2019].set_partial_year(true);
  in.party[2019].mutable_as_of()->set_month(7);
  in.party[2019].mutable_as_of()->set_day(5);
  EXPECT_THAT(BuildReport(in).markdown(),
              HasSubstr("| Nội dung | 2015 | 2016 | 2017 | 2018 | 2019 (đến 05/07) |\n"));
}

TEST(ReportTest, YearlyReportStatesItsYearInOneColumn) {
  ReportInput in = TermInput(RevenueSeries());
  in.kind = GenerateReportResponse::YEAR;
  in.party[2019] = MembersAt(2019, 97, 4);
  const GenerateReportResponse r = BuildReport(in);
  const auto& members = Section(r, "party/members");
  ASSERT_EQ(members.rows_size(), 7);
  EXPECT_EQ(RowOf(members, "members_total", 2019).label(),
            "Tổng số đảng viên (đến ngày 31/12/2019)");
  EXPECT_EQ(RowOf(members, "admissions", 2019).label(), "Kết nạp đảng viên mới năm 2019");
  EXPECT_EQ(Section(r, "party/ratings").title(), "Đánh giá, xếp loại đảng viên năm 2019");
  EXPECT_THAT(r.markdown(), HasSubstr("## II. Công tác xây dựng Đảng năm 2019\n"));
  EXPECT_THAT(r.markdown(),
              HasSubstr("| Tổng số đảng viên (đến ngày 31/12/2019) | 97 đảng viên |"));
}

TEST(ReportTest, MarkdownHasTheSectionsAndEscapesNames) {
  ReportInput in = TermInput(RevenueSeries());
  in.display_name = "Đảng bộ *A* | B";
  const GenerateReportResponse r = BuildReport(in);
  EXPECT_THAT(r.markdown(), HasSubstr("# Báo cáo số liệu nhiệm kỳ 2015–2020 (đến hết năm 2019)\n"));
  EXPECT_THAT(r.markdown(), HasSubstr("**Đảng bộ \\*A\\* \\| B** (`organizations/hq-long-an`)"));
  EXPECT_THAT(r.markdown(), HasSubstr("### 1. Thu ngân sách nhà nước\n"));
  EXPECT_THAT(r.markdown(), HasSubstr("| Thực hiện năm 2019 | 3.802,3 tỷ đồng |\n"));
  EXPECT_THAT(r.markdown(), HasSubstr("## II. Công tác xây dựng Đảng các năm 2015–2019\n"));
  EXPECT_EQ(r.markdown().back(), '\n');
  EXPECT_NE(r.markdown().substr(r.markdown().size() - 2), "\n\n");
}

}  // namespace
}  // namespace analytics
