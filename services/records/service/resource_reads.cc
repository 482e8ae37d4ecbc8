#include "services/records/service/resource_reads.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "services/records/domain/dates.h"
#include "services/records/domain/meeting_rules.h"
#include "services/records/domain/member_rules.h"
#include "services/records/domain/names.h"

namespace records {
namespace {

// NOT_FOUND naming the resource, with its reason.
template <typename T>
absl::StatusOr<Versioned<T>> OrNotFound(absl::StatusOr<Versioned<T>> v, const std::string& name,
                                        const char* kind, const char* reason) {
  if (absl::IsNotFound(v.status())) {
    return common::WithReason(absl::NotFoundError(absl::StrCat(kind, " ", name, " not found")),
                              reason, {{"resource", name}});
  }
  return v;
}

}  // namespace

ChildName SplitChildName(absl::string_view name, absl::string_view collection) {
  const std::string marker = absl::StrCat("/", collection, "/");
  const size_t at = name.rfind(marker);
  if (at == absl::string_view::npos) return {};
  return {std::string(name.substr(0, at)), std::string(name.substr(at + marker.size()))};
}

absl::Status NamedNotFoundError(const std::string& name, absl::string_view kind,
                                absl::string_view reason) {
  return common::WithReason(absl::NotFoundError(absl::StrCat(kind, " ", name, " not found")),
                            std::string(reason), {{"resource", name}});
}

std::string OrganizationIdOf(absl::string_view name) {
  const std::string org = domain::OrganizationOf(name);
  return LastSegment(org);
}

std::string LastSegment(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

absl::StatusOr<Versioned<v1::Organization>> LoadOrganization(const RecordsDb& db,
                                                             absl::string_view org,
                                                             const ReadSnapshot* snapshot) {
  return OrNotFound(ReadOrganization(db, org, snapshot), domain::OrganizationNameOf(org),
                    "organization", "ORGANIZATION_NOT_FOUND");
}

absl::StatusOr<Versioned<v1::Cell>> LoadCell(const RecordsDb& db, absl::string_view org,
                                             absl::string_view cell, const ReadSnapshot* snapshot) {
  return OrNotFound(ReadCell(db, org, cell, snapshot), domain::CellNameOf(org, cell), "cell",
                    "CELL_NOT_FOUND");
}

absl::StatusOr<std::string> ExistingOrganizationId(const RecordsDb& db, absl::string_view name,
                                                   absl::string_view field) {
  absl::StatusOr<domain::OrganizationName> parsed = domain::ParseOrganizationName(name, field);
  if (!parsed.ok()) return parsed.status();
  absl::Status exists = LoadOrganization(db, parsed->organization).status();
  if (!exists.ok()) return exists;
  return parsed->organization;
}

absl::StatusOr<Versioned<v1::Cell>> LoadCellByName(const RecordsDb& db, absl::string_view name,
                                                   absl::string_view field) {
  absl::StatusOr<domain::CellName> parsed = domain::ParseCellName(name, field);
  if (!parsed.ok()) return parsed.status();
  return LoadCell(db, parsed->organization, parsed->cell);
}

absl::StatusOr<Versioned<v1::Member>> LoadMember(const RecordsDb& db, absl::string_view org,
                                                 absl::string_view member,
                                                 const ReadSnapshot* snapshot) {
  return OrNotFound(ReadMember(db, org, member, snapshot), domain::MemberNameOf(org, member),
                    "member", "MEMBER_NOT_FOUND");
}

absl::StatusOr<Versioned<v1::Member>> LoadMemberByName(const RecordsDb& db, absl::string_view name,
                                                       absl::string_view field) {
  absl::StatusOr<domain::MemberName> parsed = domain::ParseMemberName(name, field);
  if (!parsed.ok()) return parsed.status();
  return LoadMember(db, parsed->organization, parsed->member);
}

absl::StatusOr<Versioned<v1::InspectionPlan>> LoadInspectionPlan(const RecordsDb& db,
                                                                 absl::string_view org,
                                                                 absl::string_view plan,
                                                                 const ReadSnapshot* snapshot) {
  return OrNotFound(ReadInspectionPlan(db, org, plan, snapshot),
                    domain::InspectionPlanNameOf(org, plan), "inspection plan",
                    "INSPECTION_PLAN_NOT_FOUND");
}

void PresentMember(v1::Member* member, v1::MemberView view) {
  domain::FillDerived(member, domain::TodayIct());
  // Records stored before Member.statistics existed get theirs from the history.
  if (!member->has_statistics()) domain::SetStatistics(member);
  if (view == v1::MEMBER_VIEW_BASIC) member->clear_history();
}

absl::StatusOr<CellMembers> CellMembersOf(const RecordsDb& db, absl::string_view org,
                                          absl::string_view cell) {
  CellMembers result;
  RETURN_IF_ERROR(
      ScanCellMembers(db, org, cell, [&result](v1::Member::State state, absl::string_view id) {
        if (domain::IsCounted(state)) ++result.counted;
        if (domain::IsOnActiveLists(state)) ++result.on_lists;
        result.member_ids.emplace_back(id);
      }));
  return result;
}

absl::Status PresentCell(const RecordsDb& db, v1::Cell* cell) {
  absl::StatusOr<domain::CellName> name = domain::ParseCellName(cell->name(), "name");
  if (!name.ok()) return name.status();
  absl::StatusOr<CellMembers> members = CellMembersOf(db, name->organization, name->cell);
  if (!members.ok()) return members.status();
  cell->set_headcount(members->counted);
  // Cells stored before Cell.meeting_requirements existed get theirs from their dates.
  domain::SetMeetingRequirements(cell);
  return absl::OkStatus();
}

}  // namespace records
