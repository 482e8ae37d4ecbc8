// File: services/records/service/member_query.h
//
// The member listing shared by ListMembers and ExportMembers: the filter and order of
// ListMembersRequest evaluated over the member indexes (keys.h). Without a name query the
// list is a range scan of one index (by name collation, by cell, by state, by admission date
// or by party card number) and the page token holds the last index key seen, so pages stay
// consistent under concurrent inserts. With name_query the candidates come from the
// folded-word index (the query's longest word as a prefix) and are ordered with exact-
// diacritic matches first; with national_id / party_card_number from the exact indexes.
//
// Thread-safety: reentrant; each scan reads one snapshot.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/cancellation.h"
#include "common/list_query.h"
#include "dangbo/records/v1/member.pb.h"
#include "services/records/service/call_context.h"
#include "services/records/storage/records_db.h"

namespace records {

namespace v1 = ::dangbo::records::v1;

struct MemberQuery {
  std::string organization;  // id
  std::vector<common::FilterTerm> terms;
  std::string order_field;  // "", "admission_date" or "party_card_number"
  bool desc = false;
};

// Parses the filter and order_by (already validated by the domain).
absl::StatusOr<MemberQuery> ParseMemberQuery(absl::string_view organization_id,
                                             absl::string_view filter, absl::string_view order_by);

// PERMISSION_DENIED when the query filters on personal data (national_id) and the caller
// lacks pii.read.
absl::Status CheckQueryPermitted(const MemberQuery& query, const CallContext& ctx);

// True when `member` satisfies every term.
bool MemberMatches(const v1::Member& member, const std::vector<common::FilterTerm>& terms);

// A page examines at most this many index entries (pages may be short, even empty, with a
// next key: AIP-158), so a call's cost does not grow with the list.
inline constexpr int kScanBudget = 10000;

struct MemberPage {
  std::vector<v1::Member> members;
  std::string next_key;  // empty: the last page
  // Matches across all pages: exact when the index alone decides the list (no filter,
  // cell, state) and it has at most kExactTotalLimit entries, or when the page saw the whole
  // list; otherwise an estimate (see ListMembersResponse.total_size).
  int total = 0;
};

// The members after `after_key` (a key from an earlier page), at most `page_size` (<= 0:
// all; name, national_id and party_card_number queries only, whose candidates are sorted in
// memory). Index range scans seek to `after_key` and examine at most kScanBudget entries.
// Every index entry and member read ticks `stop` (not null): CANCELLED or DEADLINE_EXCEEDED
// once the call has ended.
absl::StatusOr<MemberPage> ScanMembers(const RecordsDb& db, const MemberQuery& query,
                                       const std::string& after_key, int page_size,
                                       common::Cancellation* stop);

}  // namespace records
