#include "services/records/domain/references.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "services/records/domain/cell_rules.h"
#include "services/records/domain/dates.h"

namespace records::domain {
namespace {

// The refusal: the rule's message, and ErrorInfo metadata naming the field, the target and
// where it went (`where_key`: "successor" or "mergedInto"; empty `where`: nowhere).
absl::Status Refuse(absl::string_view reason, absl::string_view subject, absl::string_view field,
                    absl::string_view target, absl::string_view where_key, absl::string_view where,
                    const std::string& message) {
  std::map<std::string, std::string> metadata = {{"resource", std::string(subject)},
                                                 {"field", std::string(field)},
                                                 {"target", std::string(target)}};
  if (!where.empty()) metadata[std::string(where_key)] = std::string(where);
  return common::WithReason(common::RuleViolation(reason, subject, message), reason, metadata);
}

// "CLOSED since 31/12/2024; its successor is organizations/x" (or "; it has no successor").
std::string OrganizationEnd(const v1::Organization& o) {
  return absl::StrCat("CLOSED",
                      IsSet(o.valid_to()) ? absl::StrCat(" since ", FormatDmy(o.valid_to())) : "",
                      o.successor().empty() ? std::string("; it has no successor")
                                            : absl::StrCat("; its successor is ", o.successor()));
}

// "MERGED into organizations/x/cells/y since 31/12/2019" or "DISSOLVED since ...".
std::string CellEnd(const v1::Cell& c) {
  return absl::StrCat(v1::Cell::State_Name(c.state()),
                      c.state() == v1::Cell::MERGED && !c.merged_into().empty()
                          ? absl::StrCat(" into ", c.merged_into())
                          : "",
                      IsSet(c.end_date()) ? absl::StrCat(" since ", FormatDmy(c.end_date())) : "");
}

absl::Status RefuseOrganization(const v1::Organization& target, absl::string_view field,
                                absl::string_view reason, absl::string_view subject,
                                const std::string& rule) {
  return Refuse(reason, subject, field, target.name(), "successor", target.successor(),
                absl::StrCat(field, ": the organization ", target.name(), " is ",
                             OrganizationEnd(target), "; ", rule));
}

absl::Status RefuseCell(const v1::Cell& target, absl::string_view field, absl::string_view reason,
                        absl::string_view subject, const std::string& rule) {
  return Refuse(
      reason, subject, field, target.name(), "mergedInto",
      target.state() == v1::Cell::MERGED ? target.merged_into() : "",
      absl::StrCat(field, ": the cell ", target.name(), " is ", CellEnd(target), "; ", rule));
}

// True when `end` is set and before `day`.
bool EndedBefore(const google::type::Date& end, absl::CivilDay day) {
  return IsValidDate(end) && FormatIso(end) < FormatIso(day);
}

}  // namespace

absl::Status CheckActiveOrganization(const v1::Organization& target, absl::string_view field,
                                     absl::string_view reason, absl::string_view subject) {
  if (target.state() != v1::Organization::CLOSED) return absl::OkStatus();
  return RefuseOrganization(target, field, reason, subject,
                            target.successor().empty()
                                ? "it must be ACTIVE"
                                : "it must be ACTIVE (name its successor instead)");
}

absl::Status CheckActiveCell(const v1::Cell& target, absl::string_view field,
                             absl::string_view subject) {
  return CheckActiveCell(target, field, kCellNotWritable, subject);
}

absl::Status CheckActiveCell(const v1::Cell& target, absl::string_view field,
                             absl::string_view reason, absl::string_view subject) {
  if (target.state() == v1::Cell::ACTIVE) return absl::OkStatus();
  return RefuseCell(target, field, reason, subject,
                    target.state() == v1::Cell::MERGED
                        ? "it must be ACTIVE (name the cell it was merged into instead)"
                        : "it must be ACTIVE");
}

absl::Status CheckOrganizationOn(const v1::Organization& target, absl::CivilDay day,
                                 absl::string_view field, absl::string_view reason,
                                 absl::string_view subject) {
  if (target.state() != v1::Organization::CLOSED || !EndedBefore(target.valid_to(), day)) {
    return absl::OkStatus();
  }
  return RefuseOrganization(target, field, reason, subject,
                            absl::StrCat("it no longer existed on ", FormatDmy(day)));
}

absl::Status CheckCellOn(const v1::Cell& target, absl::CivilDay day, absl::string_view field,
                         absl::string_view subject) {
  if (target.state() == v1::Cell::ACTIVE || !EndedBefore(target.end_date(), day)) {
    return absl::OkStatus();
  }
  return RefuseCell(target, field, kCellNotWritable, subject,
                    absl::StrCat("it no longer existed on ", FormatDmy(day)));
}

}  // namespace records::domain
