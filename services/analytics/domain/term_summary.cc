#include "services/analytics/domain/term_summary.h"

#include <utility>
#include <vector>

#include "services/analytics/domain/decimal.h"
#include "services/analytics/domain/figures.h"
#include "services/analytics/domain/performance.h"

namespace analytics {

IndicatorTermSummary SummarizeTerm(const IndicatorTraits& traits, const Series& series,
                                   int start_year, int end_year) {
  IndicatorTermSummary out;
  const std::optional<Actual> start = ActualOf(series, start_year);
  const std::optional<Actual> end = ActualOf(series, end_year);
  out.set_start_year(start_year);
  *out.mutable_start_value() = ActualFigure(start);
  out.set_end_year(end_year);
  *out.mutable_end_value() = ActualFigure(end);
  if (end.has_value()) out.set_end_value_kind(end->kind);
  *out.mutable_growth_percent() = GrowthPercent(end, start);
  if (!end.has_value()) {
    *out.mutable_cagr_percent() = MissingFigure(Figure::MISSING_VALUE);
  } else if (!start.has_value()) {
    *out.mutable_cagr_percent() = MissingFigure(Figure::MISSING_BASE);
  } else {
    *out.mutable_cagr_percent() = CagrPercent(start->micros, end->micros, end_year - start_year,
                                              start->provisional() || end->provisional());
  }

  const bool lower_is_better = traits.direction == Indicator::LOWER_IS_BETTER;
  std::vector<std::pair<int64_t, int64_t>> attainments;  // (actual, legal target)
  bool attainment_provisional = false;
  std::optional<int> best, worst;
  int64_t total = 0;
  bool total_overflow = false;
  bool total_provisional = false;
  for (int year = start_year; year <= end_year; ++year) {
    const std::optional<Actual> actual = ActualOf(series, year);
    if (!actual.has_value()) {
      out.add_missing_years(year);
      continue;
    }
    auto it = series.find(year);
    const std::optional<int64_t> legal = it->second.target(Target::LEGAL);
    if (legal.has_value()) {
      attainments.emplace_back(actual->micros, *legal);
      attainment_provisional |= actual->provisional();
      if (TargetVerdict(traits.direction, actual, legal) == TargetAttainment::MET) {
        out.add_years_target_met(year);
      }
    }
    // Strictly better/worse only, so the earliest year wins ties.
    auto better = [&](int64_t a, int64_t b) { return lower_is_better ? a < b : a > b; };
    if (!best.has_value() || better(actual->micros, ActualOf(series, *best)->micros)) best = year;
    if (!worst.has_value() || better(ActualOf(series, *worst)->micros, actual->micros)) {
      worst = year;
    }
    if (std::optional<int64_t> sum = CheckedAdd(total, actual->micros); sum.has_value()) {
      total = *sum;
    } else {
      total_overflow = true;
    }
    total_provisional |= actual->provisional();
  }
  out.set_years_target_met_count(out.years_target_met_size());
  out.set_years_with_target(static_cast<int>(attainments.size()));
  if (best.has_value()) {
    out.set_best_year(*best);
    *out.mutable_best_value() = ActualFigure(ActualOf(series, *best));
    out.set_worst_year(*worst);
    *out.mutable_worst_value() = ActualFigure(ActualOf(series, *worst));
  } else {
    *out.mutable_best_value() = MissingFigure(Figure::MISSING_VALUE);
    *out.mutable_worst_value() = MissingFigure(Figure::MISSING_VALUE);
  }
  *out.mutable_average_attainment_percent() = MeanRatioPercent(attainments, attainment_provisional);
  if (traits.kind == Indicator::STOCK) {
    *out.mutable_cumulative_total() = MissingFigure(Figure::NOT_APPLICABLE);
  } else if (out.missing_years_size() > 0) {
    *out.mutable_cumulative_total() = MissingFigure(Figure::MISSING_VALUE);
  } else if (total_overflow) {
    *out.mutable_cumulative_total() = MissingFigure(Figure::UNDEFINED);
  } else {
    *out.mutable_cumulative_total() = ValueFigure(total, total_provisional);
  }
  return out;
}

}  // namespace analytics
