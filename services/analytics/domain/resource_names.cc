#include "services/analytics/domain/resource_names.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"

namespace analytics {

bool IsResourceId(absl::string_view id) {
  if (id.empty() || id.size() > 63 || !(id.front() >= 'a' && id.front() <= 'z')) return false;
  if (id.back() == '-') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

absl::StatusOr<std::string> ParseOrganizationName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != "organizations" || !IsResourceId(parts[1])) {
    return common::InvalidField(
        field, absl::StrCat("must be an organization name \"organizations/{id}\" with an "
                            "RFC-1034 id (e.g. \"organizations/hq-long-an\"); got \"",
                            name.substr(0, 100), "\""));
  }
  return std::string(parts[1]);
}

absl::StatusOr<IndicatorName> ParseIndicatorName(absl::string_view name, absl::string_view field,
                                                 bool allow_wildcard) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  const bool ok = parts.size() == 4 && parts[0] == "organizations" && IsResourceId(parts[1]) &&
                  parts[2] == "indicators" &&
                  (IsResourceId(parts[3]) || (allow_wildcard && parts[3] == "-"));
  if (!ok) {
    return common::InvalidField(
        field,
        absl::StrCat("must be an indicator name \"organizations/{organization}/indicators/"
                     "{indicator}\" with RFC-1034 ids",
                     allow_wildcard ? " (or \"-\" for all indicators)" : "",
                     " (e.g. \"organizations/hq-long-an/indicators/state-budget-revenue\"); got \"",
                     name.substr(0, 100), "\""));
  }
  return IndicatorName{std::string(parts[1]), std::string(parts[3])};
}

std::string OrganizationName(absl::string_view org) { return absl::StrCat("organizations/", org); }

std::string IndicatorResourceName(absl::string_view org, absl::string_view indicator) {
  return absl::StrCat("organizations/", org, "/indicators/", indicator);
}

absl::Status ValidateRequestId(absl::string_view request_id, absl::string_view field) {
  if (request_id.empty()) return absl::OkStatus();
  bool ok = request_id.size() <= 64;
  for (char c : request_id) {
    ok &= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_';
  }
  if (!ok) return common::InvalidField(field, "must be 1 to 64 characters of [A-Za-z0-9_-]");
  return absl::OkStatus();
}

}  // namespace analytics
