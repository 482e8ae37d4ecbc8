#include "services/records/storage/keys.h"

namespace records::keys {
namespace {

std::string WithIndex(Index index) { return std::string(1, static_cast<char>(index)); }

std::string OrgScoped(Index index, absl::string_view organization_id) {
  std::string key = WithIndex(index);
  AppendString(&key, organization_id);
  return key;
}

}  // namespace

void AppendString(std::string* out, absl::string_view value) {
  for (char c : value) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xff');
  }
  out->push_back('\0');
  out->push_back('\x01');
}

void AppendUint64(std::string* out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

void AppendUint32(std::string* out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

void AppendByte(std::string* out, uint8_t value) { out->push_back(static_cast<char>(value)); }

bool ConsumeString(absl::string_view* in, std::string* value) {
  std::string result;
  for (size_t i = 0; i < in->size(); ++i) {
    const char c = (*in)[i];
    if (c != '\0') {
      result.push_back(c);
      continue;
    }
    if (i + 1 >= in->size()) return false;
    const char next = (*in)[i + 1];
    if (next == '\x01') {
      in->remove_prefix(i + 2);
      *value = std::move(result);
      return true;
    }
    if (next != '\xff') return false;
    result.push_back('\0');
    ++i;
  }
  return false;
}

bool ConsumeUint64(absl::string_view* in, uint64_t* value) {
  if (in->size() < 8) return false;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>((*in)[i]);
  in->remove_prefix(8);
  *value = v;
  return true;
}

bool ConsumeUint32(absl::string_view* in, uint32_t* value) {
  if (in->size() < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>((*in)[i]);
  in->remove_prefix(4);
  *value = v;
  return true;
}

bool ConsumeByte(absl::string_view* in, uint8_t* value) {
  if (in->empty()) return false;
  *value = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  return true;
}

std::string PrefixSuccessor(absl::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    unsigned char last = static_cast<unsigned char>(s.back());
    if (last != 0xff) {
      s.back() = static_cast<char>(last + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

uint32_t DateNumber(int year, int month, int day) {
  if (year <= 0) return 0;
  return static_cast<uint32_t>(year * 10000 + month * 100 + day);
}

std::string OrganizationKey(absl::string_view organization_id) {
  std::string key;
  AppendString(&key, organization_id);
  return key;
}

std::string CellKey(absl::string_view organization_id, absl::string_view cell_id) {
  std::string key = CellPrefix(organization_id);
  AppendString(&key, cell_id);
  return key;
}
std::string CellPrefix(absl::string_view organization_id) {
  return OrganizationKey(organization_id);
}

std::string MemberKey(absl::string_view organization_id, absl::string_view member_id) {
  std::string key = MemberPrefix(organization_id);
  AppendString(&key, member_id);
  return key;
}
std::string MemberPrefix(absl::string_view organization_id) {
  return OrganizationKey(organization_id);
}

std::string InspectionPlanKey(absl::string_view organization_id, absl::string_view plan_id) {
  std::string key = InspectionPlanPrefix(organization_id);
  AppendString(&key, plan_id);
  return key;
}
std::string InspectionPlanPrefix(absl::string_view organization_id) {
  return OrganizationKey(organization_id);
}

uint32_t MonthNumber(int year, int month) {
  return static_cast<uint32_t>(year) * 100 + static_cast<uint32_t>(month);
}

namespace {
std::string DuesScoped(DuesKind kind, absl::string_view organization_id) {
  std::string key;
  AppendByte(&key, static_cast<uint8_t>(kind));
  AppendString(&key, organization_id);
  return key;
}
}  // namespace

std::string DuesRateTableKey(absl::string_view organization_id, absl::string_view table_id) {
  std::string key = DuesRateTablePrefix(organization_id);
  AppendString(&key, table_id);
  return key;
}
std::string DuesRateTablePrefix(absl::string_view organization_id) {
  return DuesScoped(DuesKind::kRateTable, organization_id);
}
std::string MemberMonthKey(DuesKind kind, absl::string_view organization_id,
                           absl::string_view member_id, uint32_t month_number) {
  std::string key = MemberMonthPrefix(kind, organization_id, member_id);
  AppendUint32(&key, month_number);
  return key;
}
std::string MemberMonthPrefix(DuesKind kind, absl::string_view organization_id,
                              absl::string_view member_id) {
  std::string key = DuesScoped(kind, organization_id);
  AppendString(&key, member_id);
  return key;
}
std::string DuesRemittanceKey(absl::string_view organization_id, absl::string_view cell_id,
                              uint32_t month_number) {
  std::string key = DuesRemittancePrefix(organization_id, cell_id);
  AppendUint32(&key, month_number);
  return key;
}
std::string DuesRemittancePrefix(absl::string_view organization_id, absl::string_view cell_id) {
  std::string key = DuesScoped(DuesKind::kRemittance, organization_id);
  AppendString(&key, cell_id);
  return key;
}
std::string MeetingKey(absl::string_view organization_id, absl::string_view cell_id,
                       absl::string_view meeting_id) {
  std::string key = MeetingPrefix(organization_id, cell_id);
  AppendString(&key, meeting_id);
  return key;
}
std::string MeetingPrefix(absl::string_view organization_id, absl::string_view cell_id) {
  std::string key = OrganizationKey(organization_id);
  AppendString(&key, cell_id);
  return key;
}

std::string SequenceKey(uint64_t sequence) {
  std::string key;
  AppendUint64(&key, sequence);
  return key;
}

bool ParseSequenceKey(absl::string_view key, uint64_t* sequence) {
  return key.size() == 8 && ConsumeUint64(&key, sequence);
}

std::string RequestKey(absl::string_view request_id) {
  std::string key = "r";
  AppendString(&key, request_id);
  return key;
}

std::string RequestTimeKey(int64_t unix_micros, absl::string_view request_id) {
  std::string key = RequestTimePrefix();
  AppendUint64(&key, static_cast<uint64_t>(unix_micros < 0 ? 0 : unix_micros));
  AppendString(&key, request_id);
  return key;
}

std::string RequestTimePrefix() { return "t"; }

bool ParseRequestTimeKey(absl::string_view key, int64_t* unix_micros, std::string* request_id) {
  if (key.empty() || key[0] != 't') return false;
  key.remove_prefix(1);
  uint64_t micros = 0;
  if (!ConsumeUint64(&key, &micros) || !ConsumeString(&key, request_id) || !key.empty()) {
    return false;
  }
  *unix_micros = static_cast<int64_t>(micros);
  return true;
}

std::string IndexPrefix(Index index) { return WithIndex(index); }
std::string IndexPrefix(Index index, absl::string_view organization_id) {
  return OrgScoped(index, organization_id);
}

std::string OrganizationCodeKey(absl::string_view code) {
  std::string key = WithIndex(Index::kOrganizationCode);
  AppendString(&key, code);
  return key;
}

std::string ActiveCellNameKey(absl::string_view organization_id, absl::string_view display_name) {
  std::string key = OrgScoped(Index::kActiveCellName, organization_id);
  AppendString(&key, display_name);
  return key;
}

std::string MemberByNameKey(absl::string_view organization_id, absl::string_view collation_key,
                            absl::string_view member_id) {
  std::string key = OrgScoped(Index::kMemberByName, organization_id);
  AppendString(&key, collation_key);
  AppendString(&key, member_id);
  return key;
}

std::string MemberByCellPrefix(absl::string_view organization_id, absl::string_view cell_id) {
  std::string key = OrgScoped(Index::kMemberByCell, organization_id);
  AppendString(&key, cell_id);
  return key;
}

std::string MemberByCellKey(absl::string_view organization_id, absl::string_view cell_id,
                            absl::string_view collation_key, absl::string_view member_id) {
  std::string key = MemberByCellPrefix(organization_id, cell_id);
  AppendString(&key, collation_key);
  AppendString(&key, member_id);
  return key;
}

std::string MemberByStatePrefix(absl::string_view organization_id, uint8_t state) {
  std::string key = OrgScoped(Index::kMemberByState, organization_id);
  AppendByte(&key, state);
  return key;
}

std::string MemberByStateKey(absl::string_view organization_id, uint8_t state,
                             absl::string_view collation_key, absl::string_view member_id) {
  std::string key = MemberByStatePrefix(organization_id, state);
  AppendString(&key, collation_key);
  AppendString(&key, member_id);
  return key;
}

std::string MemberNameWordKey(absl::string_view organization_id, absl::string_view folded_word,
                              absl::string_view member_id) {
  std::string key = MemberNameWordPrefix(organization_id, folded_word);
  key.push_back('\0');
  AppendString(&key, member_id);
  return key;
}

std::string MemberNameWordPrefix(absl::string_view organization_id,
                                 absl::string_view folded_word_prefix) {
  std::string key = OrgScoped(Index::kMemberNameWord, organization_id);
  key.append(folded_word_prefix.data(), folded_word_prefix.size());
  return key;
}

std::string MemberByAdmissionKey(absl::string_view organization_id, uint32_t date_number,
                                 absl::string_view member_id) {
  std::string key = OrgScoped(Index::kMemberByAdmission, organization_id);
  AppendUint32(&key, date_number);
  AppendString(&key, member_id);
  return key;
}

std::string MemberByCardKey(absl::string_view organization_id, absl::string_view card,
                            absl::string_view member_id) {
  std::string key = OrgScoped(Index::kMemberByCard, organization_id);
  AppendString(&key, card);
  AppendString(&key, member_id);
  return key;
}

std::string UniqueKey(Index index, absl::string_view value) {
  std::string key = WithIndex(index);
  AppendString(&key, value);
  return key;
}

std::string MemberEverInCellPrefix(absl::string_view organization_id, absl::string_view cell_id) {
  std::string key = OrgScoped(Index::kMemberEverInCell, organization_id);
  AppendString(&key, cell_id);
  return key;
}

std::string MemberEverInCellKey(absl::string_view organization_id, absl::string_view cell_id,
                                absl::string_view member_id) {
  std::string key = MemberEverInCellPrefix(organization_id, cell_id);
  AppendString(&key, member_id);
  return key;
}

std::string DuesPaymentByCellPrefix(absl::string_view organization_id, absl::string_view cell_id,
                                    uint32_t month_number) {
  std::string key = OrgScoped(Index::kDuesPaymentByCell, organization_id);
  AppendString(&key, cell_id);
  if (month_number != 0) AppendUint32(&key, month_number);
  return key;
}

std::string DuesPaymentByCellKey(absl::string_view organization_id, absl::string_view cell_id,
                                 uint32_t month_number, absl::string_view member_id) {
  std::string key = DuesPaymentByCellPrefix(organization_id, cell_id, month_number);
  AppendString(&key, member_id);
  return key;
}

}  // namespace records::keys
