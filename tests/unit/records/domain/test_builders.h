// Builders shared by the records domain tests: a valid request or resource per call, so a
// test changes only the field its rule is about.
#pragma once

#include <string>

#include "absl/time/civil_time.h"
#include "dangbo/records/v1/records_service.pb.h"
#include "services/records/domain/dates.h"
#include "services/records/domain/member_rules.h"

namespace records::domain::testing {

namespace v1 = ::dangbo::records::v1;

inline constexpr char kOrg[] = "organizations/hq-long-an";
inline constexpr char kCellA[] = "organizations/hq-long-an/cells/nghiep-vu";
inline constexpr char kCellB[] = "organizations/hq-long-an/cells/van-phong";
inline constexpr char kMemberName[] = "organizations/hq-long-an/members/nguyen-van-hung";

inline google::type::Date D(int y, int m, int d) { return ToDate(absl::CivilDay(y, m, d)); }

inline dangbo::common::v1::DecisionRef Decision(absl::CivilDay day,
                                                const std::string& number = "123-QĐ/ĐU") {
  dangbo::common::v1::DecisionRef d;
  d.set_number(number);
  *d.mutable_date() = ToDate(day);
  d.set_issuing_body("Đảng ủy Cục Hải quan Long An");
  return d;
}

inline v1::Cell ActiveCell(const std::string& name = kCellA) {
  v1::Cell cell;
  cell.set_name(name);
  cell.set_display_name("Chi bộ Phòng Nghiệp vụ");
  *cell.mutable_established_date() = D(2010, 1, 1);
  cell.set_state(v1::Cell::ACTIVE);
  return cell;
}

// A male born 15/06/1990 with a consistent national ID (Long An, 1900s male, '90).
inline v1::Member Profile() {
  v1::Member m;
  m.set_full_name("Nguyễn Văn Hùng");
  m.set_gender(v1::Member::MALE);
  *m.mutable_birth_date() = D(1990, 6, 15);
  m.set_national_id("080090001234");
  m.set_party_card_number("12345678");
  m.set_member_file_number("012345LA");
  m.set_ethnicity("Kinh");
  m.set_religion("Không");
  return m;
}

inline v1::AdmitMemberRequest Admit(absl::CivilDay decided, absl::CivilDay ceremony) {
  v1::AdmitMemberRequest r;
  r.set_parent(kOrg);
  r.set_member_id("nguyen-van-hung");
  *r.mutable_member() = Profile();
  r.set_cell(kCellA);
  *r.mutable_decision() = Decision(decided, "45-QĐ/ĐU");
  *r.mutable_ceremony_date() = ToDate(ceremony);
  return r;
}

inline EventContext Ctx(const std::string& principal = "alice@hq-long-an") {
  EventContext c;
  c.principal = principal;
  c.record_time.set_seconds(1767225600);  // 2026-01-01T00:00:00Z
  return c;
}

}  // namespace records::domain::testing
