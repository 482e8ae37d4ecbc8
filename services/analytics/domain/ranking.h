// File: services/analytics/domain/ranking.h
//
// Competition ranking ("1224"): candidates with an equal score share a rank and the next
// rank skips. Ranks count from 1 in the better direction (descending scores for
// HIGHER_IS_BETTER, ascending for LOWER_IS_BETTER). Ranked candidates come first, by rank,
// ties by display-name collation key then name; unranked candidates (no score) follow, by
// name, with no rank.
//
// The score is the metric exactly as returned: micro-units for values, tenths of a percent
// for percentages (so 80.76 % and 80.84 % both returned as "80.8" tie).
//
// Pure function, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dangbo/analytics/v1/indicator.pb.h"

namespace analytics {

struct RankCandidate {
  std::string name;           // organization resource name (final tie-break)
  std::string collation_key;  // display name's collation key (first tie-break)
  std::optional<int64_t> score;
};

struct RankPosition {
  size_t candidate = 0;     // index into the candidates
  std::optional<int> rank;  // unset for unranked candidates
  bool tied = false;        // another candidate has the same rank
};

std::vector<RankPosition> CompetitionRanking(const std::vector<RankCandidate>& candidates,
                                             dangbo::analytics::v1::Indicator::Direction direction);

}  // namespace analytics
