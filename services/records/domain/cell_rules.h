// File: services/records/domain/cell_rules.h
//
// Rules of cells decidable from the resources passed in (validation.h has the request-alone
// checks; call it first). FAILED_PRECONDITION (common::RuleViolation) with the reasons below;
// INVALID_ARGUMENT for masks and request/resource mismatches. Existence, uniqueness of
// display_name among ACTIVE cells, headcounts and etags are the caller's. Pure, thread-safe.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/member.pb.h"
#include "dangbo/records/v1/organization.pb.h"
#include "dangbo/records/v1/records_service.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace records::domain {

namespace v1 = ::dangbo::records::v1;

inline constexpr char kCellNotWritable[] = "CELL_NOT_ACTIVE";  // MERGED / DISSOLVED
inline constexpr char kCellBeforeOrganization[] = "CELL_BEFORE_ORGANIZATION";
inline constexpr char kMembersRemain[] = "CELL_MEMBERS_REMAIN";
inline constexpr char kCommitteeMemberNotEligible[] = "COMMITTEE_MEMBER_NOT_ELIGIBLE";
inline constexpr char kCellNotExistingInYear[] = "CELL_NOT_EXISTING_IN_YEAR";
inline constexpr char kCellYearAlreadyRated[] = "CELL_YEAR_ALREADY_RATED";  // ALREADY_EXISTS
inline constexpr char kMergeTargetInvalid[] = "MERGE_TARGET_INVALID";
inline constexpr char kEndBeforeEstablished[] = "END_BEFORE_ESTABLISHED";

// FAILED_PRECONDITION CELL_NOT_ACTIVE for a MERGED or DISSOLVED cell (read-only).
absl::Status CheckCellWritable(const v1::Cell& cell);

// The new cell: name "{parent}/cells/{cell_id}", state ACTIVE, OUTPUT_ONLY fields cleared,
// headcount 0, times = `now`. `organization` is the parent: CLOSED -> ORGANIZATION_CLOSED;
// established_date before its valid_from -> CELL_BEFORE_ORGANIZATION.
absl::StatusOr<v1::Cell> NewCell(const v1::CreateCellRequest& request,
                                 const v1::Organization& organization,
                                 const google::protobuf::Timestamp& now);

// `current` with display_name / established_date updated (mask as AIP-134; OUTPUT_ONLY paths
// ignored; others INVALID_ARGUMENT). Not ACTIVE: CELL_NOT_ACTIVE; established_date before
// the organization's valid_from: CELL_BEFORE_ORGANIZATION.
absl::StatusOr<v1::Cell> UpdateCell(const v1::Cell& current, const v1::UpdateCellRequest& request,
                                    const v1::Organization& organization,
                                    const google::protobuf::Timestamp& now);

// The merged cell (state MERGED, merged_into, end_date, end_decision, committee cleared).
// Both cells must be ACTIVE (CELL_NOT_ACTIVE; for the target, references.h: a target merged
// itself is named with the cell it went into); the target must be another cell of the same
// organization (INVALID_ARGUMENT on "merged_into"); effective_date not before established
// (END_BEFORE_ESTABLISHED). Members are moved with MoveMemberForMerge (member_rules.h).
absl::StatusOr<v1::Cell> MergeCell(const v1::Cell& current, const v1::Cell& target,
                                   const v1::MergeCellRequest& request,
                                   const google::protobuf::Timestamp& now);

// The dissolved cell. ACTIVE only; `members_on_lists` (counted or hosted members whose cell it
// is) must be 0 (CELL_MEMBERS_REMAIN).
absl::StatusOr<v1::Cell> DissolveCell(const v1::Cell& current,
                                      const v1::DissolveCellRequest& request, int members_on_lists,
                                      const google::protobuf::Timestamp& now);

// The cell with the new committee (decision and effective_date from the request). `people`
// are the stored members named in the committee (any order); every named member must be among
// them (NOT_FOUND naming the member otherwise) and be a FULL member whose cell is this cell
// (COMMITTEE_MEMBER_NOT_ELIGIBLE: probationary members cannot hold elected posts; a member
// temporarily away or hosted is not on this cell's active list). Duplicates are checked by
// Validate (INVALID_ARGUMENT).
absl::StatusOr<v1::Cell> SetCellCommittee(const v1::Cell& current,
                                          const v1::SetCellCommitteeRequest& request,
                                          const std::vector<const v1::Member*>& people,
                                          const google::protobuf::Timestamp& now);

// The cell with the year's rating (ratings kept ordered by year). The cell must be ACTIVE
// (MERGED/DISSOLVED cells are read-only: CELL_NOT_ACTIVE) and have existed in that year
// (established_date's year <= year: CELL_NOT_EXISTING_IN_YEAR); a rated year without
// replace_existing is ALREADY_EXISTS (CELL_YEAR_ALREADY_RATED).
absl::StatusOr<v1::Cell> RateCell(const v1::Cell& current, const v1::RateCellRequest& request,
                                  const google::protobuf::Timestamp& now);

// Removes `member` from the cell's committee (a member leaving the cell's active list); true
// when something changed. The secretary post becomes empty; the caller keeps the committee
// otherwise as is.
bool RemoveFromCommittee(v1::Cell* cell, absl::string_view member);

}  // namespace records::domain
