// File: services/records/storage/keys.h
//
// Every RocksDB key records writes, in one place. Keys are tuples encoded so that byte order
// (RocksDB's default comparator) is the tuple's order, which makes every list a range scan:
//   - strings: bytes with 0x00 escaped as 0x00 0xFF, terminated by 0x00 0x01 (so "a" < "ab"
//     and a string is never a prefix of a longer string's encoding plus a following field);
//   - unsigned integers: big-endian, fixed width; civil dates: uint32 yyyymmdd.
// Index keys (column family "index") start with one byte naming the index.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace records::keys {

// Column families of the records database.
inline constexpr char kOrganizations[] = "organizations";
inline constexpr char kCells[] = "cells";
inline constexpr char kMembers[] = "members";
inline constexpr char kInspectionPlans[] = "inspection_plans";
// Party dues: rate tables, members' bases and payments, cells' remittances (one kind byte
// first, see DuesKind).
inline constexpr char kDues[] = "dues";
inline constexpr char kMeetings[] = "meetings";
inline constexpr char kIndex[] = "index";
inline constexpr char kChanges[] = "changes";
inline constexpr char kAudit[] = "audit";
inline constexpr char kRequests[] = "requests";
inline constexpr char kMeta[] = "meta";

// --- Order-preserving primitives -------------------------------------------------------

void AppendString(std::string* out, absl::string_view value);
void AppendUint64(std::string* out, uint64_t value);
void AppendUint32(std::string* out, uint32_t value);
void AppendByte(std::string* out, uint8_t value);

// Each Consume* reads one field from the front of `in` and advances it; false when `in`
// does not start with a well-formed field (nothing is consumed then).
bool ConsumeString(absl::string_view* in, std::string* value);
bool ConsumeUint64(absl::string_view* in, uint64_t* value);
bool ConsumeUint32(absl::string_view* in, uint32_t* value);
bool ConsumeByte(absl::string_view* in, uint8_t* value);

// The smallest key greater than every key starting with `prefix` ("" when there is none,
// i.e. the prefix is all 0xFF): the exclusive upper bound of a prefix scan.
std::string PrefixSuccessor(absl::string_view prefix);

// yyyymmdd; 0 for an unset date.
uint32_t DateNumber(int year, int month, int day);

// --- Resources (value: revision envelope + serialized proto, see revision.h) -----------

std::string OrganizationKey(absl::string_view organization_id);
std::string CellKey(absl::string_view organization_id, absl::string_view cell_id);
std::string CellPrefix(absl::string_view organization_id);
std::string MemberKey(absl::string_view organization_id, absl::string_view member_id);
std::string MemberPrefix(absl::string_view organization_id);
std::string InspectionPlanKey(absl::string_view organization_id, absl::string_view plan_id);
std::string InspectionPlanPrefix(absl::string_view organization_id);

// Dues resources, each kind under its own first byte:
//   rate tables (org, table id); bases and payments (org, member id, yyyymm);
//   remittances (org, cell id, yyyymm).
enum class DuesKind : uint8_t { kRateTable = 1, kBasis = 2, kPayment = 3, kRemittance = 4 };
// yyyymm of a dues month.
uint32_t MonthNumber(int year, int month);
std::string DuesRateTableKey(absl::string_view organization_id, absl::string_view table_id);
std::string DuesRateTablePrefix(absl::string_view organization_id);
// kBasis or kPayment: one member's months.
std::string MemberMonthKey(DuesKind kind, absl::string_view organization_id,
                           absl::string_view member_id, uint32_t month_number);
std::string MemberMonthPrefix(DuesKind kind, absl::string_view organization_id,
                              absl::string_view member_id);
std::string DuesRemittanceKey(absl::string_view organization_id, absl::string_view cell_id,
                              uint32_t month_number);
std::string DuesRemittancePrefix(absl::string_view organization_id, absl::string_view cell_id);
// Meetings (cf "meetings"): (org, cell id, meeting id).
std::string MeetingKey(absl::string_view organization_id, absl::string_view cell_id,
                       absl::string_view meeting_id);
std::string MeetingPrefix(absl::string_view organization_id, absl::string_view cell_id);

// --- Logs ------------------------------------------------------------------------------

// Change log and audit log: the sequence, big-endian.
std::string SequenceKey(uint64_t sequence);
bool ParseSequenceKey(absl::string_view key, uint64_t* sequence);

// request_id records ('r' + id) and their expiry index ('t' + micros + id), cf "requests".
std::string RequestKey(absl::string_view request_id);
std::string RequestTimeKey(int64_t unix_micros, absl::string_view request_id);
std::string RequestTimePrefix();
bool ParseRequestTimeKey(absl::string_view key, int64_t* unix_micros, std::string* request_id);

// Meta records.
inline constexpr char kMetaIdentity[] = "identity";
inline constexpr char kMetaSchema[] = "schema_version";
inline constexpr char kMetaLogId[] = "log_id";
inline constexpr char kMetaFirstRetained[] = "first_retained_sequence";
inline constexpr char kMetaLastSequence[] = "last_sequence";
inline constexpr char kMetaLastCommitTime[] = "last_commit_micros";
inline constexpr char kMetaLastAuditSequence[] = "last_audit_sequence";
// common::TextRulesVersion() of the indexes keyed by folded or collated text.
inline constexpr char kMetaTextRules[] = "text_rules_version";

// --- Indexes (cf "index") ----------------------------------------------------------------
// Values: the member id for kMember* indexes (kMemberByCell: one state byte, then the id),
// the resource name for kOrganizationCode, kActiveCellName and kUnique*.

enum class Index : uint8_t {
  // Unique organization code -> organization name.
  kOrganizationCode = 1,
  // (org, common::FoldCase(display_name)) of ACTIVE cells -> cell name. Unique: names that
  // differ only by case or white space are the same name. (Schema 1 keyed the display name as
  // written; RecordsDb::Open rebuilds these entries.)
  kActiveCellName = 2,
  // (org, collation key, member id): every member of the organization, default order.
  kMemberByName = 3,
  // (org, cell id, collation key, member id): members whose cell it is now.
  kMemberByCell = 4,
  // (org, state, collation key, member id).
  kMemberByState = 5,
  // (org, folded word, 0x00, member id): one entry per word of the folded full name; a
  // raw (unescaped) word so that a query word is a prefix scan.
  kMemberNameWord = 6,
  // (org, admission yyyymmdd, member id).
  kMemberByAdmission = 7,
  // (org, party card number, member id).
  kMemberByCard = 8,
  // Unique identifiers (global) -> member name.
  kUniqueNationalId = 9,
  kUniquePartyCard = 10,
  kUniqueMemberFile = 11,
  // (org, cell id, member id): every member whose history names the cell (its current cell
  // and every to_cell an event or a correction names), so every member ever in the cell
  // (headcount as of a past date replays these members' histories). Never deleted.
  kMemberEverInCell = 12,
  // (org, cell id, yyyymm, member id) -> the payment's key: the dues payments recorded
  // at a cell (the cell stays the one recorded, whatever the member does later).
  kDuesPaymentByCell = 13,
};

std::string IndexPrefix(Index index);
std::string IndexPrefix(Index index, absl::string_view organization_id);

std::string OrganizationCodeKey(absl::string_view code);
std::string ActiveCellNameKey(absl::string_view organization_id, absl::string_view display_name);
std::string MemberByNameKey(absl::string_view organization_id, absl::string_view collation_key,
                            absl::string_view member_id);
std::string MemberByCellKey(absl::string_view organization_id, absl::string_view cell_id,
                            absl::string_view collation_key, absl::string_view member_id);
std::string MemberByCellPrefix(absl::string_view organization_id, absl::string_view cell_id);
std::string MemberByStateKey(absl::string_view organization_id, uint8_t state,
                             absl::string_view collation_key, absl::string_view member_id);
std::string MemberByStatePrefix(absl::string_view organization_id, uint8_t state);
std::string MemberNameWordKey(absl::string_view organization_id, absl::string_view folded_word,
                              absl::string_view member_id);
std::string MemberNameWordPrefix(absl::string_view organization_id,
                                 absl::string_view folded_word_prefix);
std::string MemberByAdmissionKey(absl::string_view organization_id, uint32_t date_number,
                                 absl::string_view member_id);
std::string MemberByCardKey(absl::string_view organization_id, absl::string_view card,
                            absl::string_view member_id);
std::string UniqueKey(Index index, absl::string_view value);
std::string MemberEverInCellKey(absl::string_view organization_id, absl::string_view cell_id,
                                absl::string_view member_id);
std::string MemberEverInCellPrefix(absl::string_view organization_id, absl::string_view cell_id);
std::string DuesPaymentByCellKey(absl::string_view organization_id, absl::string_view cell_id,
                                 uint32_t month_number, absl::string_view member_id);
// The cell's entries of one month (month_number != 0) or of every month.
std::string DuesPaymentByCellPrefix(absl::string_view organization_id, absl::string_view cell_id,
                                    uint32_t month_number = 0);

}  // namespace records::keys
