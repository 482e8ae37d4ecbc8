// What one records resource contributes to the party statistics, per organization and year.
#include "services/analytics/follower/contributions.h"

#include "gtest/gtest.h"

namespace analytics {
namespace {

using ::dangbo::records::v1::Cell;
using ::dangbo::records::v1::InspectionItem;
using ::dangbo::records::v1::InspectionPlan;
using ::dangbo::records::v1::LifecycleEvent;
using ::dangbo::records::v1::Member;
using ::dangbo::records::v1::YearlyRating;

LifecycleEvent* Add(Member* m, LifecycleEvent::Kind kind, int y, int mo = 6, int d = 1) {
  LifecycleEvent* e = m->add_history();
  e->set_event_id("e" + std::to_string(m->history_size()));
  e->set_kind(kind);
  e->mutable_effective_date()->set_year(y);
  e->mutable_effective_date()->set_month(mo);
  e->mutable_effective_date()->set_day(d);
  return e;
}

int64_t At(const ContributionMap& c, int year, int field) {
  auto it = c.find({"hq", year});
  return it == c.end() ? 0 : it->second[field];
}

Member NewMember() {
  Member m;
  m.set_name("organizations/hq/members/m1");
  return m;
}

TEST(MemberContributionTest, FlowsByEffectiveYearAndStocksAsYearEndChanges) {
  Member m = NewMember();
  Add(&m, LifecycleEvent::ADMITTED, 2019, 3, 1);
  Add(&m, LifecycleEvent::RECOGNIZED_FULL, 2020, 3, 1);
  Add(&m, LifecycleEvent::TRANSFERRED_OUT, 2022, 9, 1);
  ContributionMap c = MemberContribution(m);
  EXPECT_EQ(At(c, 2019, kAdmissions), 1);
  EXPECT_EQ(At(c, 2019, kProbationaryChange), 1);
  EXPECT_EQ(At(c, 2020, kRecognitions), 1);
  EXPECT_EQ(At(c, 2020, kProbationaryChange), -1);
  EXPECT_EQ(At(c, 2020, kFullChange), 1);
  EXPECT_EQ(At(c, 2021, kFullChange), 0);  // unchanged years carry nothing
  EXPECT_EQ(At(c, 2022, kTransfersOut), 1);
  EXPECT_EQ(At(c, 2022, kFullChange), -1);
}

TEST(MemberContributionTest, CorrectionsAreApplied) {
  Member m = NewMember();
  Add(&m, LifecycleEvent::ADMITTED, 2019);
  Add(&m, LifecycleEvent::REMOVED, 2021);
  LifecycleEvent* fix = Add(&m, LifecycleEvent::CORRECTED, 2022);
  fix->set_corrects_event_id("e1");
  fix->add_corrected_fields("effective_date");
  fix->mutable_corrected_values()->mutable_effective_date()->set_year(2018);
  LifecycleEvent* undo = Add(&m, LifecycleEvent::CORRECTED, 2022);
  undo->set_corrects_event_id("e2");
  undo->set_voids_event(true);
  ContributionMap c = MemberContribution(m);
  EXPECT_EQ(At(c, 2018, kAdmissions), 1);
  EXPECT_EQ(At(c, 2019, kAdmissions), 0);
  EXPECT_EQ(At(c, 2021, kRemoved), 0);
  EXPECT_EQ(At(c, 2021, kProbationaryChange), 0);
}

TEST(MemberContributionTest, RatingsCountOnlyForMembersCountedAtYearEnd) {
  Member m = NewMember();
  Add(&m, LifecycleEvent::ADMITTED, 2019);
  Add(&m, LifecycleEvent::DECEASED, 2021);
  for (int year : {2019, 2020, 2021}) {
    YearlyRating* r = m.add_ratings();
    r->set_year(year);
    r->set_level(YearlyRating::GOOD);
  }
  ContributionMap c = MemberContribution(m);
  EXPECT_EQ(At(c, 2019, kMemberGood), 1);
  EXPECT_EQ(At(c, 2020, kMemberGood), 1);
  EXPECT_EQ(At(c, 2021, kMemberGood), 0);
  EXPECT_EQ(At(c, 2021, kDeceased), 1);
}

TEST(MemberContributionTest, TemporaryAwayStaysCountedAndHostedIsNot) {
  Member away = NewMember();
  Add(&away, LifecycleEvent::ADMITTED, 2019);
  Add(&away, LifecycleEvent::TEMPORARY_TRANSFER_OUT, 2020);
  ContributionMap c = MemberContribution(away);
  EXPECT_EQ(At(c, 2020, kProbationaryChange), 0);
  EXPECT_EQ(At(c, 2020, kTemporarilyAwayChange), 1);
  Member hosted = NewMember();
  Add(&hosted, LifecycleEvent::TEMPORARY_HOSTED_IN, 2020);
  ContributionMap h = MemberContribution(hosted);
  EXPECT_EQ(At(h, 2020, kTemporarilyHostedChange), 1);
  EXPECT_EQ(At(h, 2020, kProbationaryChange) + At(h, 2020, kFullChange), 0);
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
