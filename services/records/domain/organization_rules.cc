#include "services/records/domain/organization_rules.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "services/records/domain/dates.h"
#include "services/records/domain/references.h"
#include "services/records/domain/update_mask.h"

namespace records::domain {

absl::Status CheckOrganizationWritable(const v1::Organization& organization) {
  if (organization.state() != v1::Organization::CLOSED) return absl::OkStatus();
  return common::RuleViolation(
      kOrganizationClosed, organization.name(),
      absl::StrCat("the organization ", organization.name(), " was closed on ",
                   FormatDmy(organization.valid_to()),
                   "; a CLOSED organization and everything under it are read-only"));
}

absl::StatusOr<v1::Organization> NewOrganization(const v1::CreateOrganizationRequest& request,
                                                 const v1::Organization* parent,
                                                 const google::protobuf::Timestamp& now) {
  const std::string name = absl::StrCat("organizations/", request.organization_id());
  if (parent != nullptr) {
    if (absl::Status s =
            CheckActiveOrganization(*parent, "organization.parent", kParentClosed, name);
        !s.ok()) {
      return s;
    }
  }
  v1::Organization o = request.organization();
  o.set_name(name);
  o.set_state(v1::Organization::ACTIVE);
  o.clear_valid_to();
  o.clear_successor();
  o.clear_etag();
  *o.mutable_create_time() = now;
  *o.mutable_update_time() = now;
  return o;
}

absl::StatusOr<v1::Organization> UpdateOrganization(const v1::Organization& current,
                                                    const v1::UpdateOrganizationRequest& request,
                                                    const google::protobuf::Timestamp& now) {
  if (absl::Status s = CheckOrganizationWritable(current); !s.ok()) return s;
  UpdatePolicy policy;
  policy.updatable = {"code", "display_name", "region", "managed_provinces", "valid_from"};
  policy.immutable = {"parent"};
  policy.output_only = {"name",        "valid_to",    "successor", "state",
                        "create_time", "update_time", "etag"};
  policy.resource_field = "organization";
  absl::StatusOr<std::vector<std::string>> paths =
      ResolveUpdatePaths(current, request.organization(), request.update_mask(), policy);
  if (!paths.ok()) return paths.status();
  v1::Organization out = current;
  ApplyUpdatePaths(request.organization(), *paths, &out);
  if (IsSet(out.valid_to()) && IsValidDate(out.valid_from()) &&
      FormatIso(out.valid_from()) > FormatIso(out.valid_to())) {
    return common::InvalidField(
        "organization.valid_from",
        absl::StrCat("must not be after valid_to ", FormatDmy(out.valid_to())));
  }
  *out.mutable_update_time() = now;
  return out;
}

absl::StatusOr<v1::Organization> CloseOrganization(const v1::Organization& current,
                                                   const v1::CloseOrganizationRequest& request,
                                                   int active_cells,
                                                   const v1::Organization* successor,
                                                   const google::protobuf::Timestamp& now) {
  if (absl::Status s = CheckOrganizationWritable(current); !s.ok()) return s;
  if (!request.successor().empty() && request.successor() == current.name()) {
    return common::InvalidField("successor", "must not be the organization itself");
  }
  if (IsValidDate(current.valid_from()) && IsValidDate(request.valid_to()) &&
      FormatIso(request.valid_to()) < FormatIso(current.valid_from())) {
    return common::InvalidField(
        "valid_to", absl::StrCat("must not be before valid_from ", FormatDmy(current.valid_from()),
                                 ", got ", FormatDmy(request.valid_to())));
  }
  if (active_cells > 0) {
    return common::RuleViolation(
        kActiveCellsRemain, current.name(),
        absl::StrCat("the organization still has ", active_cells,
                     " ACTIVE cell(s); every cell must be MERGED or DISSOLVED before the "
                     "organization is closed"));
  }
  if (successor != nullptr) {
    if (absl::Status s =
            CheckActiveOrganization(*successor, "successor", kSuccessorClosed, current.name());
        !s.ok()) {
      return s;
    }
  }
  v1::Organization out = current;
  out.set_state(v1::Organization::CLOSED);
  *out.mutable_valid_to() = request.valid_to();
  out.set_successor(request.successor());
  *out.mutable_update_time() = now;
  return out;
}

}  // namespace records::domain
