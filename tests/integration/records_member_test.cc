// Members through the real server: the full lifecycle of a member, transfers between cells
// (both lists and the headcount before and after), committee cleanup, and error details.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tests/integration/records_fixture.h"

namespace records::testing {
namespace {

class RecordsMemberTest : public RecordsFixture {
 protected:
  std::vector<std::string> ListIds(const std::string& filter) {
    v1::ListMembersRequest req;
    req.set_parent("organizations/hq");
    req.set_filter(filter);
    req.set_page_size(1000);
    v1::ListMembersResponse resp;
    grpc::Status s = stub_->ListMembers(Context().get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> ids;
    for (const auto& m : resp.members()) ids.push_back(m.name());
    EXPECT_EQ(resp.total_size(), static_cast<int>(ids.size()));
    return ids;
  }

  v1::GetCellHeadcountResponse Headcount(const std::string& cell, const google::type::Date& d) {
    v1::GetCellHeadcountRequest req;
    req.set_name("organizations/hq/cells/" + cell);
    *req.mutable_as_of() = d;
    v1::GetCellHeadcountResponse resp;
    grpc::Status s = stub_->GetCellHeadcount(Context().get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  uint64_t Head() {
    v1::GetChangeLogStateResponse state;
    grpc::Status s =
        stub_->GetChangeLogState(Context().get(), v1::GetChangeLogStateRequest(), &state);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return state.last_sequence();
  }

  // Closes organization `id` (which has no cells) on 31/12/2024, with `successor` ("" for none).
  void CloseOrganization(const std::string& id, const std::string& successor) {
    v1::CloseOrganizationRequest req;
    req.set_name("organizations/" + id);
    *req.mutable_decision() = Decision("9-QĐ/TW", Day(2024, 12, 20));
    *req.mutable_valid_to() = Day(2024, 12, 31);
    req.set_successor(successor);
    v1::Organization org;
    grpc::Status s = stub_->CloseOrganization(Context().get(), req, &org);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void MergeCell(const std::string& cell, const std::string& into) {
    v1::MergeCellRequest req;
    req.set_name("organizations/hq/cells/" + cell);
    req.set_merged_into("organizations/hq/cells/" + into);
    *req.mutable_decision() = Decision("30-QĐ/ĐU", Day(2019, 12, 20));
    *req.mutable_effective_date() = Day(2019, 12, 31);
    v1::Cell merged;
    grpc::Status s = stub_->MergeCell(Context().get(), req, &merged);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void DissolveCell(const std::string& cell) {
    v1::DissolveCellRequest req;
    req.set_name("organizations/hq/cells/" + cell);
    *req.mutable_decision() = Decision("31-QĐ/ĐU", Day(2019, 12, 20));
    *req.mutable_effective_date() = Day(2019, 12, 31);
    v1::Cell dissolved;
    grpc::Status s = stub_->DissolveCell(Context().get(), req, &dissolved);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  static v1::TransferMemberRequest TransferOut(const std::string& member,
                                               v1::TransferMemberRequest::Kind kind,
                                               const std::string& destination) {
    v1::TransferMemberRequest req;
    req.set_name(member);
    req.set_kind(kind);
    req.mutable_destination()->set_organization(destination);
    *req.mutable_decision() = Decision("12-QĐ/ĐU", Day(2025, 3, 1));
    *req.mutable_effective_date() = Day(2025, 3, 1);
    return req;
  }

  static v1::TransferMemberRequest TransferToCell(const std::string& member,
                                                  const std::string& cell) {
    v1::TransferMemberRequest req;
    req.set_name(member);
    req.set_kind(v1::TransferMemberRequest::OFFICIAL_TO_CELL);
    req.set_target_cell(cell);
    *req.mutable_decision() = Decision("13-QĐ/ĐU", Day(2020, 3, 1));
    *req.mutable_effective_date() = Day(2020, 3, 1);
    return req;
  }

  // The ErrorInfo metadata of a failed call.
  static std::map<std::string, std::string> MetadataOf(const grpc::Status& status) {
    google::rpc::Status details;
    std::map<std::string, std::string> metadata;
    if (!details.ParseFromString(status.error_details())) return metadata;
    for (const auto& any : details.details()) {
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&info)) metadata.insert(info.metadata().begin(), info.metadata().end());
    }
    return metadata;
  }

  v1::Member Recognize(const std::string& name, const google::type::Date& date,
                       grpc::Status* status) {
    v1::RecognizeFullMemberRequest req;
    req.set_name(name);
    *req.mutable_decision() = Decision("77-QĐ/ĐU", date);
    v1::Member m;
    *status = stub_->RecognizeFullMember(Context().get(), req, &m);
    return m;
  }
};

TEST_F(RecordsMemberTest, FullLifecycleOfAMember) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  CreateCell("b", "Chi bộ Phòng Nghiệp vụ");
  v1::Member m = Admit(1, "a", "Nguyễn Văn Hùng");
  const std::string name = "organizations/hq/members/m-0001";
  ASSERT_EQ(m.name(), name);
  EXPECT_EQ(m.state(), v1::Member::PROBATIONARY);
  EXPECT_EQ(m.full_name_upper(), "NGUYỄN VĂN HÙNG");
  EXPECT_EQ(m.cell(), "organizations/hq/cells/a");
  EXPECT_FALSE(m.etag().empty());

  grpc::Status s;
  Recognize(name, Day(2011, 5, 18), &s);  // one day short of 12 months after the ceremony
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "PROBATION_NOT_COMPLETE");
  m = Recognize(name, Day(2011, 6, 1), &s);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(m.state(), v1::Member::FULL);
  EXPECT_EQ(m.full_membership_date().year(), 2011);
  EXPECT_EQ(m.full_membership_date().month(), 5);
  EXPECT_EQ(m.full_membership_date().day(), 19) << "12 months after the ceremony";

  v1::RateMemberRequest rate;
  rate.set_name(name);
  rate.mutable_rating()->set_year(2012);
  rate.mutable_rating()->set_level(v1::YearlyRating::GOOD);
  rate.mutable_rating()->set_rule_version("47-QĐ/TW");
  rate.mutable_rating()->set_decided_by("Chi bộ Văn phòng");
  *rate.mutable_rating()->mutable_decision_date() = Day(2012, 12, 20);
  s = stub_->RateMember(Context().get(), rate, &m);
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = stub_->RateMember(Context().get(), rate, &m);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << "one rating per year";

  v1::TransferMemberRequest transfer;
  transfer.set_name(name);
  transfer.set_kind(v1::TransferMemberRequest::OFFICIAL_TO_CELL);
  transfer.set_target_cell("organizations/hq/cells/b");
  *transfer.mutable_decision() = Decision("12-QĐ/ĐU", Day(2014, 3, 1));
  *transfer.mutable_effective_date() = Day(2014, 3, 1);
  s = stub_->TransferMember(Context().get(), transfer, &m);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(m.cell(), "organizations/hq/cells/b");

  v1::RemoveMemberRequest remove;
  remove.set_name(name);
  remove.set_ground(v1::LifecycleEvent::DUES_ARREARS);
  *remove.mutable_decision() = Decision("40-QĐ/ĐU", Day(2016, 1, 10));
  *remove.mutable_effective_date() = Day(2016, 1, 10);
  s = stub_->RemoveMember(Context().get(), remove, &m);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(m.state(), v1::Member::REMOVED);
  EXPECT_TRUE(ListIds("active = true").empty()) << "a removed member is off the active lists";

  v1::ReadmitMemberRequest readmit;
  readmit.set_name(name);
  readmit.set_cell("organizations/hq/cells/a");
  *readmit.mutable_decision() = Decision("90-QĐ/ĐU", Day(2019, 1, 9));  // one day short
  *readmit.mutable_ceremony_date() = Day(2019, 1, 20);
  s = stub_->ReadmitMember(Context().get(), readmit, &m);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "READMISSION_TOO_EARLY");
  *readmit.mutable_decision() = Decision("90-QĐ/ĐU", Day(2019, 1, 10));
  s = stub_->ReadmitMember(Context().get(), readmit, &m);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(m.state(), v1::Member::PROBATIONARY);
  EXPECT_TRUE(m.readmitted());
  EXPECT_EQ(m.cell(), "organizations/hq/cells/a");

  v1::RecordMemberDeathRequest death;
  death.set_name(name);
  *death.mutable_effective_date() = Day(2022, 8, 1);
  death.set_etag("\"r1\"");  // stale
  s = stub_->RecordMemberDeath(Context().get(), death, &m);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  death.set_etag(m.etag());
  s = stub_->RecordMemberDeath(Context().get(), death, &m);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(m.state(), v1::Member::DECEASED);

  // The file is append-only: every step is in the history, in order.
  v1::GetMemberRequest get;
  get.set_name(name);
  s = stub_->GetMember(Context().get(), get, &m);
  ASSERT_TRUE(s.ok());
  std::vector<v1::LifecycleEvent::Kind> kinds;
  for (const auto& e : m.history()) kinds.push_back(e.kind());
  EXPECT_EQ(kinds, (std::vector<v1::LifecycleEvent::Kind>{
                       v1::LifecycleEvent::ADMITTED, v1::LifecycleEvent::RECOGNIZED_FULL,
                       v1::LifecycleEvent::RATED, v1::LifecycleEvent::TRANSFERRED_CELL,
                       v1::LifecycleEvent::REMOVED, v1::LifecycleEvent::READMITTED,
                       v1::LifecycleEvent::DECEASED}));
  EXPECT_EQ(m.history(0).recorded_by(), "tester");

  // Every write is audited with its principal.
  v1::ListAuditEventsRequest audit;
  audit.set_filter(absl::StrCat("resource = \"", name, "\" AND result = SUCCEEDED"));
  v1::ListAuditEventsResponse events;
  s = stub_->ListAuditEvents(Context().get(), audit, &events);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(events.audit_events_size(), 7);
  EXPECT_EQ(events.audit_events(0).method(), "AdmitMember");
  EXPECT_EQ(events.audit_events(0).principal(), "tester");
  EXPECT_TRUE(events.audit_events(0).before_etag().empty());
  EXPECT_EQ(events.audit_events(6).method(), "RecordMemberDeath");
  EXPECT_EQ(events.audit_events(6).after_etag(), m.etag());
  audit.set_filter(absl::StrCat("resource = \"", name, "\" AND result = FAILED"));
  s = stub_->ListAuditEvents(Context().get(), audit, &events);
  ASSERT_TRUE(s.ok());
  EXPECT_GE(events.audit_events_size(), 3) << "refused attempts are audited too";
}

TEST_F(RecordsMemberTest, TransferBetweenCellsUpdatesBothListsAndTheHeadcountAsOfDates) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  CreateCell("b", "Chi bộ Phòng Nghiệp vụ");
  for (int i = 1; i <= 3; ++i) Admit(i, "a", absl::StrCat("Trần Văn An ", std::string(i, 'A')));
  for (int i = 4; i <= 5; ++i) Admit(i, "b", absl::StrCat("Lê Thị Bình ", std::string(i, 'B')));
  grpc::Status s;
  Recognize("organizations/hq/members/m-0001", Day(2011, 6, 1), &s);
  ASSERT_TRUE(s.ok()) << s.error_message();
  v1::SetCellCommitteeRequest committee;
  committee.set_name("organizations/hq/cells/a");
  *committee.mutable_decision() = Decision("5-QĐ/ĐU", Day(2019, 1, 5));
  *committee.mutable_effective_date() = Day(2019, 1, 5);
  committee.mutable_committee()->set_secretary("organizations/hq/members/m-0001");
  v1::Cell cell;
  s = stub_->SetCellCommittee(Context().get(), committee, &cell);
  ASSERT_TRUE(s.ok()) << s.error_message();

  v1::TransferMemberRequest transfer;
  transfer.set_name("organizations/hq/members/m-0001");
  transfer.set_kind(v1::TransferMemberRequest::OFFICIAL_TO_CELL);
  transfer.set_target_cell("organizations/hq/cells/b");
  *transfer.mutable_decision() = Decision("12-QĐ/ĐU", Day(2020, 2, 20));
  *transfer.mutable_effective_date() = Day(2020, 3, 1);
  v1::Member m;
  s = stub_->TransferMember(Context().get(), transfer, &m);
  ASSERT_TRUE(s.ok()) << s.error_message();

  EXPECT_EQ(ListIds("cell = \"organizations/hq/cells/a\"").size(), 2u);
  const std::vector<std::string> in_b = ListIds("cell = \"organizations/hq/cells/b\"");
  EXPECT_EQ(in_b.size(), 3u);
  EXPECT_NE(std::find(in_b.begin(), in_b.end(), "organizations/hq/members/m-0001"), in_b.end());

  v1::GetCellRequest get;
  get.set_name("organizations/hq/cells/a");
  ASSERT_TRUE(stub_->GetCell(Context().get(), get, &cell).ok());
  EXPECT_EQ(cell.headcount(), 2);
  EXPECT_TRUE(cell.committee().secretary().empty())
      << "leaving the cell removed the member from its committee in the same write";
  get.set_name("organizations/hq/cells/b");
  ASSERT_TRUE(stub_->GetCell(Context().get(), get, &cell).ok());
  EXPECT_EQ(cell.headcount(), 3);

  EXPECT_EQ(Headcount("a", Day(2020, 2, 29)).total_counted(), 3);
  EXPECT_EQ(Headcount("a", Day(2020, 3, 1)).total_counted(), 2);
  EXPECT_EQ(Headcount("b", Day(2020, 2, 29)).total_counted(), 2);
  EXPECT_EQ(Headcount("b", Day(2020, 3, 1)).total_counted(), 3);
  EXPECT_EQ(Headcount("b", Day(2020, 3, 1)).official(), 1);
  EXPECT_EQ(Headcount("a", Day(2009, 1, 1)).total_counted(), 0) << "before any admission";
}

TEST_F(RecordsMemberTest, UniqueIdentifiersAreEnforced) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  Admit(1, "a", "Nguyễn Văn Hùng");
  v1::AdmitMemberRequest dup = AdmitRequest(2, "a", "Phạm Văn Đức");
  dup.mutable_member()->set_national_id("080085000001");  // member 1's
  v1::Member m;
  grpc::Status s = stub_->AdmitMember(Context().get(), dup, &m);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ReasonOf(s), "MEMBER_NATIONAL_ID_TAKEN");
  dup = AdmitRequest(2, "a", "Phạm Văn Đức");
  dup.mutable_member()->set_party_card_number("51000001");
  s = stub_->AdmitMember(Context().get(), dup, &m);
  EXPECT_EQ(ReasonOf(s), "MEMBER_PARTY_CARD_NUMBER_TAKEN");
  dup = AdmitRequest(1, "a", "Phạm Văn Đức");
  dup.mutable_member()->set_national_id("080085000009");
  dup.mutable_member()->set_party_card_number("51000009");
  s = stub_->AdmitMember(Context().get(), dup, &m);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << "member id taken";
}

TEST_F(RecordsMemberTest, ErrorsCarryGoogleRpcStatusDetails) {
  v1::GetOrganizationRequest req;
  req.set_name("bad/name");
  v1::Organization org;
  grpc::Status s = stub_->GetOrganization(Context().get(), req, &org);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(s.error_details()));
  bool has_info = false, names_field = false;
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&info)) has_info = !info.reason().empty();
    if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) names_field |= v.field() == "name";
    }
  }
  EXPECT_TRUE(has_info) << "an ErrorInfo";
  EXPECT_TRUE(names_field) << "a BadRequest naming field \"name\"";

  req.set_name("organizations/nowhere");
  s = stub_->GetOrganization(Context().get(), req, &org);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReasonOf(s), "ORGANIZATION_NOT_FOUND");
}

// The case: a member transferred OFFICIAL_OUT (or TEMPORARY_OUT) to a CLOSED
// organization would be left TRANSFERRED_OUT to an organization that can receive no one. The
// transfer is refused and names the successor, where the member should go instead.
TEST_F(RecordsMemberTest, TransferOutToAClosedOrganizationIsRefusedNamingItsSuccessor) {
  CreateOrganization();
  CreateOrganization("tay-ninh");
  CreateOrganization("long-an");
  CloseOrganization("long-an", "organizations/tay-ninh");
  CreateOrganization("ben-tre");
  CloseOrganization("ben-tre", "");
  CreateCell("a", "Chi bộ Văn phòng");
  Admit(1, "a", "Nguyễn Văn Hùng");
  const std::string member = "organizations/hq/members/m-0001";
  const uint64_t head = Head();
  for (const auto kind :
       {v1::TransferMemberRequest::OFFICIAL_OUT, v1::TransferMemberRequest::TEMPORARY_OUT}) {
    SCOPED_TRACE(v1::TransferMemberRequest::Kind_Name(kind));
    v1::Member m;
    grpc::Status s = stub_->TransferMember(Context().get(),
                                           TransferOut(member, kind, "organizations/long-an"), &m);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    EXPECT_EQ(ReasonOf(s), "DESTINATION_CLOSED") << s.error_message();
    EXPECT_NE(s.error_message().find("organizations/long-an"), std::string::npos)
        << s.error_message();
    EXPECT_NE(s.error_message().find("organizations/tay-ninh"), std::string::npos)
        << "names the successor: " << s.error_message();
    EXPECT_EQ(MetadataOf(s)["successor"], "organizations/tay-ninh");
    EXPECT_EQ(MetadataOf(s)["field"], "destination.organization");

    s = stub_->TransferMember(Context().get(), TransferOut(member, kind, "organizations/ben-tre"),
                              &m);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    EXPECT_EQ(ReasonOf(s), "DESTINATION_CLOSED") << s.error_message();
    EXPECT_EQ(MetadataOf(s).count("successor"), 0u) << "no successor to name";
  }
  EXPECT_EQ(Head(), head) << "a refused transfer wrote";

  v1::Member m;
  grpc::Status s = stub_->TransferMember(
      Context().get(),
      TransferOut(member, v1::TransferMemberRequest::OFFICIAL_OUT, "organizations/tay-ninh"), &m);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(m.state(), v1::Member::TRANSFERRED_OUT);
}

// Every reference to a cell that ended is refused, naming the cell a merged one went into.
TEST_F(RecordsMemberTest, ReferencesToMergedOrDissolvedCellsNameWhereTheirMembersWent) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  CreateCell("b", "Chi bộ Phòng Nghiệp vụ");
  CreateCell("c", "Chi bộ Kiểm soát");
  CreateCell("d", "Chi bộ Chống buôn lậu");
  Admit(1, "a", "Nguyễn Văn Hùng");
  Admit(2, "b", "Trần Thị Lan");
  MergeCell("b", "c");
  DissolveCell("d");
  const std::string merged = "organizations/hq/cells/b";
  const std::string into = "organizations/hq/cells/c";
  const uint64_t head = Head();
  auto expect_names_target = [&](const grpc::Status& s, const std::string& what) {
    SCOPED_TRACE(what);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    EXPECT_NE(s.error_message().find(merged), std::string::npos) << s.error_message();
    EXPECT_NE(s.error_message().find(into), std::string::npos)
        << "names the cell it was merged into: " << s.error_message();
    EXPECT_EQ(MetadataOf(s)["mergedInto"], into);
  };
  v1::Member m;
  expect_names_target(
      stub_->TransferMember(Context().get(),
                            TransferToCell("organizations/hq/members/m-0001", merged), &m),
      "TransferMember");
  expect_names_target(stub_->AdmitMember(Context().get(), AdmitRequest(3, "b", "Lê Văn Tám"), &m),
                      "AdmitMember");

  v1::MergeCellRequest merge;
  merge.set_name("organizations/hq/cells/a");
  merge.set_merged_into(merged);
  *merge.mutable_decision() = Decision("32-QĐ/ĐU", Day(2020, 6, 1));
  *merge.mutable_effective_date() = Day(2020, 6, 30);
  v1::Cell cell;
  expect_names_target(stub_->MergeCell(Context().get(), merge, &cell), "MergeCell");

  v1::CreateInspectionPlanRequest plan;
  plan.set_parent("organizations/hq");
  plan.set_inspection_plan_id("kh-2024");
  v1::InspectionPlan* p = plan.mutable_inspection_plan();
  p->set_year(2024);
  p->set_issuing_body("Ủy ban Kiểm tra Đảng ủy");
  *p->mutable_decision() = Decision("1-KH/UBKT", Day(2024, 1, 10));
  p->set_kind(v1::InspectionPlan::COMPLIANCE_INSPECTION);
  p->set_title("Kế hoạch kiểm tra, giám sát năm 2024");
  v1::InspectionItem* item = p->add_items();
  item->set_target(merged);
  item->set_content("Kiểm tra việc chấp hành Điều lệ Đảng");
  *item->mutable_window_start() = Day(2024, 3, 1);
  *item->mutable_window_end() = Day(2024, 4, 30);
  item->set_lead("organizations/hq/members/m-0001");
  v1::InspectionPlan created;
  expect_names_target(stub_->CreateInspectionPlan(Context().get(), plan, &created),
                      "CreateInspectionPlan");

  // The admission of member 1 corrected into the merged cell would leave the member there.
  v1::CorrectMemberEventRequest correct;
  correct.set_name("organizations/hq/members/m-0001");
  *correct.mutable_basis() = Decision("50-QĐ/ĐU", Day(2024, 5, 1));
  correct.set_reason("Ghi nhầm chi bộ");
  correct.set_event_id("e1");
  correct.mutable_correction_mask()->add_paths("to_cell");
  correct.mutable_corrected_values()->set_to_cell(merged);
  expect_names_target(stub_->CorrectMemberEvent(Context().get(), correct, &m),
                      "CorrectMemberEvent");
  correct.mutable_corrected_values()->set_to_cell("organizations/hq/cells/nowhere");
  grpc::Status s = stub_->CorrectMemberEvent(Context().get(), correct, &m);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();

  // A dissolved cell has no successor: the refusal says it was dissolved.
  s = stub_->TransferMember(
      Context().get(),
      TransferToCell("organizations/hq/members/m-0001", "organizations/hq/cells/d"), &m);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_NE(s.error_message().find("DISSOLVED"), std::string::npos) << s.error_message();
  EXPECT_EQ(Head(), head) << "a refused call wrote";
}

// An organization a request places something under (a new organization's parent, a closed
// organization's successor, the home organization of a temporarily hosted member) must be
// ACTIVE; the refusal names the closed organization's successor.
TEST_F(RecordsMemberTest, ReferencesToClosedOrganizationsNameTheirSuccessor) {
  CreateOrganization();
  CreateOrganization("tay-ninh");
  CreateOrganization("long-an");
  CloseOrganization("long-an", "organizations/tay-ninh");
  CreateOrganization("kien-tuong");
  CreateCell("a", "Chi bộ Văn phòng");
  const uint64_t head = Head();
  auto expect_successor = [](const grpc::Status& s, const std::string& reason) {
    SCOPED_TRACE(reason);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    EXPECT_EQ(ReasonOf(s), reason) << s.error_message();
    EXPECT_NE(s.error_message().find("organizations/tay-ninh"), std::string::npos)
        << "names the successor: " << s.error_message();
    EXPECT_EQ(MetadataOf(s)["successor"], "organizations/tay-ninh");
  };

  v1::CreateOrganizationRequest child;
  child.set_organization_id("chi-cuc");
  child.mutable_organization()->set_code("CCHICUC");
  child.mutable_organization()->set_display_name("Đảng bộ Chi cục Hải quan cửa khẩu");
  child.mutable_organization()->set_parent("organizations/long-an");
  *child.mutable_organization()->mutable_valid_from() = Day(2025, 1, 1);
  v1::Organization org;
  expect_successor(stub_->CreateOrganization(Context().get(), child, &org), "PARENT_CLOSED");

  v1::CloseOrganizationRequest close;
  close.set_name("organizations/kien-tuong");
  *close.mutable_decision() = Decision("10-QĐ/TW", Day(2025, 2, 1));
  *close.mutable_valid_to() = Day(2025, 2, 28);
  close.set_successor("organizations/long-an");
  expect_successor(stub_->CloseOrganization(Context().get(), close, &org), "SUCCESSOR_CLOSED");

  // A temporarily hosted member stays a member of the home organization and returns there.
  v1::ReceiveMemberRequest receive;
  receive.set_parent("organizations/hq");
  receive.set_member_id("hosted");
  receive.set_kind(v1::ReceiveMemberRequest::TEMPORARY);
  receive.set_cell("organizations/hq/cells/a");
  *receive.mutable_decision() = Decision("GGT-15", Day(2025, 2, 1));
  *receive.mutable_effective_date() = Day(2025, 2, 5);
  receive.mutable_from_organization()->set_organization("organizations/long-an");
  *receive.mutable_member() = AdmitRequest(5, "a", "Võ Thành Long").member();
  *receive.mutable_admission_date() = Day(2015, 4, 1);
  *receive.mutable_party_entry_date() = Day(2015, 4, 10);
  *receive.mutable_full_membership_date() = Day(2016, 4, 10);
  v1::Member m;
  expect_successor(stub_->ReceiveMember(Context().get(), receive, &m), "HOME_ORGANIZATION_CLOSED");
  EXPECT_EQ(Head(), head) << "a refused call wrote";

  // An official transfer in from an organization closed since is history: the member left it
  // before it closed (closing needs every cell ended).
  receive.set_kind(v1::ReceiveMemberRequest::OFFICIAL);
  grpc::Status s = stub_->ReceiveMember(Context().get(), receive, &m);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

// A discipline may cite only an inspection plan of the member's own organization.
TEST_F(RecordsMemberTest, AnExpulsionCitesOnlyAPlanOfTheMembersOrganization) {
  CreateOrganization();
  CreateCell("a", "Chi bộ Văn phòng");
  Admit(1, "a", "Nguyễn Văn Hùng");
  v1::ExpelMemberRequest expel;
  expel.set_name("organizations/hq/members/m-0001");
  *expel.mutable_decision() = Decision("60-QĐ/ĐU", Day(2024, 5, 1));
  *expel.mutable_effective_date() = Day(2024, 5, 1);
  expel.set_violation_summary("Vi phạm nguyên tắc tập trung dân chủ");
  expel.set_inspection_plan("organizations/long-an/inspectionPlans/kh-2024");
  v1::Member m;
  grpc::Status s = stub_->ExpelMember(Context().get(), expel, &m);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_NE(s.error_message().find("inspection_plan"), std::string::npos) << s.error_message();
}

}  // namespace
}  // namespace records::testing
