#include "services/analytics/domain/stat_fields.h"

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace analytics {

std::string OrganizationIdOf(const std::string& resource_name) {
  constexpr absl::string_view kPrefix = "organizations/";
  if (!absl::StartsWith(resource_name, kPrefix)) return "";
  const size_t end = resource_name.find('/', kPrefix.size());
  return resource_name.substr(kPrefix.size(),
                              end == std::string::npos ? std::string::npos : end - kPrefix.size());
}

}  // namespace analytics
