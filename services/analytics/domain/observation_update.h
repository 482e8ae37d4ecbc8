// File: services/analytics/domain/observation_update.h
//
// The rules of one RecordObservations row: validating an ObservationInput (formats, ranges,
// at most one target per type, no duplicate provinces, text lengths, NFC) and applying it to
// the stored observation of its (indicator, year): it updates what it carries and keeps the
// rest; a change keeps the previous version as a revision (latest wins); an input that
// changes nothing changes nothing.
//
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "dangbo/analytics/v1/indicator.pb.h"
#include "dangbo/common/v1/common.pb.h"

namespace analytics {

// Bounds of one row: a target per type (LEGAL, STRIVING, ADJUSTED), 64 provinces.
inline constexpr int kMaxTargetsPerRow = 3;
inline constexpr int kMaxProvincesPerRow = 64;

// Field violations of `input` as (field path, rule), e.g. ("actual", "must be ...").
// `current_year` is the current year in ICT (actuals up to it, targets up to it + 1).
// Text fields of `input` are normalized to NFC in place.
std::vector<std::pair<std::string, std::string>> ValidateObservationInput(
    dangbo::analytics::v1::ObservationInput* input, int current_year);

// Applies a validated `input` to `current` (the stored observation; empty when none) and
// returns true when that changed it. `next` receives the new stored observation (with
// `current`'s content appended to revisions) stamped with record_time and recorded_by.
bool ApplyObservationInput(const dangbo::analytics::v1::ObservationInput& input,
                           const dangbo::analytics::v1::Observation& current, absl::Time now,
                           const std::string& recorded_by,
                           dangbo::analytics::v1::Observation* next);

}  // namespace analytics
