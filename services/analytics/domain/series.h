// File: services/analytics/domain/series.h
//
// The inputs of every performance computation: an indicator's traits and its yearly series
// (actual with its kind, targets by type), in exact micro-units. Built from stored
// observations by the service; plain values, no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "dangbo/analytics/v1/indicator.pb.h"

namespace analytics {

using ::dangbo::analytics::v1::Indicator;
using ::dangbo::analytics::v1::Observation;
using ::dangbo::analytics::v1::Target;

struct Actual {
  int64_t micros = 0;
  Observation::ValueKind kind = Observation::ACTUAL;
  // ESTIMATE and PRELIMINARY values may still change.
  bool provisional() const {
    return kind == Observation::ESTIMATE || kind == Observation::PRELIMINARY;
  }
};

struct YearData {
  std::optional<Actual> actual;
  std::map<Target::Type, int64_t> targets;  // at most one per type, micro-units

  std::optional<int64_t> target(Target::Type type) const {
    auto it = targets.find(type);
    if (it == targets.end()) return std::nullopt;
    return it->second;
  }
};

// year -> what is recorded for it; years with nothing recorded are absent.
using Series = std::map<int, YearData>;

// The years of a series a computation reads, ascending (the store reads only those).
using SeriesYears = std::vector<int>;

// first, first + 1, ..., last.
inline SeriesYears YearsFrom(int first, int last) {
  SeriesYears years;
  for (int year = first; year <= last; ++year) years.push_back(year);
  return years;
}

struct IndicatorTraits {
  Indicator::Kind kind = Indicator::FLOW;
  Indicator::Direction direction = Indicator::HIGHER_IS_BETTER;
};

// The actual of `year`, if recorded.
inline std::optional<Actual> ActualOf(const Series& series, int year) {
  auto it = series.find(year);
  if (it == series.end()) return std::nullopt;
  return it->second.actual;
}

}  // namespace analytics
