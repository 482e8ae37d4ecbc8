// What one records resource contributes to the party statistics, per organization and year.
#include "services/analytics/follower/contributions.h"

#include "gtest/gtest.h"

namespace analytics {
namespace {

using ::dangbo::records::v1::Cell;
using ::dangbo::records::v1::DuesRemittance;
using ::dangbo::records::v1::InspectionItem;
using ::dangbo::records::v1::InspectionPlan;
using ::dangbo::records::v1::LifecycleEvent;
using ::dangbo::records::v1::Meeting;
using ::dangbo::records::v1::Member;
using ::dangbo::records::v1::MemberStatistics;
using ::dangbo::records::v1::YearlyRating;

int64_t At(const ContributionMap& c, int year, int field) {
  auto it = c.find({"hq", year});
  return it == c.end() ? 0 : it->second[field];
}

Member NewMember() {
  Member m;
  m.set_name("organizations/hq/members/m1");
  return m;
}

void AddFact(Member* m, MemberStatistics::Fact::Kind kind, int year,
             YearlyRating::Level level = YearlyRating::LEVEL_UNSPECIFIED) {
  MemberStatistics::Fact* f = m->mutable_statistics()->add_facts();
  f->set_kind(kind);
  f->set_year(year);
  f->set_rating_level(level);
}

void AddYearEnd(Member* m, int year, MemberStatistics::Standing standing) {
  MemberStatistics::YearEnd* e = m->mutable_statistics()->add_year_ends();
  e->set_year(year);
  e->set_standing(standing);
}

// Records decides what counts (Member.statistics); analytics adds it up.
TEST(MemberContributionTest, CountsThePublishedFactsInTheirYears) {
  Member m = NewMember();
  AddFact(&m, MemberStatistics::Fact::ADMISSION, 2019);
  AddFact(&m, MemberStatistics::Fact::RECOGNITION, 2020);
  AddFact(&m, MemberStatistics::Fact::CELL_TRANSFER, 2021);
  AddFact(&m, MemberStatistics::Fact::TRANSFER_OUT, 2022);
  AddFact(&m, MemberStatistics::Fact::DISCIPLINE, 2021);
  AddFact(&m, MemberStatistics::Fact::RATING, 2020, YearlyRating::GOOD);
  AddFact(&m, MemberStatistics::Fact::RATING, 2021, YearlyRating::EXCELLENT);
  ContributionMap c = MemberContribution(m);
  EXPECT_EQ(At(c, 2019, kAdmissions), 1);
  EXPECT_EQ(At(c, 2020, kRecognitions), 1);
  EXPECT_EQ(At(c, 2021, kCellTransfers), 1);
  EXPECT_EQ(At(c, 2022, kTransfersOut), 1);
  EXPECT_EQ(At(c, 2021, kDisciplines), 1);
  EXPECT_EQ(At(c, 2020, kMemberGood), 1);
  EXPECT_EQ(At(c, 2021, kMemberExcellent), 1);
}

TEST(MemberContributionTest, EveryKindOfLeavingHasItsCounter) {
  Member m = NewMember();
  AddFact(&m, MemberStatistics::Fact::READMISSION, 2019);
  AddFact(&m, MemberStatistics::Fact::TRANSFER_IN, 2019);
  AddFact(&m, MemberStatistics::Fact::REMOVAL, 2020);
  AddFact(&m, MemberStatistics::Fact::EXPULSION, 2021);
  AddFact(&m, MemberStatistics::Fact::DEATH, 2022);
  ContributionMap c = MemberContribution(m);
  EXPECT_EQ(At(c, 2019, kReadmissions), 1);
  EXPECT_EQ(At(c, 2019, kTransfersIn), 1);
  EXPECT_EQ(At(c, 2020, kRemoved), 1);
  EXPECT_EQ(At(c, 2021, kExpelled), 1);
  EXPECT_EQ(At(c, 2022, kDeceased), 1);
}

TEST(MemberContributionTest, YearEndStandingsBecomeStockChanges) {
  Member m = NewMember();
  AddYearEnd(&m, 2019, MemberStatistics::PROBATIONARY);
  AddYearEnd(&m, 2020, MemberStatistics::FULL_AWAY);
  AddYearEnd(&m, 2022, MemberStatistics::FULL);
  AddYearEnd(&m, 2023, MemberStatistics::STANDING_UNSPECIFIED);
  ContributionMap c = MemberContribution(m);
  EXPECT_EQ(At(c, 2019, kProbationaryChange), 1);
  EXPECT_EQ(At(c, 2020, kProbationaryChange), -1);
  EXPECT_EQ(At(c, 2020, kFullChange), 1);
  EXPECT_EQ(At(c, 2020, kTemporarilyAwayChange), 1);
  EXPECT_EQ(At(c, 2021, kFullChange), 0);  // unchanged years carry nothing
  EXPECT_EQ(At(c, 2022, kTemporarilyAwayChange), -1);
  EXPECT_EQ(At(c, 2022, kFullChange), 0);
  EXPECT_EQ(At(c, 2023, kFullChange), -1);
  Member hosted = NewMember();
  AddYearEnd(&hosted, 2020, MemberStatistics::HOSTED);
  ContributionMap h = MemberContribution(hosted);
  EXPECT_EQ(At(h, 2020, kTemporarilyHostedChange), 1);
  EXPECT_EQ(At(h, 2020, kProbationaryChange) + At(h, 2020, kFullChange), 0);
}

// The history is records' to interpret: without published statistics nothing is counted.
TEST(MemberContributionTest, AHistoryAloneCountsNothing) {
  Member m = NewMember();
  LifecycleEvent* e = m.add_history();
  e->set_event_id("e1");
  e->set_kind(LifecycleEvent::ADMITTED);
  e->mutable_effective_date()->set_year(2019);
  e->mutable_effective_date()->set_month(3);
  e->mutable_effective_date()->set_day(1);
  EXPECT_TRUE(MemberContribution(m).empty());
}

TEST(CellContributionTest, ActiveAtYearEndUntilItsEndDate) {
  Cell cell;
  cell.set_name("organizations/hq/cells/c");
  cell.mutable_established_date()->set_year(2016);
  cell.mutable_end_date()->set_year(2020);
  YearlyRating* r = cell.add_ratings();
  r->set_year(2018);
  r->set_level(YearlyRating::EXCELLENT);
  ContributionMap c = CellContribution(cell);
  EXPECT_EQ(At(c, 2016, kCellsChange), 1);
  EXPECT_EQ(At(c, 2020, kCellsChange), -1);
  EXPECT_EQ(At(c, 2018, kCellExcellent), 1);
}

TEST(CellContributionTest, MeetingRequirementsAreStockChangesFromEachEntrysYear) {
  Cell cell;
  cell.set_name("organizations/hq/cells/c");
  cell.mutable_established_date()->set_year(2015);
  cell.mutable_end_date()->set_year(2020);
  // As records publishes them: 6 in the first year, 12 from the next, 3 in the last.
  const struct {
    int year, regular, thematic;
  } entries[] = {{2015, 6, 2}, {2016, 12, 4}, {2020, 3, 1}, {2021, 0, 0}};
  for (const auto& e : entries) {
    auto* r = cell.add_meeting_requirements();
    r->set_year(e.year);
    r->set_regular_meetings(e.regular);
    r->set_thematic_meetings(e.thematic);
  }
  ContributionMap c = CellContribution(cell);
  EXPECT_EQ(At(c, 2015, kRegularRequiredChange), 6);
  EXPECT_EQ(At(c, 2016, kRegularRequiredChange), 6);
  EXPECT_EQ(At(c, 2017, kRegularRequiredChange), 0);
  EXPECT_EQ(At(c, 2020, kRegularRequiredChange), -9);
  EXPECT_EQ(At(c, 2021, kRegularRequiredChange), -3);
  EXPECT_EQ(At(c, 2016, kThematicRequiredChange), 2);
  EXPECT_EQ(At(c, 2021, kThematicRequiredChange), -1);
  EXPECT_TRUE(IsStockField(kRegularRequiredChange));
  EXPECT_FALSE(IsStockField(kRegularHeld));
  EXPECT_FALSE(IsStockField(kDuesDue));
}

TEST(RemittanceContributionTest, TheClosingCountsInThePeriodsYear) {
  DuesRemittance r;
  r.set_name("organizations/hq/cells/c/duesRemittances/2025-12");
  r.mutable_period()->set_year(2025);
  r.mutable_period()->set_month(12);
  r.set_due_amount(300);
  r.set_collected_amount(200);
  r.set_arrears_amount(100);
  r.set_remitted_amount(140);
  ContributionMap c = RemittanceContribution(r);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(At(c, 2025, kDuesDue), 300);
  EXPECT_EQ(At(c, 2025, kDuesCollected), 200);
  EXPECT_EQ(At(c, 2025, kDuesArrears), 100);
  EXPECT_EQ(At(c, 2025, kDuesRemitted), 140);
  EXPECT_EQ(At(c, 2025, kDuesCellMonths), 1);
  // A month with nothing due or paid is still a month reported.
  DuesRemittance empty;
  empty.set_name("organizations/hq/cells/c/duesRemittances/2025-11");
  empty.mutable_period()->set_year(2025);
  EXPECT_EQ(At(RemittanceContribution(empty), 2025, kDuesCellMonths), 1);
}

TEST(MeetingContributionTest, OneHeldOfItsKindAndItsAttendanceInTheYearOfItsDate) {
  Meeting m;
  m.set_name("organizations/hq/cells/c/meetings/chuyen-de");
  m.set_kind(Meeting::THEMATIC);
  m.mutable_date()->set_year(2024);
  m.set_present_count(7);
  m.set_excused_count(1);
  m.set_absent_count(2);
  ContributionMap c = MeetingContribution(m);
  EXPECT_EQ(At(c, 2024, kThematicHeld), 1);
  EXPECT_EQ(At(c, 2024, kRegularHeld), 0);
  EXPECT_EQ(At(c, 2024, kAttendancePresent), 7);
  EXPECT_EQ(At(c, 2024, kAttendanceExcused), 1);
  EXPECT_EQ(At(c, 2024, kAttendanceAbsent), 2);
  m.set_kind(Meeting::EXTRAORDINARY);
  EXPECT_EQ(At(MeetingContribution(m), 2024, kExtraordinaryHeld), 1);
}

TEST(PlanContributionTest, ItemsByCurrentState) {
  InspectionPlan plan;
  plan.set_name("organizations/hq/inspectionPlans/kh-2024");
  plan.set_year(2024);
  for (auto state : {InspectionItem::PLANNED, InspectionItem::CONCLUDED, InspectionItem::CLOSED,
                     InspectionItem::CANCELLED}) {
    InspectionItem* item = plan.add_items();
    item->set_state(state);
    if (state == InspectionItem::CLOSED) {
      item->mutable_conclusion()->set_outcome(InspectionItem::Conclusion::VIOLATION);
    }
  }
  ContributionMap c = PlanContribution(plan);
  EXPECT_EQ(At(c, 2024, kPlans), 1);
  EXPECT_EQ(At(c, 2024, kItemsPlanned), 3);
  EXPECT_EQ(At(c, 2024, kItemsCompleted), 2);
  EXPECT_EQ(At(c, 2024, kItemsCancelled), 1);
  EXPECT_EQ(At(c, 2024, kItemsWithViolation), 1);
}

}  // namespace
}  // namespace analytics
