// File: common/permissions.h
//
// The one table that says which permission each RPC needs, for both services. An RPC
// missing from the table is refused (PERMISSION_DENIED), never open; a test walks every
// method in the services' descriptors and fails on a missing entry.
//
// Open methods (empty permission): the health service, for Kubernetes probes. Reflection is
// served only when --reflection is on (common/server.h) and is then open.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace common {

// Full method name ("/dangbo.records.v1.RecordsService/GetMember") -> permission ("" = open).
const std::map<std::string, std::string, std::less<>>& MethodPermissions();

// The permission `full_method` needs; NOT_FOUND when the table has no entry.
absl::StatusOr<std::string> PermissionFor(absl::string_view full_method);

}  // namespace common
