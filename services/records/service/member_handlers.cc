// Members: Get, List, Update, and the lifecycle custom methods (admit, receive, recognize,
// transfer, remove, expel, death, readmit, correct, rate, discipline).
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/cancellation.h"
#include "common/list_query.h"
#include "common/status_macros.h"
#include "services/records/domain/cell_rules.h"
#include "services/records/domain/inspection_rules.h"
#include "services/records/domain/member_rules.h"
#include "services/records/domain/names.h"
#include "services/records/domain/organization_rules.h"
#include "services/records/domain/personal_data.h"
#include "services/records/domain/references.h"
#include "services/records/domain/validation.h"
#include "services/records/service/handler_util.h"
#include "services/records/service/member_changes.h"
#include "services/records/service/member_query.h"
#include "services/records/service/records_service.h"
#include "services/records/service/resource_reads.h"
#include "services/records/storage/keys.h"

namespace records {
namespace {

using Guards = std::vector<Precondition>;

// A cell a member joins: must exist; its revision is guarded so that a concurrent merge or
// dissolution cannot leave the member in an ended cell.
absl::StatusOr<Versioned<v1::Cell>> LoadJoinedCell(const RecordsDb& db, absl::string_view name,
                                                   absl::string_view field, Guards* guards) {
  ASSIGN_OR_RETURN(Versioned<v1::Cell> cell, LoadCellByName(db, name, field));
  guards->push_back(CellGuard(db, OrganizationIdOf(name), LastSegment(name), cell.revision));
  return cell;
}

// The stored organization an OrganizationRef names; nullopt when it names none kept here (a
// display name only). NOT_FOUND when absent. With `guards`, it is guarded at the revision read,
// so that a concurrent CloseOrganization cannot commit between this check and the write.
absl::StatusOr<std::optional<v1::Organization>> LoadOrganizationRef(const RecordsDb& db,
                                                                    const v1::OrganizationRef& ref,
                                                                    absl::string_view field,
                                                                    Guards* guards) {
  if (ref.organization().empty()) return std::nullopt;
  ASSIGN_OR_RETURN(domain::OrganizationName name,
                   domain::ParseOrganizationName(ref.organization(), field));
  ASSIGN_OR_RETURN(Versioned<v1::Organization> org, LoadOrganization(db, name.organization));
  if (guards != nullptr) guards->push_back(OrganizationGuard(db, name.organization, org.revision));
  return std::optional<v1::Organization>(std::move(org.value));
}

// A reference the member is placed under from now on (a transfer's destination, a hosted
// member's home organization): it must exist and be ACTIVE (references.h).
absl::Status CheckActiveOrganizationRef(const RecordsDb& db, const v1::OrganizationRef& ref,
                                        absl::string_view field, absl::string_view reason,
                                        absl::string_view member, Guards* guards) {
  ASSIGN_OR_RETURN(std::optional<v1::Organization> target,
                   LoadOrganizationRef(db, ref, field, guards));
  if (!target.has_value()) return absl::OkStatus();
  return domain::CheckActiveOrganization(*target, field, reason, member);
}

// NOT_FOUND unless the inspection plan (and item) of a discipline link exist.
absl::Status CheckInspectionLink(const RecordsDb& db, absl::string_view plan_name,
                                 absl::string_view item_id, absl::string_view field) {
  if (plan_name.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(domain::InspectionPlanName name,
                   domain::ParseInspectionPlanName(plan_name, field));
  ASSIGN_OR_RETURN(Versioned<v1::InspectionPlan> plan,
                   LoadInspectionPlan(db, name.organization, name.inspection_plan));
  if (!item_id.empty() && domain::FindItem(plan.value, item_id) == nullptr) {
    return common::WithReason(
        absl::NotFoundError(absl::StrCat("inspection item ", item_id, " not found in ", plan_name)),
        domain::kItemNotFound);
  }
  return absl::OkStatus();
}

// The references a CorrectMemberEvent writes into the member's history, checked against the
// stored targets (references.h): each corrected cell or organization must exist (NOT_FOUND); a
// corrected to_cell / to_organization must not have ended before the event's date, a
// from_cell not before the day the member left it; a corrected inspection link must exist. And
// where the corrected history leaves the member now (its cell, the organization hosting it or
// that it is hosted from) must be ACTIVE, guarded like any other join.
absl::Status CheckCorrectedReferences(const RecordsDb& db,
                                      const v1::CorrectMemberEventRequest& request,
                                      const v1::Member& before, const v1::Member& after,
                                      Guards* guards) {
  const std::string& member = after.name();
  if (!request.voids_event()) {
    ASSIGN_OR_RETURN(v1::LifecycleEvent event, domain::EffectiveEvent(after, request.event_id()));
    absl::StatusOr<absl::CivilDay> day = domain::ToCivilDay(event.effective_date(), "event");
    for (const std::string& path : request.correction_mask().paths()) {
      const std::string field = absl::StrCat("corrected_values.", path);
      if (path == "to_cell" || path == "from_cell") {
        const std::string& name = path == "to_cell" ? event.to_cell() : event.from_cell();
        if (name.empty()) continue;
        ASSIGN_OR_RETURN(Versioned<v1::Cell> cell, LoadCellByName(db, name, field));
        if (day.ok()) {
          RETURN_IF_ERROR(
              domain::CheckCellOn(cell.value, path == "to_cell" ? *day : *day - 1, field, member));
        }
      } else if (path == "to_organization" || path == "from_organization") {
        const v1::OrganizationRef& ref =
            path == "to_organization" ? event.to_organization() : event.from_organization();
        ASSIGN_OR_RETURN(
            std::optional<v1::Organization> org,
            LoadOrganizationRef(db, ref, absl::StrCat(field, ".organization"), nullptr));
        if (org.has_value() && day.ok() && path == "to_organization") {
          RETURN_IF_ERROR(
              domain::CheckOrganizationOn(*org, *day, field, domain::kDestinationClosed, member));
        }
      } else if (absl::StartsWith(path, "discipline.inspection_")) {
        RETURN_IF_ERROR(CheckInspectionLink(db, event.discipline().inspection_plan(),
                                            event.discipline().inspection_item_id(), field));
      }
    }
  }
  const std::string field =
      request.voids_event() ? std::string("voids_event") : std::string("corrected_values");
  if (!after.cell().empty() && after.cell() != before.cell() &&
      domain::IsOnActiveLists(after.state())) {
    ASSIGN_OR_RETURN(Versioned<v1::Cell> cell, LoadJoinedCell(db, after.cell(), field, guards));
    RETURN_IF_ERROR(domain::CheckActiveCell(cell.value, field, member));
  }
  const v1::OrganizationRef& temporary = after.temporary_organization();
  if (!temporary.organization().empty() &&
      temporary.organization() != before.temporary_organization().organization() &&
      (after.state() == v1::Member::TEMPORARILY_AWAY ||
       after.state() == v1::Member::TEMPORARILY_HOSTED)) {
    RETURN_IF_ERROR(CheckActiveOrganizationRef(db, temporary, field,
                                               after.state() == v1::Member::TEMPORARILY_AWAY
                                                   ? domain::kDestinationClosed
                                                   : domain::kHomeOrganizationClosed,
                                               member, guards));
  }
  return absl::OkStatus();
}

template <typename Req>
using Rule = std::function<absl::StatusOr<v1::Member>(
    const RecordsDb&, const Req&, const v1::Member&, const domain::EventContext&, Guards*)>;

// The shape of every custom method on an existing member.
template <typename Req>
grpc::ServerUnaryReactor* MemberCommand(const common::Authorizer& authorizer, RecordsDb* db,
                                        grpc::CallbackServerContext* context, const char* method,
                                        const Req* request, v1::Member* response, Rule<Req> rule) {
  return ReplyWrite(
      authorizer, db, context, method, *request, request->etag(),
      [db, rule](const CallContext& ctx, const Req& req) -> absl::StatusOr<WritePlan> {
        Guards guards;
        ASSIGN_OR_RETURN(WritePlan plan,
                         PlanMemberCommand(*db, ctx, req.name(), req.etag(),
                                           [&](const v1::Member& m, const domain::EventContext& e) {
                                             return rule(*db, req, m, e, &guards);
                                           }));
        for (Precondition& g : guards) plan.preconditions.push_back(std::move(g));
        return plan;
      },
      MemberPresenter(), response);
}

// Creation of a member record (admission, receipt): id, existence, organization writable.
struct NewMemberTarget {
  domain::OrganizationName parent;
  Versioned<v1::Organization> org;
  std::string id;
  std::string name;
};

absl::StatusOr<NewMemberTarget> PrepareNewMember(const RecordsDb& db, absl::string_view parent,
                                                 absl::string_view member_id) {
  NewMemberTarget t;
  ASSIGN_OR_RETURN(t.parent, domain::ParseOrganizationName(parent, "parent"));
  ASSIGN_OR_RETURN(t.org, LoadOrganization(db, t.parent.organization));
  RETURN_IF_ERROR(domain::CheckOrganizationWritable(t.org.value));
  t.id = member_id.empty() ? NewMemberId() : std::string(member_id);
  t.name = domain::MemberNameOf(t.parent.organization, t.id);
  if (LoadMember(db, t.parent.organization, t.id).ok()) {
    return common::WithReason(
        absl::AlreadyExistsError(absl::StrCat("member ", t.name, " already exists")),
        "MEMBER_ALREADY_EXISTS", {{"resource", t.name}});
  }
  return t;
}

WritePlan NewMemberPlan(const RecordsDb& db, const NewMemberTarget& t, v1::Member member,
                        Guards guards, std::string summary) {
  WritePlan plan;
  plan.changes.push_back(MemberChange(t.parent.organization, t.id, 0, nullptr, std::move(member)));
  plan.preconditions = std::move(guards);
  plan.preconditions.push_back(OrganizationGuard(db, t.parent.organization, t.org.revision));
  plan.summary = std::move(summary);
  return plan;
}

}  // namespace

grpc::ServerUnaryReactor* RecordsService::GetMember(grpc::CallbackServerContext* context,
                                                    const v1::GetMemberRequest* request,
                                                    v1::Member* response) {
  return ReplyNow(
      *authorizer_, context, "GetMember", *request, [&](const CallContext& ctx) -> absl::Status {
        RETURN_IF_ERROR(domain::Validate(*request));
        ASSIGN_OR_RETURN(Versioned<v1::Member> m, LoadMemberByName(*db_, request->name(), "name"));
        *response = std::move(m.value);
        PresentMember(response, request->view() == v1::MEMBER_VIEW_BASIC ? v1::MEMBER_VIEW_BASIC
                                                                         : v1::MEMBER_VIEW_FULL);
        MaskReply(ctx, response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecordsService::ListMembers(grpc::CallbackServerContext* context,
                                                      const v1::ListMembersRequest* request,
                                                      v1::ListMembersResponse* response) {
  return ReplyFromPool(
      *authorizer_, options_.scan_pool, context, "ListMembers", *request,
      [this, request, response](const CallContext& ctx,
                                common::Cancellation* stop) -> absl::Status {
        RETURN_IF_ERROR(domain::Validate(*request));
        ASSIGN_OR_RETURN(domain::OrganizationName parent,
                         domain::ParseOrganizationName(request->parent(), "parent"));
        ASSIGN_OR_RETURN(MemberQuery query, ParseMemberQuery(parent.organization, request->filter(),
                                                             request->order_by()));
        RETURN_IF_ERROR(CheckQueryPermitted(query, ctx));
        RETURN_IF_ERROR(LoadOrganization(*db_, parent.organization).status());
        ASSIGN_OR_RETURN(int page_size, common::NormalizePageSize(request->page_size()));
        const common::ListScope scope{"ListMembers", request->parent(), request->filter(),
                                      request->order_by()};
        ASSIGN_OR_RETURN(std::string after, common::ParsePageToken(request->page_token(), scope));
        ASSIGN_OR_RETURN(MemberPage page, ScanMembers(*db_, query, after, page_size, stop));
        const v1::MemberView view =
            request->view() == v1::MEMBER_VIEW_FULL ? v1::MEMBER_VIEW_FULL : v1::MEMBER_VIEW_BASIC;
        for (v1::Member& m : page.members) {
          PresentMember(&m, view);
          MaskReply(ctx, &m);
          *response->add_members() = std::move(m);
        }
        response->set_total_size(page.total);
        if (!page.next_key.empty()) {
          response->set_next_page_token(common::MakePageToken(page.next_key, scope));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecordsService::UpdateMember(grpc::CallbackServerContext* context,
                                                       const v1::UpdateMemberRequest* request,
                                                       v1::Member* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "UpdateMember", *request, request->member().etag(),
      [db](const CallContext& ctx,
           const v1::UpdateMemberRequest& req) -> absl::StatusOr<WritePlan> {
        return PlanMemberCommand(*db, ctx, req.member().name(), req.member().etag(),
                                 [&](const v1::Member& m, const domain::EventContext& e) {
                                   return domain::UpdateMemberProfile(m, req, e);
                                 });
      },
      MemberPresenter(), response,
      [request](const CallContext& ctx) -> absl::Status {
        if (ctx.pii_read || !domain::WritesPersonalData(*request)) return absl::OkStatus();
        return PersonalDataDenied(ctx,
                                  "UpdateMember of birth_date, national_id, hometown or "
                                  "permanent_address (or \"*\")");
      });
}

grpc::ServerUnaryReactor* RecordsService::AdmitMember(grpc::CallbackServerContext* context,
                                                      const v1::AdmitMemberRequest* request,
                                                      v1::Member* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "AdmitMember", *request, "",
      [db](const CallContext& ctx, const v1::AdmitMemberRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(NewMemberTarget t, PrepareNewMember(*db, req.parent(), req.member_id()));
        Guards guards;
        ASSIGN_OR_RETURN(Versioned<v1::Cell> cell,
                         LoadJoinedCell(*db, req.cell(), "cell", &guards));
        ASSIGN_OR_RETURN(v1::Member member,
                         domain::AdmitMember(req, t.name, cell.value, MakeEventContext(ctx)));
        return NewMemberPlan(*db, t, std::move(member), std::move(guards),
                             absl::StrCat("AdmitMember ", t.name, " to ", req.cell(), " (decision ",
                                          req.decision().number(), ")"));
      },
      MemberPresenter(), response);
}

grpc::ServerUnaryReactor* RecordsService::ReceiveMember(grpc::CallbackServerContext* context,
                                                        const v1::ReceiveMemberRequest* request,
                                                        v1::Member* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "ReceiveMember", *request, "",
      [db](const CallContext& ctx,
           const v1::ReceiveMemberRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(NewMemberTarget t, PrepareNewMember(*db, req.parent(), req.member_id()));
        Guards guards;
        ASSIGN_OR_RETURN(Versioned<v1::Cell> cell,
                         LoadJoinedCell(*db, req.cell(), "cell", &guards));
        if (req.kind() == v1::ReceiveMemberRequest::TEMPORARY) {
          // The home organization: the hosted member stays its member and returns there.
          RETURN_IF_ERROR(CheckActiveOrganizationRef(
              *db, req.from_organization(), "from_organization.organization",
              domain::kHomeOrganizationClosed, t.name, &guards));
        } else {
          // Where the member comes from is history (references.h): it must exist.
          RETURN_IF_ERROR(LoadOrganizationRef(*db, req.from_organization(),
                                              "from_organization.organization", nullptr)
                              .status());
        }
        std::optional<Versioned<v1::Member>> source;
        if (!req.source_member().empty()) {
          ASSIGN_OR_RETURN(source, LoadMemberByName(*db, req.source_member(), "source_member"));
        }
        ASSIGN_OR_RETURN(v1::Member member, domain::ReceiveMember(req, t.name, cell.value,
                                                                  source ? &source->value : nullptr,
                                                                  MakeEventContext(ctx)));
        return NewMemberPlan(
            *db, t, std::move(member), std::move(guards),
            absl::StrCat("ReceiveMember ", v1::ReceiveMemberRequest::Kind_Name(req.kind()), " ",
                         t.name, " to ", req.cell()));
      },
      MemberPresenter(), response);
}

grpc::ServerUnaryReactor* RecordsService::RecognizeFullMember(
    grpc::CallbackServerContext* context, const v1::RecognizeFullMemberRequest* request,
    v1::Member* response) {
  return MemberCommand<v1::RecognizeFullMemberRequest>(
      *authorizer_, db_, context, "RecognizeFullMember", request, response,
      [](const RecordsDb&, const v1::RecognizeFullMemberRequest& req, const v1::Member& m,
         const domain::EventContext& e,
         Guards*) { return domain::RecognizeFullMember(m, req, e); });
}

grpc::ServerUnaryReactor* RecordsService::TransferMember(grpc::CallbackServerContext* context,
                                                         const v1::TransferMemberRequest* request,
                                                         v1::Member* response) {
  return MemberCommand<v1::TransferMemberRequest>(
      *authorizer_, db_, context, "TransferMember", request, response,
      [](const RecordsDb& db, const v1::TransferMemberRequest& req, const v1::Member& m,
         const domain::EventContext& e, Guards* guards) -> absl::StatusOr<v1::Member> {
        std::optional<Versioned<v1::Cell>> target;
        if (req.kind() == v1::TransferMemberRequest::OFFICIAL_TO_CELL) {
          ASSIGN_OR_RETURN(target, LoadJoinedCell(db, req.target_cell(), "target_cell", guards));
        }
        RETURN_IF_ERROR(CheckActiveOrganizationRef(db, req.destination(),
                                                   "destination.organization",
                                                   domain::kDestinationClosed, m.name(), guards));
        return domain::TransferMember(m, req, target ? &target->value : nullptr, e);
      });
}

grpc::ServerUnaryReactor* RecordsService::RemoveMember(grpc::CallbackServerContext* context,
                                                       const v1::RemoveMemberRequest* request,
                                                       v1::Member* response) {
  return MemberCommand<v1::RemoveMemberRequest>(
      *authorizer_, db_, context, "RemoveMember", request, response,
      [](const RecordsDb&, const v1::RemoveMemberRequest& req, const v1::Member& m,
         const domain::EventContext& e, Guards*) { return domain::RemoveMember(m, req, e); });
}

grpc::ServerUnaryReactor* RecordsService::ExpelMember(grpc::CallbackServerContext* context,
                                                      const v1::ExpelMemberRequest* request,
                                                      v1::Member* response) {
  return MemberCommand<v1::ExpelMemberRequest>(
      *authorizer_, db_, context, "ExpelMember", request, response,
      [](const RecordsDb& db, const v1::ExpelMemberRequest& req, const v1::Member& m,
         const domain::EventContext& e, Guards*) -> absl::StatusOr<v1::Member> {
        RETURN_IF_ERROR(CheckInspectionLink(db, req.inspection_plan(), req.inspection_item_id(),
                                            "inspection_plan"));
        return domain::ExpelMember(m, req, e);
      });
}

grpc::ServerUnaryReactor* RecordsService::RecordMemberDeath(
    grpc::CallbackServerContext* context, const v1::RecordMemberDeathRequest* request,
    v1::Member* response) {
  return MemberCommand<v1::RecordMemberDeathRequest>(
      *authorizer_, db_, context, "RecordMemberDeath", request, response,
      [](const RecordsDb&, const v1::RecordMemberDeathRequest& req, const v1::Member& m,
         const domain::EventContext& e, Guards*) { return domain::RecordMemberDeath(m, req, e); });
}

grpc::ServerUnaryReactor* RecordsService::ReadmitMember(grpc::CallbackServerContext* context,
                                                        const v1::ReadmitMemberRequest* request,
                                                        v1::Member* response) {
  return MemberCommand<v1::ReadmitMemberRequest>(
      *authorizer_, db_, context, "ReadmitMember", request, response,
      [](const RecordsDb& db, const v1::ReadmitMemberRequest& req, const v1::Member& m,
         const domain::EventContext& e, Guards* guards) -> absl::StatusOr<v1::Member> {
        ASSIGN_OR_RETURN(Versioned<v1::Cell> cell, LoadJoinedCell(db, req.cell(), "cell", guards));
        return domain::ReadmitMember(m, req, cell.value, e);
      });
}

grpc::ServerUnaryReactor* RecordsService::CorrectMemberEvent(
    grpc::CallbackServerContext* context, const v1::CorrectMemberEventRequest* request,
    v1::Member* response) {
  return MemberCommand<v1::CorrectMemberEventRequest>(
      *authorizer_, db_, context, "CorrectMemberEvent", request, response,
      [](const RecordsDb& db, const v1::CorrectMemberEventRequest& req, const v1::Member& m,
         const domain::EventContext& e, Guards* guards) -> absl::StatusOr<v1::Member> {
        ASSIGN_OR_RETURN(v1::Member corrected, domain::CorrectMemberEvent(m, req, e));
        RETURN_IF_ERROR(CheckCorrectedReferences(db, req, m, corrected, guards));
        return corrected;
      });
}

grpc::ServerUnaryReactor* RecordsService::RateMember(grpc::CallbackServerContext* context,
                                                     const v1::RateMemberRequest* request,
                                                     v1::Member* response) {
  return MemberCommand<v1::RateMemberRequest>(
      *authorizer_, db_, context, "RateMember", request, response,
      [](const RecordsDb&, const v1::RateMemberRequest& req, const v1::Member& m,
         const domain::EventContext& e, Guards*) { return domain::RateMember(m, req, e); });
}

grpc::ServerUnaryReactor* RecordsService::DisciplineMember(
    grpc::CallbackServerContext* context, const v1::DisciplineMemberRequest* request,
    v1::Member* response) {
  return MemberCommand<v1::DisciplineMemberRequest>(
      *authorizer_, db_, context, "DisciplineMember", request, response,
      [](const RecordsDb& db, const v1::DisciplineMemberRequest& req, const v1::Member& m,
         const domain::EventContext& e, Guards*) -> absl::StatusOr<v1::Member> {
        RETURN_IF_ERROR(CheckInspectionLink(db, req.discipline().inspection_plan(),
                                            req.discipline().inspection_item_id(),
                                            "discipline.inspection_plan"));
        return domain::DisciplineMember(m, req, e);
      });
}

}  // namespace records
