// Inspection plans (Quy định 22/296-QĐ/TW): items go PLANNED -> NOTIFIED -> IN_PROGRESS ->
// CONCLUDED -> CLOSED, or CANCELLED while open; a conclusion is required to conclude; a
// violation with discipline links its discipline record before the item closes.
#include "services/records/domain/inspection_rules.h"

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/records/domain/test_builders.h"

namespace records::domain {
namespace {

using testing::Ctx;
using testing::D;
using testing::Decision;
using ::testing::HasSubstr;
using testing::kCellA;
using testing::kMemberName;
using Item = v1::InspectionItem;

constexpr char kPlan[] = "organizations/hq-long-an/inspectionPlans/kh-2025";

v1::InspectionPlan Plan() {
  v1::CreateInspectionPlanRequest r;
  r.set_parent(testing::kOrg);
  r.set_inspection_plan_id("kh-2025");
  auto* p = r.mutable_inspection_plan();
  p->set_year(2025);
  p->set_issuing_body("Ủy ban Kiểm tra Đảng ủy");
  *p->mutable_decision() = Decision(absl::CivilDay(2025, 1, 5), "01-KH/UBKT");
  p->set_kind(v1::InspectionPlan::COMPLIANCE_INSPECTION);
  p->set_title("Kế hoạch kiểm tra, giám sát năm 2025");
  for (const char* target : {kCellA, kMemberName}) {
    auto* item = p->add_items();
    item->set_target(target);
    item->set_content("Kiểm tra việc chấp hành Điều lệ");
    *item->mutable_window_start() = D(2025, 4, 1);
    *item->mutable_window_end() = D(2025, 6, 30);
    item->set_lead("organizations/hq-long-an/members/lead");
    item->set_state(Item::CLOSED);  // OUTPUT_ONLY: items start PLANNED
  }
  p->mutable_items(1)->set_item_id("item-1");  // taken: the first item gets item-2
  auto plan = NewInspectionPlan(r, Ctx());
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

template <typename R>
R Step(const std::string& item, int month, int day) {
  R r;
  r.set_name(kPlan);
  r.set_item_id(item);
  *r.mutable_effective_date() = D(2025, month, day);
  return r;
}

v1::ConcludeInspectionItemRequest Conclude(const std::string& item,
                                           Item::Conclusion::Outcome outcome) {
  v1::ConcludeInspectionItemRequest r;
  r.set_name(kPlan);
  r.set_item_id(item);
  r.mutable_conclusion()->set_outcome(outcome);
  r.mutable_conclusion()->set_text("Kết luận kiểm tra");
  *r.mutable_conclusion()->mutable_date() = D(2025, 6, 20);
  auto* rec = r.add_recommendations();
  rec->set_text("Khắc phục hạn chế");
  rec->set_owner("Chi ủy");
  *rec->mutable_due_date() = D(2025, 9, 30);
  return r;
}

// Plan with `item` IN_PROGRESS since 10/05/2025.
v1::InspectionPlan InProgress(const std::string& item) {
  auto p = NotifyInspectionItem(Plan(), Step<v1::NotifyInspectionItemRequest>(item, 5, 1), Ctx());
  p = StartInspectionItem(*p, Step<v1::StartInspectionItemRequest>(item, 5, 10), Ctx());
  EXPECT_TRUE(p.ok()) << p.status();
  return *p;
}

TEST(NewInspectionPlanTest, ItemsStartPlannedWithIds) {
  v1::InspectionPlan p = Plan();
  EXPECT_EQ(p.name(), kPlan);
  ASSERT_EQ(p.items_size(), 2);
  EXPECT_EQ(p.items(0).item_id(), "item-2");
  EXPECT_EQ(p.items(1).item_id(), "item-1");
  EXPECT_EQ(p.items(0).state(), Item::PLANNED);
  EXPECT_EQ(p.state(), v1::InspectionPlan::OPEN);
}

TEST(InspectionItemTest, TheWholePathToClosed) {
  v1::InspectionPlan p = InProgress("item-2");
  auto concluded =
      ConcludeInspectionItem(p, Conclude("item-2", Item::Conclusion::SHORTCOMING), Ctx());
  ASSERT_TRUE(concluded.ok()) << concluded.status();
  const Item* item = FindItem(*concluded, "item-2");
  EXPECT_EQ(item->state(), Item::CONCLUDED);
  EXPECT_EQ(item->recommendations(0).recommendation_id(), "r1");
  EXPECT_EQ(item->recommendations(0).state(), Item::Recommendation::OPEN);
  ASSERT_EQ(item->transitions_size(), 3);
  EXPECT_EQ(item->transitions(2).recorded_by(), "alice@hq-long-an");

  // Open recommendations keep the item from closing.
  auto close = Step<v1::CloseInspectionItemRequest>("item-2", 10, 1);
  EXPECT_EQ(common::ErrorReason(CloseInspectionItem(*concluded, close, Ctx()).status()),
            kRecommendationsOpen);
  v1::UpdateRecommendationRequest done;
  done.set_name(kPlan);
  done.set_item_id("item-2");
  done.set_recommendation_id("r1");
  done.set_state(Item::Recommendation::DONE);
  *done.mutable_done_date() = D(2025, 9, 15);
  auto followed = UpdateRecommendation(*concluded, done, Ctx());
  ASSERT_TRUE(followed.ok()) << followed.status();
  auto closed = CloseInspectionItem(*followed, close, Ctx());
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(FindItem(*closed, "item-2")->state(), Item::CLOSED);
  // The other item is still open: the plan too.
  EXPECT_EQ(closed->state(), v1::InspectionPlan::OPEN);
  auto cancel = Step<v1::CancelInspectionItemRequest>("item-1", 3, 1);
  cancel.set_note("Đối tượng chuyển sinh hoạt");
  auto done_plan = CancelInspectionItem(*closed, cancel, Ctx());
  ASSERT_TRUE(done_plan.ok());
  EXPECT_EQ(done_plan->state(), v1::InspectionPlan::COMPLETED);
}

TEST(InspectionItemTest, EachStepNeedsThePreviousState) {
  v1::InspectionPlan p = Plan();
  auto start = StartInspectionItem(p, Step<v1::StartInspectionItemRequest>("item-2", 5, 1), Ctx());
  EXPECT_EQ(common::ErrorReason(start.status()), kItemStateNotAllowed);
  EXPECT_THAT(start.status().message(), HasSubstr("item-2 is PLANNED"));
  EXPECT_EQ(common::ErrorReason(
                ConcludeInspectionItem(p, Conclude("item-2", Item::Conclusion::NO_VIOLATION), Ctx())
                    .status()),
            kItemStateNotAllowed);
  EXPECT_EQ(NotifyInspectionItem(p, Step<v1::NotifyInspectionItemRequest>("nope", 5, 1), Ctx())
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(InspectionItemTest, AStepCannotPrecedeThePreviousOne) {
  auto notified =
      NotifyInspectionItem(Plan(), Step<v1::NotifyInspectionItemRequest>("item-2", 5, 1), Ctx());
  auto start =
      StartInspectionItem(*notified, Step<v1::StartInspectionItemRequest>("item-2", 4, 30), Ctx());
  EXPECT_EQ(common::ErrorReason(start.status()), kTransitionBeforePrevious);
}

TEST(InspectionItemTest, CancelledOnlyWhileOpen) {
  auto cancel = Step<v1::CancelInspectionItemRequest>("item-2", 5, 20);
  cancel.set_note("Hủy");
  EXPECT_TRUE(CancelInspectionItem(InProgress("item-2"), cancel, Ctx()).ok());
  auto concluded = ConcludeInspectionItem(
      InProgress("item-2"), Conclude("item-2", Item::Conclusion::NO_VIOLATION), Ctx());
  cancel.mutable_effective_date()->set_month(7);
  EXPECT_EQ(common::ErrorReason(CancelInspectionItem(*concluded, cancel, Ctx()).status()),
            kItemStateNotAllowed);
}

TEST(InspectionItemTest, AllCancelledMeansThePlanIsCancelled) {
  v1::InspectionPlan p = Plan();
  for (const char* id : {"item-1", "item-2"}) {
    auto cancel = Step<v1::CancelInspectionItemRequest>(id, 3, 1);
    cancel.set_note("Hủy");
    p = *CancelInspectionItem(p, cancel, Ctx());
  }
  EXPECT_EQ(p.state(), v1::InspectionPlan::CANCELLED);
}

TEST(InspectionItemTest, AViolationWithDisciplineClosesOnlyWithTheLink) {
  auto request = Conclude("item-1", Item::Conclusion::VIOLATION_WITH_DISCIPLINE);
  request.clear_recommendations();
  // The item targets a member: the disciplined member must be that member.
  request.mutable_conclusion()->set_discipline_member("organizations/hq-long-an/members/other");
  request.mutable_conclusion()->set_discipline_id("d1");
  EXPECT_EQ(ConcludeInspectionItem(InProgress("item-1"), request, Ctx()).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.mutable_conclusion()->clear_discipline_member();
  request.mutable_conclusion()->clear_discipline_id();
  auto concluded = ConcludeInspectionItem(InProgress("item-1"), request, Ctx());
  ASSERT_TRUE(concluded.ok()) << concluded.status();
  auto close = Step<v1::CloseInspectionItemRequest>("item-1", 8, 1);
  EXPECT_EQ(common::ErrorReason(CloseInspectionItem(*concluded, close, Ctx()).status()),
            kDisciplineLinkMissing);
  close.set_discipline_member(kMemberName);
  close.set_discipline_id("d1");
  auto closed = CloseInspectionItem(*concluded, close, Ctx());
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(FindItem(*closed, "item-1")->conclusion().discipline_id(), "d1");
}

TEST(InspectionItemTest, ADisciplineLinkOnAnotherOutcomeIsInvalid) {
  auto request = Conclude("item-2", Item::Conclusion::NO_VIOLATION);
  request.clear_recommendations();
  auto concluded = ConcludeInspectionItem(InProgress("item-2"), request, Ctx());
  auto close = Step<v1::CloseInspectionItemRequest>("item-2", 8, 1);
  close.set_discipline_member(kMemberName);
  close.set_discipline_id("d1");
  EXPECT_EQ(CloseInspectionItem(*concluded, close, Ctx()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(UpdateRecommendationTest, OnlyOnAConcludedItemAndNotDoneBeforeTheConclusion) {
  auto concluded = ConcludeInspectionItem(InProgress("item-2"),
                                          Conclude("item-2", Item::Conclusion::SHORTCOMING), Ctx());
  v1::UpdateRecommendationRequest r;
  r.set_name(kPlan);
  r.set_item_id("item-2");
  r.set_recommendation_id("r1");
  r.set_state(Item::Recommendation::DONE);
  *r.mutable_done_date() = D(2025, 6, 19);
  EXPECT_EQ(UpdateRecommendation(*concluded, r, Ctx()).status().code(),
            absl::StatusCode::kInvalidArgument);
  r.set_recommendation_id("r9");
  EXPECT_EQ(UpdateRecommendation(*concluded, r, Ctx()).status().code(),
            absl::StatusCode::kNotFound);
  r.set_item_id("item-1");
  EXPECT_EQ(common::ErrorReason(UpdateRecommendation(*concluded, r, Ctx()).status()),
            kItemStateNotAllowed);
}

TEST(FillDerivedTest, OpenRecommendationsPastTheirDueDateAreOverdue) {
  auto concluded = ConcludeInspectionItem(InProgress("item-2"),
                                          Conclude("item-2", Item::Conclusion::SHORTCOMING), Ctx());
  v1::InspectionPlan p = *concluded;
  FillDerived(&p, absl::CivilDay(2025, 9, 30));
  EXPECT_FALSE(FindItem(p, "item-2")->recommendations(0).overdue());
  FillDerived(&p, absl::CivilDay(2025, 10, 1));
  EXPECT_TRUE(FindItem(p, "item-2")->recommendations(0).overdue());
}

v1::UpdateInspectionPlanRequest EditItems(const v1::InspectionPlan& plan) {
  v1::UpdateInspectionPlanRequest r;
  *r.mutable_inspection_plan() = plan;
  r.mutable_update_mask()->add_paths("items");
  return r;
}

TEST(UpdateInspectionPlanTest, OnlyPlannedItemsMayBeEditedOrRemoved) {
  auto notified =
      NotifyInspectionItem(Plan(), Step<v1::NotifyInspectionItemRequest>("item-2", 5, 1), Ctx());
  // Editing the PLANNED item and adding a new one is fine.
  auto r = EditItems(*notified);
  r.mutable_inspection_plan()->mutable_items(1)->set_content("Nội dung mới");
  Item* added = r.mutable_inspection_plan()->add_items();
  *added = r.inspection_plan().items(1);
  added->clear_item_id();
  auto updated = UpdateInspectionPlan(*notified, r, Ctx());
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->items_size(), 3);
  EXPECT_EQ(updated->items(2).item_id(), "item-3");
  EXPECT_EQ(FindItem(*updated, "item-1")->content(), "Nội dung mới");
  EXPECT_EQ(FindItem(*updated, "item-2")->state(), Item::NOTIFIED);  // kept
  EXPECT_EQ(ReferencesToCheck(*notified, *updated).size(), 2u);      // target and lead of the edits

  // Editing the NOTIFIED item is refused, and so is dropping it.
  r = EditItems(*notified);
  r.mutable_inspection_plan()->mutable_items(0)->set_content("Sửa");
  EXPECT_EQ(common::ErrorReason(UpdateInspectionPlan(*notified, r, Ctx()).status()),
            kItemNotEditable);
  r = EditItems(*notified);
  r.mutable_inspection_plan()->mutable_items()->DeleteSubrange(0, 1);
  EXPECT_EQ(common::ErrorReason(UpdateInspectionPlan(*notified, r, Ctx()).status()),
            kItemNotEditable);
  // Dropping a PLANNED item is fine.
  r = EditItems(*notified);
  r.mutable_inspection_plan()->mutable_items()->DeleteSubrange(1, 1);
  EXPECT_EQ(UpdateInspectionPlan(*notified, r, Ctx())->items_size(), 1);
}

TEST(UpdateInspectionPlanTest, YearAndKindAreImmutableAndWindowsStayInTheYear) {
  auto r = EditItems(Plan());
  r.mutable_update_mask()->add_paths("year");
  r.mutable_inspection_plan()->set_year(2026);
  EXPECT_THAT(UpdateInspectionPlan(Plan(), r, Ctx()).status().message(),
              HasSubstr("\"year\" is IMMUTABLE"));
  r = EditItems(Plan());
  r.mutable_inspection_plan()->set_year(0);
  *r.mutable_inspection_plan()->mutable_items(1)->mutable_window_end() = D(2026, 1, 5);
  auto updated = UpdateInspectionPlan(Plan(), r, Ctx());
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(updated.status().message(), HasSubstr("inside the plan's year 2025"));
}

}  // namespace
}  // namespace records::domain
