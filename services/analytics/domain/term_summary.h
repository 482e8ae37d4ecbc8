// File: services/analytics/domain/term_summary.h
//
// A term's summary of one indicator, from start_year (the baseline) to end_year (the
// term's end or an earlier through_year): start and end values, growth, CAGR over
// end_year − start_year years, the years the LEGAL target was met, best and worst years
// (respecting direction, earliest on ties), the mean attainment of the legal target over
// the years that have both an actual and a legal target (exact until rounded once), the
// cumulative total of a FLOW indicator (MISSING_VALUE when any year is missing, never a
// partial sum; NOT_APPLICABLE for STOCK) and the missing years.
//
// Pure function, thread-safe.
#pragma once

#include "dangbo/analytics/v1/analytics_service.pb.h"
#include "services/analytics/domain/series.h"

namespace analytics {

using ::dangbo::analytics::v1::IndicatorTermSummary;

// Every field but `indicator`. Requires start_year < end_year.
IndicatorTermSummary SummarizeTerm(const IndicatorTraits& traits, const Series& series,
                                   int start_year, int end_year);

}  // namespace analytics
