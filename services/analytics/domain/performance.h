// File: services/analytics/domain/performance.h
//
// Yearly performance rules: attainment of a target, whether it was met (respecting the
// indicator's direction), growth against a base year, absolute change, trend; and the two
// per-indicator views built from them (a year, a comparison of two years). Missing inputs
// give Figure statuses (MISSING_VALUE, MISSING_BASE, ZERO_BASE, NOT_APPLICABLE), never zero.
// Rounding happens only in figures.h.
//
// Pure functions, thread-safe.
#pragma once

#include <optional>

#include "dangbo/analytics/v1/analytics_service.pb.h"
#include "dangbo/common/v1/common.pb.h"
#include "services/analytics/domain/figures.h"
#include "services/analytics/domain/series.h"

namespace analytics {

using ::dangbo::analytics::v1::IndicatorComparison;
using ::dangbo::analytics::v1::IndicatorPerformance;
using ::dangbo::analytics::v1::TargetAttainment;

// The actual as a figure (MISSING_VALUE when absent; provisional for estimates).
Figure ActualFigure(const std::optional<Actual>& actual);

// actual / target × 100: MISSING_VALUE without actual, MISSING_BASE without target,
// ZERO_BASE for a zero target.
Figure AttainmentPercent(const std::optional<Actual>& actual, std::optional<int64_t> target);

// MET when actual ≥ target (HIGHER_IS_BETTER) or actual ≤ target (LOWER_IS_BETTER), compared
// exactly; MISSING_ACTUAL / MISSING_TARGET when one is absent (actual checked first).
TargetAttainment::Verdict TargetVerdict(Indicator::Direction direction,
                                        const std::optional<Actual>& actual,
                                        std::optional<int64_t> target);

// (value − base) / |base| × 100: MISSING_VALUE, MISSING_BASE, ZERO_BASE.
Figure GrowthPercent(const std::optional<Actual>& value, const std::optional<Actual>& base);

// value − base, exact: MISSING_VALUE, MISSING_BASE; UNDEFINED if out of the Decimal range.
Figure AbsoluteChange(const std::optional<Actual>& value, const std::optional<Actual>& base);

// IMPROVED / WORSENED in the indicator's direction, UNCHANGED when equal, unspecified when
// a value is missing.
IndicatorComparison::Trend ChangeTrend(Indicator::Direction direction,
                                       const std::optional<Actual>& value,
                                       const std::optional<Actual>& base);

// One indicator in `year` (every field but `indicator`): actual, each recorded target
// (LEGAL, STRIVING, ADJUSTED order) with attainment and verdict, the legal verdict, growth
// vs year − 1 and vs term_start_year (NOT_APPLICABLE when year is the start year).
IndicatorPerformance YearPerformance(const IndicatorTraits& traits, const Series& series, int year,
                                     int term_start_year);
// The years YearPerformance reads: year, year − 1 and term_start_year.
SeriesYears YearPerformanceYears(int year, int term_start_year);

// One indicator between base_year and year (every field but `indicator`).
IndicatorComparison CompareYears(const IndicatorTraits& traits, const Series& series, int base_year,
                                 int year);
// The years CompareYears reads: base_year and year.
SeriesYears CompareYearsYears(int base_year, int year);

}  // namespace analytics
