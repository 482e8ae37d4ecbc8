#include "services/records/domain/identifiers.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace records::domain {
namespace {

using Gender = dangbo::records::v1::Member::Gender;
using dangbo::records::v1::Member;

bool AllDigits(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

std::string CenturyName(int digit) {
  const int century = 1900 + (digit / 2) * 100;
  return absl::StrCat(digit % 2 == 0 ? "male" : "female", ", born ", century, "–", century + 99);
}

absl::Status ToStatus(const std::vector<std::string>& problems, absl::string_view field) {
  common::FieldViolations violations;
  for (const std::string& p : problems) violations.Add(std::string(field), p);
  return violations.ToStatus();
}

}  // namespace

const std::vector<Province>& ProvinceCodes() {
  // Thông tư 07/2016/TT-BCA, Phụ lục: codes of the 63 provinces and centrally-run cities
  // (as they were before the 2025 mergers; birth registrations keep their code).
  static const auto* const kProvinces = new std::vector<Province>{
      {"001", "Hà Nội"},
      {"002", "Hà Giang"},
      {"004", "Cao Bằng"},
      {"006", "Bắc Kạn"},
      {"008", "Tuyên Quang"},
      {"010", "Lào Cai"},
      {"011", "Điện Biên"},
      {"012", "Lai Châu"},
      {"014", "Sơn La"},
      {"015", "Yên Bái"},
      {"017", "Hòa Bình"},
      {"019", "Thái Nguyên"},
      {"020", "Lạng Sơn"},
      {"022", "Quảng Ninh"},
      {"024", "Bắc Giang"},
      {"025", "Phú Thọ"},
      {"026", "Vĩnh Phúc"},
      {"027", "Bắc Ninh"},
      {"030", "Hải Dương"},
      {"031", "Hải Phòng"},
      {"033", "Hưng Yên"},
      {"034", "Thái Bình"},
      {"035", "Hà Nam"},
      {"036", "Nam Định"},
      {"037", "Ninh Bình"},
      {"038", "Thanh Hóa"},
      {"040", "Nghệ An"},
      {"042", "Hà Tĩnh"},
      {"044", "Quảng Bình"},
      {"045", "Quảng Trị"},
      {"046", "Thừa Thiên Huế"},
      {"048", "Đà Nẵng"},
      {"049", "Quảng Nam"},
      {"051", "Quảng Ngãi"},
      {"052", "Bình Định"},
      {"054", "Phú Yên"},
      {"056", "Khánh Hòa"},
      {"058", "Ninh Thuận"},
      {"060", "Bình Thuận"},
      {"062", "Kon Tum"},
      {"064", "Gia Lai"},
      {"066", "Đắk Lắk"},
      {"067", "Đắk Nông"},
      {"068", "Lâm Đồng"},
      {"070", "Bình Phước"},
      {"072", "Tây Ninh"},
      {"074", "Bình Dương"},
      {"075", "Đồng Nai"},
      {"077", "Bà Rịa - Vũng Tàu"},
      {"079", "Hồ Chí Minh"},
      {"080", "Long An"},
      {"082", "Tiền Giang"},
      {"083", "Bến Tre"},
      {"084", "Trà Vinh"},
      {"086", "Vĩnh Long"},
      {"087", "Đồng Tháp"},
      {"089", "An Giang"},
      {"091", "Kiên Giang"},
      {"092", "Cần Thơ"},
      {"093", "Hậu Giang"},
      {"094", "Sóc Trăng"},
      {"095", "Bạc Liêu"},
      {"096", "Cà Mau"},
  };
  return *kProvinces;
}

std::optional<std::string> ProvinceName(absl::string_view code) {
  for (const Province& p : ProvinceCodes()) {
    if (code == p.code) return std::string(p.name);
  }
  return std::nullopt;
}

std::optional<int> CenturySexDigit(int birth_year, Gender gender) {
  if (birth_year < 1900 || birth_year > 2399) return std::nullopt;
  if (gender != Member::MALE && gender != Member::FEMALE) return std::nullopt;
  return (birth_year / 100 - 19) * 2 + (gender == Member::FEMALE ? 1 : 0);
}

std::vector<std::string> CheckNationalId(absl::string_view id, Gender gender,
                                         std::optional<absl::CivilDay> birth_date) {
  std::vector<std::string> problems;
  if (id.size() != 12 || !AllDigits(id)) {
    problems.push_back(
        absl::StrCat("must be exactly 12 digits, got \"", id, "\" (", id.size(), " characters)"));
    return problems;
  }
  const absl::string_view province = id.substr(0, 3);
  if (!ProvinceName(province).has_value()) {
    problems.push_back(absl::StrCat(
        "digits 1-3 must be a province code of birth registration (Thông tư 07/2016, 001-096), "
        "but \"",
        province, "\" is not one"));
  }
  const int digit = id[3] - '0';
  const int year_digits = (id[4] - '0') * 10 + (id[5] - '0');
  if (birth_date.has_value()) {
    const int year = static_cast<int>(birth_date->year());
    const std::optional<int> expected = CenturySexDigit(year, gender);
    if (expected.has_value()) {
      if (digit != *expected) {
        problems.push_back(absl::StrCat("digit 4 must be ", *expected, " (", CenturyName(*expected),
                                        ") but is ", digit, " (", CenturyName(digit), ")"));
      }
    } else if (year < 1900 || year > 2399) {
      problems.push_back(absl::StrCat("a birth year of ", year,
                                      " has no century digit (national IDs cover 1900-2399)"));
    } else {
      // Gender unknown: the digit must at least encode the birth century.
      const int century_digit = (year / 100 - 19) * 2;
      if (digit / 2 != century_digit / 2) {
        problems.push_back(absl::StrCat("digit 4 must be ", century_digit, " or ",
                                        century_digit + 1, " (born ", year / 100 * 100, "–",
                                        year / 100 * 100 + 99, ") but is ", digit));
      }
    }
    if (year_digits != year % 100) {
      problems.push_back(absl::StrCat("digits 5-6 must be the birth year modulo 100 (",
                                      absl::string_view(year % 100 < 10 ? "0" : ""), year % 100,
                                      " for ", year, ") but are ", id.substr(4, 2)));
    }
  } else if (gender == Member::MALE && digit % 2 != 0) {
    problems.push_back(
        absl::StrCat("digit 4 must be even for a male member (0, 2, 4, 6, 8) but is ", digit));
  } else if (gender == Member::FEMALE && digit % 2 != 1) {
    problems.push_back(
        absl::StrCat("digit 4 must be odd for a female member (1, 3, 5, 7, 9) but is ", digit));
  }
  return problems;
}

std::vector<std::string> CheckPartyCardNumber(absl::string_view number) {
  if (number.size() == 8 && AllDigits(number)) return {};
  return {absl::StrCat("must be exactly 8 digits (số thẻ đảng viên), got \"", number, "\"")};
}

std::vector<std::string> CheckMemberFileNumber(absl::string_view number) {
  const bool ok =
      number.size() >= 7 && number.size() <= 9 && AllDigits(number.substr(0, 6)) &&
      std::all_of(number.begin() + 6, number.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  if (ok) return {};
  return {absl::StrCat(
      "must be 6 digits followed by 1 to 3 uppercase letters (số lý lịch đảng viên, e.g. "
      "\"012345LA\"), got \"",
      number, "\"")};
}

absl::Status ValidateNationalId(absl::string_view id, Gender gender,
                                std::optional<absl::CivilDay> birth_date, absl::string_view field) {
  return ToStatus(CheckNationalId(id, gender, birth_date), field);
}

absl::Status ValidatePartyCardNumber(absl::string_view number, absl::string_view field) {
  return ToStatus(CheckPartyCardNumber(number), field);
}

absl::Status ValidateMemberFileNumber(absl::string_view number, absl::string_view field) {
  return ToStatus(CheckMemberFileNumber(number), field);
}

}  // namespace records::domain
