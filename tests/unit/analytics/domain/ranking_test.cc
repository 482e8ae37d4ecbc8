// Competition ranking ("1224") in the indicator's direction.
#include "services/analytics/domain/ranking.h"

#include "gtest/gtest.h"

namespace analytics {
namespace {

using ::dangbo::analytics::v1::Indicator;

std::string Describe(const std::vector<RankCandidate>& c, const std::vector<RankPosition>& r) {
  std::string out;
  for (const RankPosition& p : r) {
    out += c[p.candidate].name + ":" + (p.rank ? std::to_string(*p.rank) : "-") +
           (p.tied ? "=" : "") + " ";
  }
  return out;
}

TEST(CompetitionRankingTest, TiesShareARankAndTheNextRankSkips) {
  std::vector<RankCandidate> c = {{"organizations/d", "d", 10},
                                  {"organizations/a", "a", 30},
                                  {"organizations/c", "c", 20},
                                  {"organizations/b", "b", 20},
                                  {"organizations/e", "e", 5}};
  EXPECT_EQ(Describe(c, CompetitionRanking(c, Indicator::HIGHER_IS_BETTER)),
            "organizations/a:1 organizations/b:2= organizations/c:2= organizations/d:4 "
            "organizations/e:5 ");
}

TEST(CompetitionRankingTest, LowerIsBetterRanksAscending) {
  std::vector<RankCandidate> c = {{"organizations/x", "x", 12}, {"organizations/y", "y", 9}};
  EXPECT_EQ(Describe(c, CompetitionRanking(c, Indicator::LOWER_IS_BETTER)),
            "organizations/y:1 organizations/x:2 ");
}

TEST(CompetitionRankingTest, UnrankedFollowByNameWithoutRank) {
  std::vector<RankCandidate> c = {{"organizations/z", "z", std::nullopt},
                                  {"organizations/m", "m", 1},
                                  {"organizations/b", "b", std::nullopt}};
  EXPECT_EQ(Describe(c, CompetitionRanking(c, Indicator::HIGHER_IS_BETTER)),
            "organizations/m:1 organizations/b:- organizations/z:- ");
}

TEST(CompetitionRankingTest, TieOrderIsByDisplayKeyThenName) {
  std::vector<RankCandidate> c = {
      {"organizations/a", "zz", 7}, {"organizations/c", "aa", 7}, {"organizations/b", "aa", 7}};
  EXPECT_EQ(Describe(c, CompetitionRanking(c, Indicator::HIGHER_IS_BETTER)),
            "organizations/b:1= organizations/c:1= organizations/a:1= ");
}

TEST(CompetitionRankingTest, AllTiedAndEmpty) {
  EXPECT_TRUE(CompetitionRanking({}, Indicator::HIGHER_IS_BETTER).empty());
  std::vector<RankCandidate> one = {{"organizations/a", "a", 1}};
  auto r = CompetitionRanking(one, Indicator::HIGHER_IS_BETTER);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].rank, 1);
  EXPECT_FALSE(r[0].tied);
}

}  // namespace
}  // namespace analytics
