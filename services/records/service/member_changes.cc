#include "services/records/service/member_changes.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "services/records/domain/cell_rules.h"
#include "services/records/domain/meeting_rules.h"
#include "services/records/domain/names.h"
#include "services/records/domain/organization_rules.h"
#include "services/records/service/resource_reads.h"
#include "services/records/storage/keys.h"

namespace records {

domain::EventContext MakeEventContext(const CallContext& ctx) {
  domain::EventContext e;
  e.principal = ctx.principal;
  e.record_time = ToTimestamp(ctx.now);
  return e;
}

std::string NewMemberId() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 gen(std::random_device{}());
  std::string id = "m";
  for (int i = 0; i < 12; ++i) id.push_back(kAlphabet[gen() % 36]);
  return id;
}

Presenter MemberPresenter() {
  return [](google::protobuf::Message* m) {
    PresentMember(static_cast<v1::Member*>(m), v1::MEMBER_VIEW_FULL);
  };
}

absl::Status AddCommitteeCleanup(const RecordsDb& db, const v1::Member& before,
                                 const v1::Member& after, WritePlan* plan) {
  if (before.cell().empty()) return absl::OkStatus();
  const bool on_list_after =
      after.cell() == before.cell() &&
      (after.state() == v1::Member::PROBATIONARY || after.state() == v1::Member::FULL);
  if (on_list_after) return absl::OkStatus();
  ASSIGN_OR_RETURN(domain::CellName cell_name, domain::ParseCellName(before.cell(), "cell"));
  ASSIGN_OR_RETURN(Versioned<v1::Cell> cell, LoadCell(db, cell_name.organization, cell_name.cell));
  v1::Cell updated = cell.value;
  if (!domain::RemoveFromCommittee(&updated, before.name())) return absl::OkStatus();
  domain::SetMeetingRequirements(&updated);
  plan->changes.push_back(CellChange(cell_name.organization, cell_name.cell, cell.revision,
                                     &cell.value, std::move(updated)));
  return absl::OkStatus();
}

absl::StatusOr<WritePlan> PlanMemberCommand(const RecordsDb& db, const CallContext& ctx,
                                            absl::string_view member_name, absl::string_view etag,
                                            const MemberRule& rule) {
  ASSIGN_OR_RETURN(domain::MemberName name, domain::ParseMemberName(member_name, "name"));
  ASSIGN_OR_RETURN(Versioned<v1::Organization> org, LoadOrganization(db, name.organization));
  ASSIGN_OR_RETURN(Versioned<v1::Member> member, LoadMember(db, name.organization, name.member));
  RETURN_IF_ERROR(CheckEtag(etag, member.revision, name.Format()));
  RETURN_IF_ERROR(domain::CheckOrganizationWritable(org.value));
  ASSIGN_OR_RETURN(v1::Member after, rule(member.value, MakeEventContext(ctx)));
  WritePlan plan;
  plan.before = std::make_shared<v1::Member>(member.value);
  plan.preconditions.push_back(OrganizationGuard(db, name.organization, org.revision));
  RETURN_IF_ERROR(AddCommitteeCleanup(db, member.value, after, &plan));
  // The member's own change goes first (the call's resource).
  plan.changes.insert(plan.changes.begin(),
                      MemberChange(name.organization, name.member, member.revision, &member.value,
                                   std::move(after)));
  plan.summary = absl::StrCat(ctx.method, " ", name.Format());
  return plan;
}

}  // namespace records
