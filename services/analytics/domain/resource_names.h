// File: services/analytics/domain/resource_names.h
//
// Parsing of the resource names analytics accepts, with INVALID_ARGUMENT naming the field:
// `organizations/{org}` and `organizations/{org}/indicators/{indicator}` (ids RFC-1034:
// `[a-z]([a-z0-9-]{0,61}[a-z0-9])?`), and request ids (1 to 64 of [A-Za-z0-9_-]).
#pragma once

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace analytics {

bool IsResourceId(absl::string_view id);

// The organization id of "organizations/{org}".
absl::StatusOr<std::string> ParseOrganizationName(absl::string_view name, absl::string_view field);

struct IndicatorName {
  std::string organization;  // id
  std::string indicator;     // id, or "-" when allow_wildcard
};
absl::StatusOr<IndicatorName> ParseIndicatorName(absl::string_view name, absl::string_view field,
                                                 bool allow_wildcard = false);

std::string OrganizationName(absl::string_view org);
std::string IndicatorResourceName(absl::string_view org, absl::string_view indicator);

// OK for an empty request id (none given).
absl::Status ValidateRequestId(absl::string_view request_id, absl::string_view field);

}  // namespace analytics
