// Inspection plans through the real server: creation checks its references, items move
// through their states, a conclusion's recommendations must be settled before closing, and
// the plan's state follows its items.
#include "tests/integration/records_fixture.h"

namespace records::testing {
namespace {

class RecordsInspectionTest : public RecordsFixture {
 protected:
  void SetUp() override {
    RecordsFixture::SetUp();
    CreateOrganization();
    CreateCell("a", "Chi bộ Văn phòng");
    Admit(1, "a", "Võ Thành Long");
  }

  static v1::CreateInspectionPlanRequest PlanRequest(const std::string& target) {
    v1::CreateInspectionPlanRequest req;
    req.set_parent("organizations/hq");
    req.set_inspection_plan_id("kh-2024");
    v1::InspectionPlan* plan = req.mutable_inspection_plan();
    plan->set_year(2024);
    plan->set_issuing_body("Ủy ban Kiểm tra Đảng ủy");
    *plan->mutable_decision() = Decision("1-KH/UBKT", Day(2024, 1, 10));
    plan->set_kind(v1::InspectionPlan::COMPLIANCE_INSPECTION);
    plan->set_title("Kế hoạch kiểm tra, giám sát năm 2024");
    v1::InspectionItem* item = plan->add_items();
    item->set_target(target);
    item->set_content("Kiểm tra việc chấp hành Điều lệ Đảng");
    *item->mutable_window_start() = Day(2024, 3, 1);
    *item->mutable_window_end() = Day(2024, 4, 30);
    item->set_lead("organizations/hq/members/m-0001");
    return req;
  }
};

TEST_F(RecordsInspectionTest, AnItemGoesFromPlannedToClosed) {
  v1::InspectionPlan plan;
  grpc::Status s =
      stub_->CreateInspectionPlan(Context().get(), PlanRequest("organizations/hq/cells/a"), &plan);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(plan.items_size(), 1);
  const std::string item = plan.items(0).item_id();
  EXPECT_EQ(item, "item-1");
  EXPECT_EQ(plan.items(0).state(), v1::InspectionItem::PLANNED);
  EXPECT_EQ(plan.state(), v1::InspectionPlan::OPEN);

  v1::StartInspectionItemRequest start;
  start.set_name(plan.name());
  start.set_item_id(item);
  *start.mutable_effective_date() = Day(2024, 3, 2);
  s = stub_->StartInspectionItem(Context().get(), start, &plan);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << "not notified yet";

  v1::NotifyInspectionItemRequest notify;
  notify.set_name(plan.name());
  notify.set_item_id(item);
  notify.set_etag(plan.etag());
  *notify.mutable_effective_date() = Day(2024, 2, 20);
  ASSERT_TRUE(stub_->NotifyInspectionItem(Context().get(), notify, &plan).ok());
  ASSERT_TRUE(stub_->StartInspectionItem(Context().get(), start, &plan).ok());

  v1::ConcludeInspectionItemRequest conclude;
  conclude.set_name(plan.name());
  conclude.set_item_id(item);
  conclude.mutable_conclusion()->set_outcome(v1::InspectionItem::Conclusion::SHORTCOMING);
  conclude.mutable_conclusion()->set_text("Còn thiếu sót trong việc lập biên bản");
  *conclude.mutable_conclusion()->mutable_date() = Day(2024, 4, 20);
  v1::InspectionItem::Recommendation* rec = conclude.add_recommendations();
  rec->set_text("Bổ sung biên bản sinh hoạt chi bộ");
  rec->set_owner("Chi ủy Chi bộ Văn phòng");
  *rec->mutable_due_date() = Day(2024, 6, 30);
  s = stub_->ConcludeInspectionItem(Context().get(), conclude, &plan);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(plan.items(0).recommendations_size(), 1);
  EXPECT_TRUE(plan.items(0).recommendations(0).overdue()) << "open and due in the past";

  v1::CloseInspectionItemRequest close;
  close.set_name(plan.name());
  close.set_item_id(item);
  *close.mutable_effective_date() = Day(2024, 7, 5);
  s = stub_->CloseInspectionItem(Context().get(), close, &plan);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "INSPECTION_RECOMMENDATIONS_OPEN");

  v1::UpdateRecommendationRequest done;
  done.set_name(plan.name());
  done.set_item_id(item);
  done.set_recommendation_id(plan.items(0).recommendations(0).recommendation_id());
  done.set_state(v1::InspectionItem::Recommendation::DONE);
  *done.mutable_done_date() = Day(2024, 6, 15);
  ASSERT_TRUE(stub_->UpdateRecommendation(Context().get(), done, &plan).ok());
  s = stub_->CloseInspectionItem(Context().get(), close, &plan);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(plan.items(0).state(), v1::InspectionItem::CLOSED);
  EXPECT_EQ(plan.state(), v1::InspectionPlan::COMPLETED);
  EXPECT_EQ(plan.items(0).transitions_size(), 4);

  v1::ListInspectionPlansRequest list;
  list.set_parent("organizations/hq");
  list.set_filter("target = \"organizations/hq/cells/a\" AND state = COMPLETED");
  v1::ListInspectionPlansResponse plans;
  ASSERT_TRUE(stub_->ListInspectionPlans(Context().get(), list, &plans).ok());
  EXPECT_EQ(plans.total_size(), 1);
}

TEST_F(RecordsInspectionTest, TargetsMustExist) {
  v1::InspectionPlan plan;
  grpc::Status s = stub_->CreateInspectionPlan(Context().get(),
                                               PlanRequest("organizations/hq/cells/nope"), &plan);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  s = stub_->CreateInspectionPlan(Context().get(), PlanRequest("organizations/hq/cells/a"), &plan);
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = stub_->CreateInspectionPlan(Context().get(), PlanRequest("organizations/hq/cells/a"), &plan);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

}  // namespace
}  // namespace records::testing
