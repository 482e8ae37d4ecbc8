// File: services/records/domain/organization_rules.h
//
// Rules of organizations decidable from the resources passed in (validation.h has the
// request-alone checks; call it first). FAILED_PRECONDITION (common::RuleViolation) with the
// reasons below; INVALID_ARGUMENT for update masks. Existence, uniqueness of code and etags are
// the caller's. Pure, thread-safe.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "dangbo/records/v1/organization.pb.h"
#include "dangbo/records/v1/records_service.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace records::domain {

namespace v1 = ::dangbo::records::v1;

inline constexpr char kOrganizationClosed[] = "ORGANIZATION_CLOSED";
inline constexpr char kActiveCellsRemain[] = "ACTIVE_CELLS_REMAIN";
inline constexpr char kSuccessorClosed[] = "SUCCESSOR_CLOSED";
inline constexpr char kValidToBeforeValidFrom[] = "VALID_TO_BEFORE_VALID_FROM";
inline constexpr char kParentClosed[] = "PARENT_CLOSED";

// FAILED_PRECONDITION ORGANIZATION_CLOSED when `organization` is CLOSED (it and everything
// under it are read-only).
absl::Status CheckOrganizationWritable(const v1::Organization& organization);

// The new organization: request fields, name "organizations/{organization_id}", state ACTIVE,
// OUTPUT_ONLY fields cleared, create/update time = `now`. `parent` is the stored parent when
// the request names one (null otherwise): it must be ACTIVE (PARENT_CLOSED, naming its
// successor: references.h).
absl::StatusOr<v1::Organization> NewOrganization(const v1::CreateOrganizationRequest& request,
                                                 const v1::Organization* parent,
                                                 const google::protobuf::Timestamp& now);

// `current` with the update applied (paths: code, display_name, region, managed_provinces,
// valid_from; parent IMMUTABLE; OUTPUT_ONLY paths ignored). CLOSED: ORGANIZATION_CLOSED.
// valid_from after a set valid_to is INVALID_ARGUMENT. update_time = `now`.
absl::StatusOr<v1::Organization> UpdateOrganization(const v1::Organization& current,
                                                    const v1::UpdateOrganizationRequest& request,
                                                    const google::protobuf::Timestamp& now);

// CLOSED with valid_to and successor. Rules: not already CLOSED (ORGANIZATION_CLOSED); no
// ACTIVE cell (`active_cells` > 0: ACTIVE_CELLS_REMAIN); valid_to not before valid_from
// (INVALID_ARGUMENT); successor ≠ itself (INVALID_ARGUMENT) and, when given (`successor`
// non-null), ACTIVE (SUCCESSOR_CLOSED, naming the successor's own successor: references.h).
absl::StatusOr<v1::Organization> CloseOrganization(const v1::Organization& current,
                                                   const v1::CloseOrganizationRequest& request,
                                                   int active_cells,
                                                   const v1::Organization* successor,
                                                   const google::protobuf::Timestamp& now);

}  // namespace records::domain
