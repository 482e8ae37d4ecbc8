#include "services/analytics/domain/performance.h"

#include <algorithm>
#include <cstdlib>

#include "services/analytics/domain/decimal.h"

namespace analytics {

Figure ActualFigure(const std::optional<Actual>& actual) {
  if (!actual.has_value()) return MissingFigure(Figure::MISSING_VALUE);
  return ValueFigure(actual->micros, actual->provisional());
}

Figure AttainmentPercent(const std::optional<Actual>& actual, std::optional<int64_t> target) {
  if (!actual.has_value()) return MissingFigure(Figure::MISSING_VALUE);
  if (!target.has_value()) return MissingFigure(Figure::MISSING_BASE);
  if (*target == 0) return MissingFigure(Figure::ZERO_BASE);
  return RatioPercent(actual->micros, *target, actual->provisional());
}

TargetAttainment::Verdict TargetVerdict(Indicator::Direction direction,
                                        const std::optional<Actual>& actual,
                                        std::optional<int64_t> target) {
  if (!actual.has_value()) return TargetAttainment::MISSING_ACTUAL;
  if (!target.has_value()) return TargetAttainment::MISSING_TARGET;
  const bool met = direction == Indicator::LOWER_IS_BETTER ? actual->micros <= *target
                                                           : actual->micros >= *target;
  return met ? TargetAttainment::MET : TargetAttainment::NOT_MET;
}

Figure GrowthPercent(const std::optional<Actual>& value, const std::optional<Actual>& base) {
  if (!value.has_value()) return MissingFigure(Figure::MISSING_VALUE);
  if (!base.has_value()) return MissingFigure(Figure::MISSING_BASE);
  if (base->micros == 0) return MissingFigure(Figure::ZERO_BASE);
  // Both are within ±10^18, so the difference fits an int64.
  return RatioPercent(value->micros - base->micros, std::llabs(base->micros),
                      value->provisional() || base->provisional());
}

Figure AbsoluteChange(const std::optional<Actual>& value, const std::optional<Actual>& base) {
  if (!value.has_value()) return MissingFigure(Figure::MISSING_VALUE);
  if (!base.has_value()) return MissingFigure(Figure::MISSING_BASE);
  std::optional<int64_t> change = CheckedSub(value->micros, base->micros);
  if (!change.has_value()) return MissingFigure(Figure::UNDEFINED);
  return ValueFigure(*change, value->provisional() || base->provisional());
}

IndicatorComparison::Trend ChangeTrend(Indicator::Direction direction,
                                       const std::optional<Actual>& value,
                                       const std::optional<Actual>& base) {
  if (!value.has_value() || !base.has_value()) return IndicatorComparison::TREND_UNSPECIFIED;
  if (value->micros == base->micros) return IndicatorComparison::UNCHANGED;
  const bool increased = value->micros > base->micros;
  const bool better = direction == Indicator::LOWER_IS_BETTER ? !increased : increased;
  return better ? IndicatorComparison::IMPROVED : IndicatorComparison::WORSENED;
}

IndicatorPerformance YearPerformance(const IndicatorTraits& traits, const Series& series, int year,
                                     int term_start_year) {
  IndicatorPerformance out;
  const std::optional<Actual> actual = ActualOf(series, year);
  *out.mutable_actual() = ActualFigure(actual);
  if (actual.has_value()) out.set_value_kind(actual->kind);
  auto it = series.find(year);
  if (it != series.end()) {
    for (const auto& [type, target] : it->second.targets) {  // std::map: type order
      TargetAttainment* t = out.add_targets();
      t->set_type(type);
      t->mutable_target()->set_value(FormatDecimal(target));
      *t->mutable_attainment_percent() = AttainmentPercent(actual, target);
      t->set_verdict(TargetVerdict(traits.direction, actual, target));
    }
  }
  const std::optional<int64_t> legal =
      it == series.end() ? std::nullopt : it->second.target(Target::LEGAL);
  out.set_target_met(legal.has_value() ? TargetVerdict(traits.direction, actual, legal)
                                       : TargetAttainment::MISSING_TARGET);
  const std::optional<Actual> previous = ActualOf(series, year - 1);
  *out.mutable_previous_year_actual() = ActualFigure(previous);
  *out.mutable_growth_vs_previous_year_percent() = GrowthPercent(actual, previous);
  const std::optional<Actual> term_start = ActualOf(series, term_start_year);
  *out.mutable_term_start_actual() = ActualFigure(term_start);
  *out.mutable_growth_vs_term_start_percent() = year == term_start_year
                                                    ? MissingFigure(Figure::NOT_APPLICABLE)
                                                    : GrowthPercent(actual, term_start);
  return out;
}

namespace {

SeriesYears Ascending(SeriesYears years) {
  std::sort(years.begin(), years.end());
  years.erase(std::unique(years.begin(), years.end()), years.end());
  return years;
}

}  // namespace

SeriesYears YearPerformanceYears(int year, int term_start_year) {
  return Ascending({year - 1, year, term_start_year});
}

SeriesYears CompareYearsYears(int base_year, int year) { return Ascending({base_year, year}); }

IndicatorComparison CompareYears(const IndicatorTraits& traits, const Series& series, int base_year,
                                 int year) {
  IndicatorComparison out;
  const std::optional<Actual> base = ActualOf(series, base_year);
  const std::optional<Actual> value = ActualOf(series, year);
  *out.mutable_base_value() = ActualFigure(base);
  if (base.has_value()) out.set_base_value_kind(base->kind);
  *out.mutable_value() = ActualFigure(value);
  if (value.has_value()) out.set_value_kind(value->kind);
  *out.mutable_absolute_change() = AbsoluteChange(value, base);
  *out.mutable_relative_change_percent() = GrowthPercent(value, base);
  out.set_trend(ChangeTrend(traits.direction, value, base));
  return out;
}

}  // namespace analytics
