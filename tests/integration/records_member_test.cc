// Members through the real server: the full lifecycle of a member, transfers between cells
// (both lists and the headcount before and after), committee cleanup, and error details.
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

}  // namespace
}  // namespace records::testing
