// File: services/analytics/domain/figures.h
//
// The one place analytics rounds. Every percentage a query returns (attainment, growth,
// relative change, average attainment, CAGR) is computed here from exact inputs (stored
// micro-unit integers), kept exact (128-bit or arbitrary-precision integers) until the end,
// and rounded ONCE to one fractional digit, half away from zero, written with exactly one
// fractional digit ("144.0", "-12.3", "0.0"). CAGR needs a root: it is computed in long double
// (64-bit mantissa, about 19 significant digits) before that single rounding.
//
// Values and absolute changes are never rounded: they are exact Decimals (decimal.h).
// A figure whose value would not fit the Decimal range (12 integer digits) is UNDEFINED.
//
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dangbo/analytics/v1/figure.pb.h"

namespace analytics {

using ::dangbo::analytics::v1::Figure;

// A figure with no value and the reason (`status` must not be OK).
Figure MissingFigure(Figure::Status status);

// An exact value in the indicator's unit.
Figure ValueFigure(int64_t micros, bool provisional);

// numerator / denominator × 100, e.g. attainment (actual, target) or relative change
// (value − base, |base|). `denominator` must not be 0 (callers report ZERO_BASE).
Figure RatioPercent(int64_t numerator, int64_t denominator, bool provisional);

// The mean of numerator_i / denominator_i × 100 over `ratios` (non-empty, no zero
// denominator), exact until the single rounding.
Figure MeanRatioPercent(const std::vector<std::pair<int64_t, int64_t>>& ratios, bool provisional);

// ((end / start)^(1 / years) − 1) × 100. NOT_APPLICABLE when years < 1, UNDEFINED when
// start or end is zero or negative.
Figure CagrPercent(int64_t start, int64_t end, int years, bool provisional);

// The rounding rule, exposed for tests: numerator / denominator × 100 in tenths of a
// percent, half away from zero; nullopt when the denominator is 0 or the result leaves the
// Decimal range.
std::optional<int64_t> PercentTenths(__int128 numerator, __int128 denominator);

// "144.0", "-12.3", "0.0" (never "-0.0").
std::string FormatTenths(int64_t tenths);

// The tenths of an OK percentage figure (for ranking "as returned"); nullopt otherwise.
std::optional<int64_t> TenthsOf(const Figure& percent_figure);

}  // namespace analytics
