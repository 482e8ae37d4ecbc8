#include "services/records/domain/names.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"

namespace records::domain {
namespace {

constexpr absl::string_view kOrganizations = "organizations";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Splits `name` into segments and checks the collection words and ids of `pattern`
// ("organizations/*/cells/*"). Returns the ids in order.
absl::StatusOr<std::vector<std::string>> ParseName(absl::string_view name,
                                                   absl::string_view pattern,
                                                   absl::string_view example,
                                                   absl::string_view field) {
  auto fail = [&](absl::string_view why) {
    return common::InvalidField(field, absl::StrCat(why, "; expected `", pattern,
                                                    "` with RFC-1034 ids, e.g. \"", example, "\""));
  };
  if (name.empty()) return fail("is required");
  const std::vector<absl::string_view> want = absl::StrSplit(pattern, '/');
  const std::vector<absl::string_view> got = absl::StrSplit(name, '/');
  if (got.size() != want.size()) {
    return fail(absl::StrCat("\"", name, "\" is not a valid resource name"));
  }
  std::vector<std::string> ids;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] == "*") {
      if (!IsValidResourceId(got[i])) {
        return fail(absl::StrCat("segment ", i + 1, " \"", got[i], "\" of \"", name,
                                 "\" is not a valid id"));
      }
      ids.emplace_back(got[i]);
    } else if (got[i] != want[i]) {
      return fail(absl::StrCat("\"", name, "\" is not a valid resource name (segment ", i + 1,
                               " must be \"", want[i], "\")"));
    }
  }
  return ids;
}

}  // namespace

bool IsValidResourceId(absl::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  if (id.front() < 'a' || id.front() > 'z') return false;
  if (!IsLowerAlnum(id.back())) return false;
  for (char c : id) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

absl::Status ValidateResourceId(absl::string_view id, absl::string_view field) {
  if (id.empty()) return common::InvalidField(field, "is required");
  if (IsValidResourceId(id)) return absl::OkStatus();
  return common::InvalidField(
      field, absl::StrCat("\"", id,
                          "\" is not a valid id: 1 to 63 characters, lowercase letters, digits "
                          "and '-', starting with a letter and not ending with '-' (RFC-1034 "
                          "`[a-z]([a-z0-9-]{0,61}[a-z0-9])?`)"));
}

std::string OrganizationName::Format() const { return OrganizationNameOf(organization); }
std::string CellName::Parent() const { return OrganizationNameOf(organization); }
std::string CellName::Format() const { return CellNameOf(organization, cell); }
std::string MemberName::Parent() const { return OrganizationNameOf(organization); }
std::string MemberName::Format() const { return MemberNameOf(organization, member); }
std::string InspectionPlanName::Parent() const { return OrganizationNameOf(organization); }
std::string InspectionPlanName::Format() const {
  return InspectionPlanNameOf(organization, inspection_plan);
}

absl::StatusOr<OrganizationName> ParseOrganizationName(absl::string_view name,
                                                       absl::string_view field) {
  auto ids = ParseName(name, "organizations/*", "organizations/hq-long-an", field);
  if (!ids.ok()) return ids.status();
  return OrganizationName{(*ids)[0]};
}

absl::StatusOr<CellName> ParseCellName(absl::string_view name, absl::string_view field) {
  auto ids =
      ParseName(name, "organizations/*/cells/*", "organizations/hq-long-an/cells/nghiep-vu", field);
  if (!ids.ok()) return ids.status();
  return CellName{(*ids)[0], (*ids)[1]};
}

absl::StatusOr<MemberName> ParseMemberName(absl::string_view name, absl::string_view field) {
  auto ids = ParseName(name, "organizations/*/members/*",
                       "organizations/hq-long-an/members/nguyen-van-hung", field);
  if (!ids.ok()) return ids.status();
  return MemberName{(*ids)[0], (*ids)[1]};
}

absl::StatusOr<InspectionPlanName> ParseInspectionPlanName(absl::string_view name,
                                                           absl::string_view field) {
  auto ids = ParseName(name, "organizations/*/inspectionPlans/*",
                       "organizations/hq-long-an/inspectionPlans/kh-2024", field);
  if (!ids.ok()) return ids.status();
  return InspectionPlanName{(*ids)[0], (*ids)[1]};
}

absl::StatusOr<InspectionTarget> ParseInspectionTarget(absl::string_view name,
                                                       absl::string_view field) {
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() == 4 && parts[2] == "members") {
    auto member = ParseMemberName(name, field);
    if (!member.ok()) return member.status();
    return InspectionTarget{InspectionTarget::Kind::kMember, member->organization, member->member};
  }
  if (parts.size() == 4 && parts[2] == "cells") {
    auto cell = ParseCellName(name, field);
    if (!cell.ok()) return cell.status();
    return InspectionTarget{InspectionTarget::Kind::kCell, cell->organization, cell->cell};
  }
  return common::InvalidField(
      field,
      absl::StrCat(name.empty() ? "is required"
                                : absl::StrCat("\"", name, "\" is not a cell or member name"),
                   "; expected `organizations/*/cells/*` or `organizations/*/members/*`"));
}

std::string OrganizationNameOf(absl::string_view organization) {
  return absl::StrCat(kOrganizations, "/", organization);
}
std::string CellNameOf(absl::string_view organization, absl::string_view cell) {
  return absl::StrCat(kOrganizations, "/", organization, "/cells/", cell);
}
std::string MemberNameOf(absl::string_view organization, absl::string_view member) {
  return absl::StrCat(kOrganizations, "/", organization, "/members/", member);
}
std::string InspectionPlanNameOf(absl::string_view organization, absl::string_view plan) {
  return absl::StrCat(kOrganizations, "/", organization, "/inspectionPlans/", plan);
}

std::string OrganizationOf(absl::string_view name) {
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() < 2 || parts[0] != kOrganizations || !IsValidResourceId(parts[1])) return "";
  return OrganizationNameOf(parts[1]);
}

}  // namespace records::domain
