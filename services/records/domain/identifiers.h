// File: services/records/domain/identifiers.h
//
// Formats of a member's identifiers (DOMAIN.md §1.3, §5.3):
// - national ID (số định danh cá nhân / căn cước), 12 digits: digits 1–3 the province code of
//   birth registration (Thông tư 07/2016/TT-BCA, one of the 63 pre-2025 provinces, 001–096),
//   digit 4 the century-and-sex digit (1900s: 0 male, 1 female; 2000s: 2/3; 2100s: 4/5;
//   2200s: 6/7; 2300s: 8/9), digits 5–6 the birth year modulo 100, then 6 digits. There is no
//   checksum; uniqueness is the caller's (storage) concern.
// - party card number (số thẻ đảng viên): exactly 8 digits.
// - member file number (số lý lịch đảng viên): 6 digits then 1 to 3 uppercase ASCII letters.
//
// Check* return the descriptions of every rule the value breaks (empty when valid), worded to
// follow a field path: "digit 4 must be 0 (male, born 1900–1999) but is 1". Pure, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "dangbo/records/v1/member.pb.h"

namespace records::domain {

struct Province {
  const char* code;  // "080"
  const char* name;  // "Long An"
};

// The 63 province codes of Thông tư 07/2016/TT-BCA (pre-2025 provinces), ordered by code.
const std::vector<Province>& ProvinceCodes();

// The province of a 3-digit code; nullopt when the code is not in the table.
std::optional<std::string> ProvinceName(absl::string_view code);

// The century-and-sex digit for a birth year and gender; nullopt outside 1900–2399 or for
// GENDER_UNSPECIFIED.
std::optional<int> CenturySexDigit(int birth_year, dangbo::records::v1::Member::Gender gender);

// National ID rules. The consistency rules apply only to what is known: with gender
// GENDER_UNSPECIFIED or no birth date, the century/sex and year digits are checked as far as
// the known facts allow (a digit 0–9 always encodes some century and sex).
std::vector<std::string> CheckNationalId(absl::string_view id,
                                         dangbo::records::v1::Member::Gender gender,
                                         std::optional<absl::CivilDay> birth_date);

std::vector<std::string> CheckPartyCardNumber(absl::string_view number);
std::vector<std::string> CheckMemberFileNumber(absl::string_view number);

// OK, or INVALID_ARGUMENT with one BadRequest violation per broken rule, all on `field`.
absl::Status ValidateNationalId(absl::string_view id, dangbo::records::v1::Member::Gender gender,
                                std::optional<absl::CivilDay> birth_date, absl::string_view field);
absl::Status ValidatePartyCardNumber(absl::string_view number, absl::string_view field);
absl::Status ValidateMemberFileNumber(absl::string_view number, absl::string_view field);

}  // namespace records::domain
