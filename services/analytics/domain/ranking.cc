#include "services/analytics/domain/ranking.h"

#include <algorithm>
#include <tuple>

namespace analytics {

std::vector<RankPosition> CompetitionRanking(
    const std::vector<RankCandidate>& candidates,
    dangbo::analytics::v1::Indicator::Direction direction) {
  const bool ascending = direction == dangbo::analytics::v1::Indicator::LOWER_IS_BETTER;
  std::vector<size_t> ranked, unranked;
  for (size_t i = 0; i < candidates.size(); ++i) {
    (candidates[i].score.has_value() ? ranked : unranked).push_back(i);
  }
  std::sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) {
    const RankCandidate& x = candidates[a];
    const RankCandidate& y = candidates[b];
    if (*x.score != *y.score) return ascending ? *x.score < *y.score : *x.score > *y.score;
    return std::tie(x.collation_key, x.name) < std::tie(y.collation_key, y.name);
  });
  std::sort(unranked.begin(), unranked.end(),
            [&](size_t a, size_t b) { return candidates[a].name < candidates[b].name; });

  std::vector<RankPosition> out;
  out.reserve(candidates.size());
  for (size_t i = 0; i < ranked.size(); ++i) {
    RankPosition position;
    position.candidate = ranked[i];
    const int64_t score = *candidates[ranked[i]].score;
    // Competition rank: 1 + the number of candidates strictly better; those come first.
    position.rank = (i > 0 && *candidates[ranked[i - 1]].score == score) ? *out.back().rank
                                                                         : static_cast<int>(i) + 1;
    position.tied = (i > 0 && *candidates[ranked[i - 1]].score == score) ||
                    (i + 1 < ranked.size() && *candidates[ranked[i + 1]].score == score);
    out.push_back(position);
  }
  for (size_t index : unranked) {
    RankPosition position;
    position.candidate = index;
    out.push_back(position);
  }
  return out;
}

}  // namespace analytics
