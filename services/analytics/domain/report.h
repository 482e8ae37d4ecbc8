// File: services/analytics/domain/report.h
//
// The figures part of a party committee's yearly or term report (GenerateReport), in
// Vietnamese, from figures already computed by the other rules: YearPerformance and
// SummarizeTerm (performance.h, term_summary.h), the competition ranking of the region
// (ranking.h), and the read model's PartyStatistics. This module only words and formats
// them (vi_format.h): it decides nothing about attainment, growth, terms or ranks, and writes
// a figure without a value as the reason it is missing ("chưa có số liệu"), never as zero.
//
// A yearly report states the party statistics of its year; a term report those of every year
// of the term through its last year, one row per statistic and year (ReportRow.year), which
// the Markdown prints as a table with one column per year. A year the statistics do not
// cover (absent from ReportInput.party) is written "chưa có số liệu" in its column.
//
// Dues collected and meeting attendance come from PartyStatistics.dues and .meetings
// (report.cc's DuesCollected() and MeetingAttendance()); a year without any remittance, or
// without any recorded attendance, is MISSING_VALUE. Ratings
// and inspections with nothing recorded for the year (nobody rated, no plan) are MISSING_VALUE too:
// a committee rates its members and plans its inspections every year, so their absence is data not
// entered, not a zero.
//
// Pure functions, thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dangbo/analytics/v1/analytics_service.pb.h"
#include "dangbo/common/v1/common.pb.h"

namespace analytics {

using ::dangbo::analytics::v1::GenerateReportResponse;
using ::dangbo::analytics::v1::IndicatorPerformance;
using ::dangbo::analytics::v1::IndicatorTermSummary;

// An organization's place among its region's organizations on one indicator's value.
struct RegionRank {
  std::string region;  // empty: the organization has no region (NOT_APPLICABLE)
  // The value ranked (RankedOrganization.metric): its status says why there is no rank.
  ::dangbo::analytics::v1::Figure metric;
  std::optional<int> rank;  // competition rank; unset when unranked
  bool tied = false;
  int total_ranked = 0;  // organizations of the region with a rank
};

// One indicator's figures for the report's last year.
struct ReportIndicator {
  ::dangbo::analytics::v1::Indicator indicator;  // the definition (name, display_name, unit)
  IndicatorPerformance year;                     // YearPerformance(year, term.start_year)
  std::optional<IndicatorTermSummary> term;      // term reports: SummarizeTerm(start, year)
  RegionRank rank;
};

struct ReportInput {
  std::string organization;  // "organizations/hq-long-an"
  std::string display_name;  // from the read model; may be empty
  GenerateReportResponse::Kind kind = GenerateReportResponse::YEAR;
  int year = 0;  // the last year reported
  ::dangbo::common::v1::Term term;
  std::vector<ReportIndicator> indicators;  // by indicator name
  // Party statistics by year: `year` for a yearly report, term.start_year() through `year` for
  // a term report. A year is absent when the read model knows nothing of the organization up
  // to it or the year has not begun (its party rows are then MISSING_VALUE).
  std::map<int, ::dangbo::analytics::v1::PartyStatistics> party;
};

// The years whose party statistics a report states: `year` alone for a yearly report, the
// term's start_year through `year` for a term report.
std::vector<int> PartyYears(const ReportInput& input);

// Every field of the response but freshness: title, sections (indicators, then
// party/members, party/ratings, party/inspections, party/dues_and_meetings) and Markdown.
GenerateReportResponse BuildReport(const ReportInput& input);

}  // namespace analytics
