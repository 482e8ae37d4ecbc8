// File: services/records/domain/references.h
//
// The one rule for references from a records request to ANOTHER organization or cell, checked
// against the stored target (the caller loads it; NOT_FOUND stays the caller's):
//
//  - A reference that puts something in the target from now on needs a target that can take
//    it: an ACTIVE organization (a member's transfer destination, the home organization of a
//    temporarily hosted member, a new organization's parent, a closed organization's
//    successor) or an ACTIVE cell (the cell a member joins, the cell another merges into, a
//    cell an inspection item targets). CheckActiveOrganization / CheckActiveCell.
//  - A reference in a member's history names where the member was on the event's date: the
//    target must not have ended before that date (a closed organization's valid_to, a merged
//    or dissolved cell's end_date). CheckOrganizationOn / CheckCellOn. Where a member came
//    from (ReceiveMember OFFICIAL's from_organization) is history too: the member left it
//    before it closed, since closing needs every cell ended, so a CLOSED origin is accepted.
//
// A refusal is FAILED_PRECONDITION (common::RuleViolation, subject = the resource the call
// addresses) whose message names the request field, the target, its state and since when, and
// where it went: the successor of a CLOSED organization, the cell a MERGED cell was merged
// into. ErrorInfo: the given reason; metadata "resource" (the subject), "field", "target",
// and "successor" / "mergedInto" when there is one.
//
// Pure functions; thread-safe.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/organization.pb.h"

namespace records::domain {

namespace v1 = ::dangbo::records::v1;

// Reasons of refused references (PARENT_CLOSED, SUCCESSOR_CLOSED: organization_rules.h;
// CELL_NOT_ACTIVE: cell_rules.h).
inline constexpr char kDestinationClosed[] = "DESTINATION_CLOSED";
inline constexpr char kHomeOrganizationClosed[] = "HOME_ORGANIZATION_CLOSED";
inline constexpr char kInspectionTargetNotActive[] = "INSPECTION_TARGET_NOT_ACTIVE";

// OK when `target`, named by request field `field`, is ACTIVE.
absl::Status CheckActiveOrganization(const v1::Organization& target, absl::string_view field,
                                     absl::string_view reason, absl::string_view subject);

// OK when `target`, named by request field `field`, is ACTIVE (reason CELL_NOT_ACTIVE unless
// another is given).
absl::Status CheckActiveCell(const v1::Cell& target, absl::string_view field,
                             absl::string_view subject);
absl::Status CheckActiveCell(const v1::Cell& target, absl::string_view field,
                             absl::string_view reason, absl::string_view subject);

// OK when `target` had not closed before `day` (ACTIVE, or valid_to on or after `day`).
absl::Status CheckOrganizationOn(const v1::Organization& target, absl::CivilDay day,
                                 absl::string_view field, absl::string_view reason,
                                 absl::string_view subject);

// OK when `target` had not ended before `day` (ACTIVE, or end_date on or after `day`); reason
// CELL_NOT_ACTIVE.
absl::Status CheckCellOn(const v1::Cell& target, absl::CivilDay day, absl::string_view field,
                         absl::string_view subject);

}  // namespace records::domain
