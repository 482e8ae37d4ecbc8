#include "services/records/domain/cell_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "services/records/domain/dates.h"
#include "services/records/domain/names.h"
#include "services/records/domain/organization_rules.h"
#include "services/records/domain/references.h"
#include "services/records/domain/update_mask.h"

namespace records::domain {
namespace {

bool Before(const google::type::Date& a, const google::type::Date& b) {
  return IsValidDate(a) && IsValidDate(b) && FormatIso(a) < FormatIso(b);
}

absl::Status NotBeforeOrganization(const v1::Cell& cell, const v1::Organization& organization) {
  if (!Before(cell.established_date(), organization.valid_from())) return absl::OkStatus();
  return common::RuleViolation(
      kCellBeforeOrganization, cell.name(),
      absl::StrCat("the cell's established_date ", FormatDmy(cell.established_date()),
                   " is before the organization's valid_from ",
                   FormatDmy(organization.valid_from())));
}

}  // namespace

absl::Status CheckCellWritable(const v1::Cell& cell) {
  if (cell.state() == v1::Cell::ACTIVE) return absl::OkStatus();
  return common::RuleViolation(
      kCellNotWritable, cell.name(),
      absl::StrCat("the cell ", cell.name(), " is ", v1::Cell::State_Name(cell.state()),
                   IsSet(cell.end_date()) ? " since " + FormatDmy(cell.end_date()) : "",
                   "; a merged or dissolved cell is read-only"));
}

absl::StatusOr<v1::Cell> NewCell(const v1::CreateCellRequest& request,
                                 const v1::Organization& organization,
                                 const google::protobuf::Timestamp& now) {
  if (absl::Status s = CheckOrganizationWritable(organization); !s.ok()) return s;
  v1::Cell cell;
  cell.set_name(absl::StrCat(request.parent(), "/cells/", request.cell_id()));
  cell.set_display_name(request.cell().display_name());
  *cell.mutable_established_date() = request.cell().established_date();
  cell.set_state(v1::Cell::ACTIVE);
  if (absl::Status s = NotBeforeOrganization(cell, organization); !s.ok()) return s;
  *cell.mutable_create_time() = now;
  *cell.mutable_update_time() = now;
  return cell;
}

absl::StatusOr<v1::Cell> UpdateCell(const v1::Cell& current, const v1::UpdateCellRequest& request,
                                    const v1::Organization& organization,
                                    const google::protobuf::Timestamp& now) {
  if (absl::Status s = CheckOrganizationWritable(organization); !s.ok()) return s;
  if (absl::Status s = CheckCellWritable(current); !s.ok()) return s;
  UpdatePolicy policy;
  policy.updatable = {"display_name", "established_date"};
  policy.output_only = {"name",         "state",       "merged_into", "end_date",
                        "end_decision", "committee",   "ratings",     "headcount",
                        "create_time",  "update_time", "etag"};
  policy.resource_field = "cell";
  auto paths = ResolveUpdatePaths(current, request.cell(), request.update_mask(), policy);
  if (!paths.ok()) return paths.status();
  v1::Cell out = current;
  ApplyUpdatePaths(request.cell(), *paths, &out);
  if (absl::Status s = NotBeforeOrganization(out, organization); !s.ok()) return s;
  *out.mutable_update_time() = now;
  return out;
}

absl::StatusOr<v1::Cell> MergeCell(const v1::Cell& current, const v1::Cell& target,
                                   const v1::MergeCellRequest& request,
                                   const google::protobuf::Timestamp& now) {
  if (target.name() == current.name() ||
      OrganizationOf(target.name()) != OrganizationOf(current.name())) {
    return common::InvalidField(
        "merged_into", absl::StrCat("must be another cell of ", OrganizationOf(current.name()),
                                    ", got ", target.name()));
  }
  if (absl::Status s = CheckCellWritable(current); !s.ok()) return s;
  if (absl::Status s = CheckActiveCell(target, "merged_into", current.name()); !s.ok()) return s;
  if (Before(request.effective_date(), current.established_date())) {
    return common::RuleViolation(
        kEndBeforeEstablished, current.name(),
        absl::StrCat("the merge date ", FormatDmy(request.effective_date()),
                     " is before the cell was established on ",
                     FormatDmy(current.established_date())));
  }
  v1::Cell out = current;
  out.set_state(v1::Cell::MERGED);
  out.set_merged_into(target.name());
  *out.mutable_end_date() = request.effective_date();
  *out.mutable_end_decision() = request.decision();
  out.clear_committee();
  *out.mutable_update_time() = now;
  return out;
}

absl::StatusOr<v1::Cell> DissolveCell(const v1::Cell& current,
                                      const v1::DissolveCellRequest& request, int members_on_lists,
                                      const google::protobuf::Timestamp& now) {
  if (absl::Status s = CheckCellWritable(current); !s.ok()) return s;
  if (members_on_lists > 0) {
    return common::RuleViolation(
        kMembersRemain, current.name(),
        absl::StrCat("the cell still has ", members_on_lists,
                     " member(s) on its lists; transfer them before dissolving the cell"));
  }
  if (Before(request.effective_date(), current.established_date())) {
    return common::RuleViolation(
        kEndBeforeEstablished, current.name(),
        absl::StrCat("the dissolution date ", FormatDmy(request.effective_date()),
                     " is before the cell was established on ",
                     FormatDmy(current.established_date())));
  }
  v1::Cell out = current;
  out.set_state(v1::Cell::DISSOLVED);
  *out.mutable_end_date() = request.effective_date();
  *out.mutable_end_decision() = request.decision();
  out.clear_committee();
  *out.mutable_update_time() = now;
  return out;
}

absl::StatusOr<v1::Cell> SetCellCommittee(const v1::Cell& current,
                                          const v1::SetCellCommitteeRequest& request,
                                          const std::vector<const v1::Member*>& people,
                                          const google::protobuf::Timestamp& now) {
  if (absl::Status s = CheckCellWritable(current); !s.ok()) return s;
  const v1::Cell::Committee& c = request.committee();
  std::vector<std::pair<std::string, std::string>> named;  // (member, role)
  named.emplace_back(c.secretary(), "secretary");
  if (!c.deputy_secretary().empty()) named.emplace_back(c.deputy_secretary(), "deputy secretary");
  for (const std::string& m : c.committee_members()) named.emplace_back(m, "committee member");
  for (const auto& [name, role] : named) {
    // (C++17 lambdas cannot capture structured bindings; clang refuses it.)
    const std::string& wanted = name;
    auto it = std::find_if(people.begin(), people.end(), [&wanted](const v1::Member* m) {
      return m != nullptr && m->name() == wanted;
    });
    if (it == people.end()) {
      return common::WithReason(
          absl::NotFoundError(absl::StrCat("committee: member ", name, " not found")),
          "MEMBER_NOT_FOUND");
    }
    const v1::Member& m = **it;
    if (m.state() != v1::Member::FULL || m.cell() != current.name()) {
      return common::RuleViolation(
          kCommitteeMemberNotEligible, current.name(),
          absl::StrCat("the ", role, " ", name, " must be a full member on the active list of ",
                       current.name(),
                       " (probationary members cannot hold elected posts); the "
                       "member is ",
                       v1::Member::State_Name(m.state()), " in ",
                       m.cell().empty() ? "no cell" : m.cell()));
    }
  }
  v1::Cell out = current;
  *out.mutable_committee() = c;
  *out.mutable_committee()->mutable_decision() = request.decision();
  *out.mutable_committee()->mutable_effective_date() = request.effective_date();
  *out.mutable_update_time() = now;
  return out;
}

absl::StatusOr<v1::Cell> RateCell(const v1::Cell& current, const v1::RateCellRequest& request,
                                  const google::protobuf::Timestamp& now) {
  if (absl::Status s = CheckCellWritable(current); !s.ok()) return s;
  const int year = request.rating().year();
  if (IsValidDate(current.established_date()) && current.established_date().year() > year) {
    return common::RuleViolation(kCellNotExistingInYear, current.name(),
                                 absl::StrCat("the cell did not exist in ", year, " (established ",
                                              FormatDmy(current.established_date()), ")"));
  }
  v1::Cell out = current;
  auto* ratings = out.mutable_ratings();
  auto existing = std::find_if(ratings->begin(), ratings->end(),
                               [&](const v1::YearlyRating& r) { return r.year() == year; });
  v1::YearlyRating rating = request.rating();
  rating.clear_event_id();
  *rating.mutable_record_time() = now;
  if (existing != ratings->end()) {
    if (!request.replace_existing()) {
      return common::WithReason(absl::AlreadyExistsError(absl::StrCat(
                                    "rating.year: ", current.name(), " is already rated for ", year,
                                    "; set replace_existing to replace it")),
                                kCellYearAlreadyRated);
    }
    *existing = rating;
  } else {
    *ratings->Add() = rating;
    std::stable_sort(ratings->begin(), ratings->end(),
                     [](const auto& a, const auto& b) { return a.year() < b.year(); });
  }
  *out.mutable_update_time() = now;
  return out;
}

bool RemoveFromCommittee(v1::Cell* cell, absl::string_view member) {
  if (!cell->has_committee()) return false;
  v1::Cell::Committee* c = cell->mutable_committee();
  bool changed = false;
  if (c->secretary() == member) c->clear_secretary(), changed = true;
  if (c->deputy_secretary() == member) c->clear_deputy_secretary(), changed = true;
  auto* members = c->mutable_committee_members();
  const int before = members->size();
  members->erase(std::remove(members->begin(), members->end(), std::string(member)),
                 members->end());
  return changed || members->size() != before;
}

}  // namespace records::domain
