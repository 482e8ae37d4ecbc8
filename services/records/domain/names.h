// File: services/records/domain/names.h
//
// Resource names of the records service (AIP-122):
//   organizations/{organization}
//   organizations/{organization}/cells/{cell}
//   organizations/{organization}/members/{member}
//   organizations/{organization}/inspectionPlans/{inspection_plan}
// Every id is RFC-1034: `[a-z]([a-z0-9-]{0,61}[a-z0-9])?`.
//
// Parse* return INVALID_ARGUMENT (common::InvalidField) naming the request field given as
// `field` ("name", "parent", "member.cell", ...) and the expected pattern. Pure, thread-safe.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace records::domain {

// True when `id` matches `[a-z]([a-z0-9-]{0,61}[a-z0-9])?`.
bool IsValidResourceId(absl::string_view id);

// OK, or INVALID_ARGUMENT naming `field` and the RFC-1034 rule.
absl::Status ValidateResourceId(absl::string_view id, absl::string_view field);

struct OrganizationName {
  std::string organization;    // the id
  std::string Format() const;  // "organizations/{organization}"
};

struct CellName {
  std::string organization;
  std::string cell;
  std::string Parent() const;  // "organizations/{organization}"
  std::string Format() const;  // "organizations/{organization}/cells/{cell}"
};

struct MemberName {
  std::string organization;
  std::string member;
  std::string Parent() const;
  std::string Format() const;  // "organizations/{organization}/members/{member}"
};

struct InspectionPlanName {
  std::string organization;
  std::string inspection_plan;
  std::string Parent() const;
  std::string Format() const;  // "organizations/{organization}/inspectionPlans/{plan}"
};

absl::StatusOr<OrganizationName> ParseOrganizationName(absl::string_view name,
                                                       absl::string_view field);
absl::StatusOr<CellName> ParseCellName(absl::string_view name, absl::string_view field);
absl::StatusOr<MemberName> ParseMemberName(absl::string_view name, absl::string_view field);
absl::StatusOr<InspectionPlanName> ParseInspectionPlanName(absl::string_view name,
                                                           absl::string_view field);

// An inspection item's target: a cell or a member.
struct InspectionTarget {
  enum class Kind { kCell, kMember };
  Kind kind;
  std::string organization;
  std::string id;  // cell or member id
};
absl::StatusOr<InspectionTarget> ParseInspectionTarget(absl::string_view name,
                                                       absl::string_view field);

// Formatting from ids (no validation).
std::string OrganizationNameOf(absl::string_view organization);
std::string CellNameOf(absl::string_view organization, absl::string_view cell);
std::string MemberNameOf(absl::string_view organization, absl::string_view member);
std::string InspectionPlanNameOf(absl::string_view organization, absl::string_view plan);

// The "organizations/{organization}" prefix of any records resource name; empty when `name`
// does not start with "organizations/{id}".
std::string OrganizationOf(absl::string_view name);

}  // namespace records::domain
