// records_fuzz_seeds <dir>: writes the seed inputs of the records fuzz targets, in the layouts
// of records_inputs.h, from the domain tests' builders (valid requests and members):
//   <dir>/records_request_fuzzer/       one empty request per method, and valid requests;
//   <dir>/records_member_rules_fuzzer/  a probationary and a full member with a valid request
//                                       for each lifecycle operation.
// Every valid request is checked with Validate() first, so the seeds stay valid as the rules
// change (the program fails when one does not).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "services/records/domain/member_rules.h"
#include "services/records/domain/validation.h"
#include "tests/fuzz/records_inputs.h"
#include "tests/unit/records/domain/test_builders.h"

namespace {

namespace v1 = ::dangbo::records::v1;
namespace domain = ::records::domain;
using namespace ::records::domain::testing;  // NOLINT: the builders
using Day = absl::CivilDay;

const Day kToday(2026, 1, 1);

void Write(const std::filesystem::path& dir, const std::string& name, const std::string& bytes) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

template <typename Request>
void MustBeValid(const Request& request) {
  const absl::Status status = domain::Validate(request, kToday);
  if (!status.ok()) {
    std::cerr << "seed " << Request::descriptor()->name() << " is not valid: " << status << "\n";
    std::exit(1);
  }
}

int MethodIndex(const google::protobuf::Descriptor* input) {
  const google::protobuf::ServiceDescriptor* service =
      input->file()->FindServiceByName("RecordsService");
  for (int i = 0; i < service->method_count(); ++i) {
    if (service->method(i)->input_type() == input) return i;
  }
  std::cerr << "no RecordsService method takes " << input->full_name() << "\n";
  std::exit(1);
}

std::string RequestInput(int method, const google::protobuf::Message& request) {
  std::string out(1, static_cast<char>(method));
  fuzz::PutToday(&out, kToday);
  out += request.SerializeAsString();
  return out;
}

template <typename Request>
void ValidRequestSeed(const std::filesystem::path& dir, const Request& request) {
  MustBeValid(request);
  Write(dir, "valid-" + Request::descriptor()->name(),
        RequestInput(MethodIndex(Request::descriptor()), request));
}

v1::Member Must(absl::StatusOr<v1::Member> member) {
  if (!member.ok()) {
    std::cerr << "seed member: " << member.status() << "\n";
    std::exit(1);
  }
  return *member;
}

v1::RecognizeFullMemberRequest Recognize(Day decided) {
  v1::RecognizeFullMemberRequest r;
  r.set_name(kMemberName);
  *r.mutable_decision() = Decision(decided, "77-QĐ/ĐU");
  return r;
}

v1::TransferMemberRequest TransferToCell(Day effective) {
  v1::TransferMemberRequest r;
  r.set_name(kMemberName);
  r.set_kind(v1::TransferMemberRequest::OFFICIAL_TO_CELL);
  *r.mutable_decision() = Decision(effective, "12-QĐ/ĐU");
  *r.mutable_effective_date() = domain::ToDate(effective);
  r.set_target_cell(kCellB);
  return r;
}

v1::RemoveMemberRequest Remove(Day effective) {
  v1::RemoveMemberRequest r;
  r.set_name(kMemberName);
  *r.mutable_decision() = Decision(effective, "90-QĐ/ĐU");
  *r.mutable_effective_date() = domain::ToDate(effective);
  r.set_ground(v1::LifecycleEvent::DUES_ARREARS);
  return r;
}

v1::ExpelMemberRequest Expel(Day effective) {
  v1::ExpelMemberRequest r;
  r.set_name(kMemberName);
  *r.mutable_decision() = Decision(effective, "09-QĐ/UBKT");
  *r.mutable_effective_date() = domain::ToDate(effective);
  r.set_violation_summary("Vi phạm nghiêm trọng");
  return r;
}

v1::RateMemberRequest Rate(int year) {
  v1::RateMemberRequest r;
  r.set_name(kMemberName);
  v1::YearlyRating* rating = r.mutable_rating();
  rating->set_year(year);
  rating->set_level(v1::YearlyRating::GOOD);
  rating->set_rule_version("124-QĐ/TW");
  rating->set_decided_by("Chi bộ Phòng Nghiệp vụ");
  *rating->mutable_decision_date() = D(year, 12, 20);
  return r;
}

v1::DisciplineMemberRequest Discipline(Day effective) {
  v1::DisciplineMemberRequest r;
  r.set_name(kMemberName);
  v1::DisciplineRecord* d = r.mutable_discipline();
  d->set_form(v1::DisciplineRecord::REPRIMAND);
  d->set_violation_summary("Vi phạm quy định về nêu gương");
  *d->mutable_decision() = Decision(effective, "05-QĐ/UBKT");
  *d->mutable_effective_date() = domain::ToDate(effective);
  return r;
}

v1::ImportMemberRow ImportRow() {
  v1::ImportMemberRow row;
  row.set_row(2);
  row.set_member_id("nguyen-van-hung");
  *row.mutable_member() = Profile();
  row.set_cell(kCellA);
  *row.mutable_admission_decision() = Decision(Day(2023, 3, 1), "45-QĐ/ĐU");
  *row.mutable_party_entry_date() = D(2023, 3, 10);
  *row.mutable_recognition_decision() = Decision(Day(2024, 3, 20), "77-QĐ/ĐU");
  return row;
}

v1::CreateInspectionPlanRequest Plan() {
  v1::CreateInspectionPlanRequest r;
  r.set_parent(kOrg);
  r.set_inspection_plan_id("kh-2025");
  auto* p = r.mutable_inspection_plan();
  p->set_year(2025);
  p->set_issuing_body("Ủy ban Kiểm tra Đảng ủy");
  *p->mutable_decision() = Decision(Day(2025, 1, 5), "01-KH/UBKT");
  p->set_kind(v1::InspectionPlan::COMPLIANCE_INSPECTION);
  p->set_title("Kế hoạch kiểm tra, giám sát năm 2025");
  auto* item = p->add_items();
  item->set_item_id("q2-nghiep-vu");
  item->set_target(kCellA);
  item->set_content("Kiểm tra việc thực hiện nghị quyết chi bộ");
  *item->mutable_window_start() = D(2025, 4, 1);
  *item->mutable_window_end() = D(2025, 6, 30);
  item->set_lead(kMemberName);
  item->add_team("organizations/hq-long-an/members/tran-thi-lan");
  return r;
}

void RequestSeeds(const std::filesystem::path& dir) {
  // One empty request per method: every Validate overload is reached from the start.
  const google::protobuf::ServiceDescriptor* service =
      v1::GetMemberRequest::descriptor()->file()->FindServiceByName("RecordsService");
  v1::GetChangeLogStateRequest empty;
  for (int i = 0; i < service->method_count(); ++i) {
    Write(dir, "empty-" + service->method(i)->name(), RequestInput(i, empty));
  }

  ValidRequestSeed(dir, Admit(Day(2023, 3, 1), Day(2023, 3, 10)));
  ValidRequestSeed(dir, Recognize(Day(2024, 3, 20)));
  ValidRequestSeed(dir, TransferToCell(Day(2024, 5, 1)));
  ValidRequestSeed(dir, Remove(Day(2024, 6, 1)));
  ValidRequestSeed(dir, Expel(Day(2024, 6, 1)));
  ValidRequestSeed(dir, Rate(2024));
  ValidRequestSeed(dir, Discipline(Day(2024, 6, 1)));
  ValidRequestSeed(dir, Plan());
  v1::ImportMembersRequest import;
  *import.mutable_row() = ImportRow();
  ValidRequestSeed(dir, import);
  v1::ListMembersRequest list;
  list.set_parent(kOrg);
  list.set_page_size(20);
  list.set_filter("state = FULL");
  list.set_order_by("admission_date desc");
  ValidRequestSeed(dir, list);
  v1::CreateOrganizationRequest organization;
  organization.set_organization_id("hq-long-an");
  auto* o = organization.mutable_organization();
  o->set_code("DBHQLA");
  o->set_display_name("Đảng bộ Cục Hải quan Long An");
  *o->mutable_valid_from() = D(1993, 1, 1);
  o->add_managed_provinces("Long An");
  ValidRequestSeed(dir, organization);
  v1::CreateCellRequest cell;
  cell.set_parent(kOrg);
  cell.set_cell_id("nghiep-vu");
  cell.mutable_cell()->set_display_name("Chi bộ Phòng Nghiệp vụ");
  *cell.mutable_cell()->mutable_established_date() = D(2000, 1, 1);
  ValidRequestSeed(dir, cell);
}

// The operation numbers of records_member_rules_fuzzer.cc.
enum Operation : uint8_t {
  kAdmit,
  kImport,
  kReceive,
  kRecognize,
  kTransfer,
  kMoveForMerge,
  kRemove,
  kExpel,
  kDeath,
  kReadmit,
  kCorrect,
  kRate,
  kDiscipline,
  kUpdateProfile,
  kInspect,
};

template <typename Request>
void MemberSeed(const std::filesystem::path& dir, const std::string& name, Operation operation,
                const v1::Member& member, const Request& request) {
  MustBeValid(request);
  std::string out(1, static_cast<char>(operation));
  fuzz::PutToday(&out, kToday);
  fuzz::PutSized(&out, member.SerializeAsString());
  fuzz::PutSized(&out, ActiveCell(kCellB).SerializeAsString());
  out += request.SerializeAsString();
  Write(dir, name, out);
}

void MemberRuleSeeds(const std::filesystem::path& dir) {
  const v1::Member probationary = Must(domain::AdmitMember(Admit(Day(2023, 3, 1), Day(2023, 3, 10)),
                                                           kMemberName, ActiveCell(), Ctx()));
  const v1::Member full =
      Must(domain::RecognizeFullMember(probationary, Recognize(Day(2024, 3, 20)), Ctx()));
  MemberSeed(dir, "admit", kAdmit, v1::Member(), Admit(Day(2023, 3, 1), Day(2023, 3, 10)));
  MemberSeed(dir, "import", kImport, v1::Member(), ImportRow());
  MemberSeed(dir, "recognize", kRecognize, probationary, Recognize(Day(2024, 3, 20)));
  MemberSeed(dir, "transfer", kTransfer, full, TransferToCell(Day(2024, 5, 1)));
  MemberSeed(dir, "remove", kRemove, probationary, Remove(Day(2024, 6, 1)));
  MemberSeed(dir, "expel", kExpel, full, Expel(Day(2024, 6, 1)));
  MemberSeed(dir, "rate", kRate, full, Rate(2024));
  MemberSeed(dir, "discipline", kDiscipline, full, Discipline(Day(2024, 6, 1)));
  v1::RecordMemberDeathRequest death;
  death.set_name(kMemberName);
  *death.mutable_effective_date() = D(2025, 2, 1);
  if (domain::Validate(death, kToday).ok()) {
    MemberSeed(dir, "death", kDeath, full, death);
  }
  v1::UpdateMemberRequest update;
  *update.mutable_member() = full;
  update.mutable_member()->set_hometown("Tân An, Long An");
  update.mutable_update_mask()->add_paths("hometown");
  if (domain::Validate(update, kToday).ok()) {
    MemberSeed(dir, "update-profile", kUpdateProfile, full, update);
  }
  v1::GetMemberRequest get;
  get.set_name(kMemberName);
  MemberSeed(dir, "inspect-full", kInspect, full, get);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: records_fuzz_seeds <dir>\n";
    return 2;
  }
  const std::filesystem::path root = argv[1];
  RequestSeeds(root / "records_request_fuzzer");
  MemberRuleSeeds(root / "records_member_rules_fuzzer");
  return 0;
}
