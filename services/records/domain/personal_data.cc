#include "services/records/domain/personal_data.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace records::domain {

namespace v1 = ::dangbo::records::v1;

const std::vector<std::string>& PersonalDataFields() {
  static const auto* fields =
      new std::vector<std::string>{"birth_date", "national_id", "hometown", "permanent_address"};
  return *fields;
}

bool IsPersonalDataPath(const std::string& path) {
  for (const std::string& field : PersonalDataFields()) {
    if (path == field || absl::StartsWith(path, absl::StrCat(field, "."))) return true;
  }
  return false;
}

namespace {

// Whether `member` holds a value for the top-level personal-data field `field`.
bool HasValue(const v1::Member& member, const std::string& field) {
  if (field == "birth_date") return member.has_birth_date();
  if (field == "national_id") return !member.national_id().empty();
  if (field == "hometown") return !member.hometown().empty();
  return !member.permanent_address().empty();
}

// The top-level field of a path: "birth_date" for "birth_date.year".
std::string TopLevel(const std::string& path) { return path.substr(0, path.find('.')); }

}  // namespace

void MaskPersonalData(v1::Member* member) {
  std::set<std::string> withheld;
  for (const std::string& field : PersonalDataFields()) {
    if (HasValue(*member, field)) withheld.insert(field);
  }
  member->clear_birth_date();
  member->clear_national_id();
  member->clear_hometown();
  member->clear_permanent_address();
  for (v1::LifecycleEvent& event : *member->mutable_history()) {
    for (v1::LifecycleEvent::ProfileChange& change : *event.mutable_profile_changes()) {
      if (!IsPersonalDataPath(change.field())) continue;
      if (!change.old_value().empty() || !change.new_value().empty()) {
        withheld.insert(TopLevel(change.field()));
      }
      change.clear_old_value();
      change.clear_new_value();
    }
  }
  if (withheld.empty()) return;
  std::set<std::string> listed(member->masked_fields().begin(), member->masked_fields().end());
  for (const std::string& field : PersonalDataFields()) {
    if (withheld.count(field) > 0 && listed.count(field) == 0) member->add_masked_fields(field);
  }
}

bool WritesPersonalData(const v1::UpdateMemberRequest& request) {
  if (!request.has_update_mask() || request.update_mask().paths_size() == 0) {
    for (const std::string& field : PersonalDataFields()) {
      if (HasValue(request.member(), field)) return true;
    }
    return false;
  }
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "*" || IsPersonalDataPath(path)) return true;
  }
  return false;
}

bool MaskPersonalData(dangbo::records::v1::DuesBasis* basis) {
  const bool had = basis->basis_amount() != 0;
  basis->clear_basis_amount();
  return had;
}

bool MaskPersonalData(dangbo::records::v1::Meeting* meeting) {
  bool had = false;
  for (dangbo::records::v1::MeetingAttendance& a : *meeting->mutable_attendance()) {
    had |= !a.reason().empty();
    a.clear_reason();
  }
  return had;
}

bool MaskDuesAmounts(dangbo::records::v1::DuesPayment* payment) {
  const bool had = payment->amount() != 0 || payment->amount_due() != 0;
  payment->clear_amount();
  payment->clear_amount_due();
  return had;
}

bool MaskDuesAmounts(dangbo::records::v1::DuesBasis* basis) { return MaskPersonalData(basis); }

bool MaskDuesAmounts(dangbo::records::v1::DuesRemittance* remittance) {
  const bool had = remittance->collected_amount() != 0 || remittance->due_amount() != 0 ||
                   remittance->arrears_amount() != 0 || remittance->remitted_amount() != 0;
  remittance->clear_collected_amount();
  remittance->clear_due_amount();
  remittance->clear_arrears_amount();
  remittance->clear_expected_kept_amount();
  remittance->clear_expected_remitted_amount();
  remittance->clear_remitted_amount();
  return had;
}

bool MaskDuesAmounts(dangbo::records::v1::DuesSummary* summary) {
  auto clear = [](dangbo::records::v1::DuesSummary::Month* m) {
    m->clear_due();
    m->clear_collected();
    m->clear_arrears();
    m->clear_remitted();
  };
  for (dangbo::records::v1::DuesSummary::Month& m : *summary->mutable_months()) clear(&m);
  clear(summary->mutable_year_total());
  summary->clear_members_in_arrears();
  summary->clear_masked_fields();
  for (const char* part : {"months", "year_total"}) {
    for (const char* amount : {"due", "collected", "arrears", "remitted"}) {
      summary->add_masked_fields(absl::StrCat(part, ".", amount));
    }
  }
  summary->add_masked_fields("members_in_arrears");
  return true;
}

}  // namespace records::domain
