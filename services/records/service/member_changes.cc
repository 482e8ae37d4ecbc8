#include "services/records/service/member_changes.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "services/records/domain/cell_rules.h"
#include "services/records/domain/names.h"
#include "services/records/domain/organization_rules.h"
#include "services/records/service/resource_reads.h"
#include "services/records/storage/keys.h"

namespace records {

ResourceChange MemberChange(const std::string& org, const std::string& member_id, uint64_t revision,
                            const v1::Member* before, v1::Member after) {
  ResourceChange c;
  c.type = v1::ChangeEvent::MEMBER;
  c.key = keys::MemberKey(org, member_id);
  c.revision = revision;
  if (before != nullptr) c.index_before = MemberIndexEntries(org, member_id, *before);
  c.index_after = MemberIndexEntries(org, member_id, after);
  if (after.history_size() > 0) {
    const v1::LifecycleEvent& last = after.history(after.history_size() - 1);
    c.member_event_kind = last.kind();
    c.member_event_id = last.event_id();
  }
  // Derived fields are computed on read; they are never stored.
  after.clear_party_age_years();
  after.clear_party_age_months();
  after.clear_next_badge_years();
  after.clear_next_badge_date();
  after.clear_derived_as_of();
  after.clear_masked_fields();
  c.after = std::make_shared<v1::Member>(std::move(after));
  return c;
}

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
