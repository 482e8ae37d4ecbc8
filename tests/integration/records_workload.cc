#include "tests/integration/records_workload.h"

#include <chrono>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace reliability {

google::type::Date Day(int year, int month, int day) {
  google::type::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

dangbo::common::v1::DecisionRef Decision(const std::string& number, const google::type::Date& d) {
  dangbo::common::v1::DecisionRef decision;
  decision.set_number(number);
  *decision.mutable_date() = d;
  decision.set_issuing_body("Đảng ủy Cục Hải quan Long An");
  return decision;
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& principal, absl::Duration timeout) {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() +
                  std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)));
  c->AddMetadata("x-dangbo-principal", principal);
  return c;
}

void CreateOrganizationAndCells(rv1::RecordsService::Stub* stub, int cells) {
  rv1::CreateOrganizationRequest org;
  org.set_organization_id("hq");
  org.mutable_organization()->set_code("HQLA");
  org.mutable_organization()->set_display_name("Đảng bộ Cục Hải quan Long An");
  *org.mutable_organization()->mutable_valid_from() = Day(2005, 1, 1);
  rv1::Organization o;
  grpc::Status s = stub->CreateOrganization(Context("setup").get(), org, &o);
  ASSERT_TRUE(s.ok()) << s.error_message();
  for (int i = 1; i <= cells; ++i) {
    rv1::CreateCellRequest cell;
    cell.set_parent(kOrganization);
    cell.set_cell_id(absl::StrCat("c", i));
    cell.mutable_cell()->set_display_name(absl::StrCat("Chi bộ ", i));
    *cell.mutable_cell()->mutable_established_date() = Day(2005, 3, 1);
    rv1::Cell c;
    s = stub->CreateCell(Context("setup").get(), cell, &c);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
}

std::string MemberName(int n) { return absl::StrFormat("%s/members/m-%06d", kOrganization, n); }

rv1::AdmitMemberRequest AdmitRequest(int n, int year, const std::string& cell) {
  rv1::AdmitMemberRequest admit;
  admit.set_parent(kOrganization);
  admit.set_member_id(absl::StrFormat("m-%06d", n));
  admit.set_cell(absl::StrCat(kOrganization, "/cells/", cell));
  rv1::Member* m = admit.mutable_member();
  m->set_full_name(absl::StrFormat("Trần Văn Số%d", n));
  m->set_gender(rv1::Member::MALE);
  *m->mutable_birth_date() = Day(1980, 1, 15);
  m->set_national_id(absl::StrFormat("080080%06d", n % 1000000));
  m->set_party_card_number(absl::StrFormat("%08d", 30000000 + n));
  *admit.mutable_decision() = Decision(absl::StrFormat("%d-QĐ/ĐU", n), Day(year, 5, 10));
  *admit.mutable_ceremony_date() = Day(year, 5, 19);
  return admit;
}

rv1::RecognizeFullMemberRequest RecognizeRequest(int n, int year) {
  rv1::RecognizeFullMemberRequest recognize;
  recognize.set_name(MemberName(n));
  *recognize.mutable_decision() = Decision(absl::StrFormat("%d-CT/ĐU", n), Day(year, 6, 1));
  return recognize;
}

rv1::RateMemberRequest RateRequest(int n, int year, rv1::YearlyRating::Level level) {
  rv1::RateMemberRequest rate;
  rate.set_name(MemberName(n));
  rate.mutable_rating()->set_year(year);
  rate.mutable_rating()->set_level(level);
  rate.mutable_rating()->set_rule_version("132-QĐ/TW");
  rate.mutable_rating()->set_decided_by("Đảng ủy Cục Hải quan Long An");
  *rate.mutable_rating()->mutable_decision_date() = Day(year, 12, 20);
  return rate;
}

rv1::TransferMemberRequest CellTransferRequest(int n, const std::string& cell,
                                               const google::type::Date& when) {
  rv1::TransferMemberRequest transfer;
  transfer.set_name(MemberName(n));
  transfer.set_kind(rv1::TransferMemberRequest::OFFICIAL_TO_CELL);
  transfer.set_target_cell(absl::StrCat(kOrganization, "/cells/", cell));
  *transfer.mutable_decision() = Decision(absl::StrFormat("%d-CS/ĐU", n), when);
  *transfer.mutable_effective_date() = when;
  return transfer;
}

rv1::CreateInspectionPlanRequest PlanRequest(int n, int year, const std::string& cell, int lead) {
  rv1::CreateInspectionPlanRequest req;
  req.set_parent(kOrganization);
  req.set_inspection_plan_id(absl::StrFormat("kh-%06d", n));
  rv1::InspectionPlan* plan = req.mutable_inspection_plan();
  plan->set_year(year);
  plan->set_issuing_body("Ủy ban Kiểm tra Đảng ủy");
  *plan->mutable_decision() = Decision(absl::StrFormat("%d-KH/UBKT", n), Day(year, 1, 10));
  plan->set_kind(rv1::InspectionPlan::COMPLIANCE_INSPECTION);
  plan->set_title(absl::StrFormat("Kế hoạch kiểm tra số %d năm %d", n, year));
  for (int i = 0; i < 2; ++i) {
    rv1::InspectionItem* item = plan->add_items();
    item->set_target(absl::StrCat(kOrganization, "/cells/", cell));
    item->set_content(i == 0 ? "Kiểm tra việc chấp hành Điều lệ Đảng"
                             : "Giám sát việc thực hiện nghị quyết");
    *item->mutable_window_start() = Day(year, 3 + 3 * i, 1);
    *item->mutable_window_end() = Day(year, 4 + 3 * i, 30);
    item->set_lead(MemberName(lead));
  }
  return req;
}

void Ledger::Acknowledged(const std::string& name, const std::string& etag) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_[name] = Entry{etag, false};
  ++acknowledged_;
}

void Ledger::Uncertain(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  if (it != entries_.end()) it->second.uncertain = true;
}

std::map<std::string, Ledger::Entry> Ledger::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_;
}

int64_t Ledger::acknowledged() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acknowledged_;
}

uint64_t ChangeLogHead(rv1::RecordsService::Stub* stub) {
  rv1::GetChangeLogStateResponse state;
  grpc::Status s = stub->GetChangeLogState(Context("verify").get(), {}, &state);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return state.last_sequence();
}

namespace {

// The etag carried by a change event's resource snapshot.
std::string EventEtag(const rv1::ChangeEvent& event) {
  switch (event.resource_case()) {
    case rv1::ChangeEvent::kOrganization:
      return event.organization().etag();
    case rv1::ChangeEvent::kCell:
      return event.cell().etag();
    case rv1::ChangeEvent::kMember:
      return event.member().etag();
    case rv1::ChangeEvent::kInspectionPlan:
      return event.inspection_plan().etag();
    default:
      return "";
  }
}

// The current etag of a resource, or the error reading it (one attempt).
grpc::Status CurrentEtagOnce(rv1::RecordsService::Stub* stub, const std::string& name,
                             std::string* etag) {
  grpc::Status s;
  if (name.find("/members/") != std::string::npos) {
    rv1::GetMemberRequest get;
    get.set_name(name);
    rv1::Member m;
    s = stub->GetMember(Context("verify").get(), get, &m);
    *etag = m.etag();
  } else if (name.find("/inspectionPlans/") != std::string::npos) {
    rv1::GetInspectionPlanRequest get;
    get.set_name(name);
    rv1::InspectionPlan p;
    s = stub->GetInspectionPlan(Context("verify").get(), get, &p);
    *etag = p.etag();
  } else if (name.find("/cells/") != std::string::npos) {
    rv1::GetCellRequest get;
    get.set_name(name);
    rv1::Cell c;
    s = stub->GetCell(Context("verify").get(), get, &c);
    *etag = c.etag();
  } else {
    rv1::GetOrganizationRequest get;
    get.set_name(name);
    rv1::Organization o;
    s = stub->GetOrganization(Context("verify").get(), get, &o);
    *etag = o.etag();
  }
  return s;
}

// As CurrentEtagOnce, retried while the server's per-principal rate limit refuses the read:
// verification reads thousands of resources back to back, like any bulk reader.
grpc::Status CurrentEtag(rv1::RecordsService::Stub* stub, const std::string& name,
                         std::string* etag) {
  grpc::Status s;
  for (int attempt = 0; attempt < 200; ++attempt) {
    s = CurrentEtagOnce(stub, name, etag);
    if (s.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return s;
}

}  // namespace

void VerifyRecords(rv1::RecordsService::Stub* stub, const Ledger& ledger, VerifyReport* report) {
  *report = VerifyReport{};
  // Every acknowledged write is there, with its etag unless a later write's fate is unknown.
  const std::map<std::string, Ledger::Entry> acked = ledger.Snapshot();
  for (const auto& [name, entry] : acked) {
    std::string etag;
    grpc::Status s = CurrentEtag(stub, name, &etag);
    ASSERT_TRUE(s.ok()) << name << " was acknowledged but cannot be read: " << s.error_code() << " "
                        << s.error_message();
    ++report->resources_checked;
    if (!entry.uncertain) {
      EXPECT_EQ(etag, entry.etag) << name << ": not the acknowledged version";
      ++report->etags_checked;
    }
  }

  // The change log: sequences 1..head, no gap, no repeat; the last event of each resource.
  const uint64_t head = ChangeLogHead(stub);
  rv1::WatchChangesRequest watch;
  auto context = Context("verify", absl::Minutes(5));
  auto reader = stub->WatchChanges(context.get(), watch);
  rv1::ChangeEvent event;
  uint64_t expected = 1;
  std::set<std::string> created_members;
  std::map<std::string, std::string> last_etag;
  while (expected <= head && reader->Read(&event)) {
    if (event.heartbeat()) continue;
    ASSERT_EQ(event.sequence(), expected) << "gap or repeat in the change log";
    if (event.resource_type() == rv1::ChangeEvent::MEMBER &&
        event.change_kind() == rv1::ChangeEvent::CREATED) {
      created_members.insert(event.resource_name());
    }
    last_etag[event.resource_name()] = EventEtag(event);
    ++expected;
  }
  context->TryCancel();
  reader->Finish();
  ASSERT_EQ(expected, head + 1) << "the change log ends early";
  report->change_log_head = head;

  // Resource and change log agree: a resource is at the version its last event shows.
  for (const auto& [name, etag] : last_etag) {
    std::string current;
    grpc::Status s = CurrentEtag(stub, name, &current);
    ASSERT_TRUE(s.ok()) << name << " has change events but cannot be read: " << s.error_message();
    EXPECT_EQ(current, etag) << name << ": resource and its last change event disagree";
  }
  for (const auto& [name, entry] : acked) {
    EXPECT_TRUE(last_etag.count(name)) << name << " was acknowledged but has no change event";
  }

  // The member index lists exactly the members the change log created.
  std::set<std::string> listed;
  rv1::ListMembersRequest list;
  list.set_parent(kOrganization);
  list.set_page_size(1000);
  do {
    rv1::ListMembersResponse page;
    grpc::Status s = stub->ListMembers(Context("verify").get(), list, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (const auto& m : page.members()) listed.insert(m.name());
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  EXPECT_EQ(listed, created_members) << "the member list and the change log disagree";
  report->members_listed = static_cast<int64_t>(listed.size());
}

std::string ReasonOf(const grpc::Status& status) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return "";
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

}  // namespace reliability
