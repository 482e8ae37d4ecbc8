// Inspection plans: Create, Get, List, Update and the per-item transitions.
#include "absl/strings/str_cat.h"
#include "common/cancellation.h"
#include "common/list_query.h"
#include "common/status_macros.h"
#include "services/records/domain/dates.h"
#include "services/records/domain/inspection_rules.h"
#include "services/records/domain/member_rules.h"
#include "services/records/domain/names.h"
#include "services/records/domain/organization_rules.h"
#include "services/records/domain/references.h"
#include "services/records/domain/validation.h"
#include "services/records/service/handler_util.h"
#include "services/records/service/member_changes.h"
#include "services/records/service/records_service.h"
#include "services/records/service/resource_reads.h"
#include "services/records/storage/revision.h"

namespace records {
namespace {

Presenter PlanPresenter() {
  return [](google::protobuf::Message* m) {
    domain::FillDerived(static_cast<v1::InspectionPlan*>(m), domain::TodayIct());
  };
}

// Targets, leads and team members must exist (NOT_FOUND) and be active (FAILED_PRECONDITION
// INSPECTION_TARGET_NOT_ACTIVE; a merged cell's refusal names the cell it went into). Each is
// guarded at the revision read, so a concurrent merge, dissolution or departure cannot slip in
// before the plan commits.
absl::Status CheckReferences(const RecordsDb& db, const std::vector<std::string>& names,
                             absl::string_view plan_name, std::vector<Precondition>* guards) {
  for (const std::string& n : names) {
    ASSIGN_OR_RETURN(domain::InspectionTarget target,
                     domain::ParseInspectionTarget(n, "inspection_plan.items"));
    if (target.kind == domain::InspectionTarget::Kind::kCell) {
      ASSIGN_OR_RETURN(Versioned<v1::Cell> cell, LoadCell(db, target.organization, target.id));
      RETURN_IF_ERROR(domain::CheckActiveCell(cell.value, "inspection_plan.items.target",
                                              domain::kInspectionTargetNotActive, plan_name));
      guards->push_back(CellGuard(db, target.organization, target.id, cell.revision));
    } else {
      ASSIGN_OR_RETURN(Versioned<v1::Member> m, LoadMember(db, target.organization, target.id));
      if (!domain::IsOnActiveLists(m.value.state())) {
        return common::RuleViolation(domain::kInspectionTargetNotActive, n,
                                     absl::StrCat("member ", n, " is not on the active lists"));
      }
      guards->push_back(MemberGuard(db, target.organization, target.id, m.revision));
    }
  }
  return absl::OkStatus();
}

// NOT_FOUND unless `member` has the discipline record `discipline_id`.
absl::Status CheckDisciplineRecord(const RecordsDb& db, absl::string_view member,
                                   absl::string_view discipline_id, absl::string_view field) {
  if (member.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(Versioned<v1::Member> m, LoadMemberByName(db, member, field));
  for (const v1::DisciplineRecord& d : m.value.disciplines()) {
    if (d.discipline_id() == discipline_id) return absl::OkStatus();
  }
  return common::WithReason(
      absl::NotFoundError(absl::StrCat("discipline ", discipline_id, " not found on ", member)),
      "DISCIPLINE_NOT_FOUND");
}

struct PlanTarget {
  domain::InspectionPlanName name;
  Versioned<v1::Organization> org;
  Versioned<v1::InspectionPlan> plan;
};

absl::StatusOr<PlanTarget> LoadPlanTarget(const RecordsDb& db, absl::string_view plan_name,
                                          absl::string_view field, absl::string_view etag) {
  PlanTarget t;
  ASSIGN_OR_RETURN(t.name, domain::ParseInspectionPlanName(plan_name, field));
  ASSIGN_OR_RETURN(t.org, LoadOrganization(db, t.name.organization));
  ASSIGN_OR_RETURN(t.plan, LoadInspectionPlan(db, t.name.organization, t.name.inspection_plan));
  RETURN_IF_ERROR(CheckEtag(etag, t.plan.revision, t.name.Format()));
  RETURN_IF_ERROR(domain::CheckOrganizationWritable(t.org.value));
  return t;
}

WritePlan PlanWrite(const RecordsDb& db, const PlanTarget& t, v1::InspectionPlan after,
                    std::string summary) {
  WritePlan plan;
  plan.before = std::make_shared<v1::InspectionPlan>(t.plan.value);
  plan.changes.push_back(InspectionPlanChange(t.name.organization, t.name.inspection_plan,
                                              t.plan.revision, std::move(after)));
  plan.preconditions.push_back(OrganizationGuard(db, t.name.organization, t.org.revision));
  plan.summary = std::move(summary);
  return plan;
}

template <typename Req>
using ItemRule = std::function<absl::StatusOr<v1::InspectionPlan>(
    const RecordsDb&, const Req&, const v1::InspectionPlan&, const domain::EventContext&)>;

template <typename Req>
grpc::ServerUnaryReactor* ItemCommand(const common::Authorizer& authorizer, RecordsDb* db,
                                      grpc::CallbackServerContext* context, const char* method,
                                      const Req* request, v1::InspectionPlan* response,
                                      ItemRule<Req> rule) {
  return ReplyWrite(
      authorizer, db, context, method, *request, request->etag(),
      [db, rule, method](const CallContext& ctx, const Req& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(PlanTarget t, LoadPlanTarget(*db, req.name(), "name", req.etag()));
        ASSIGN_OR_RETURN(v1::InspectionPlan after,
                         rule(*db, req, t.plan.value, MakeEventContext(ctx)));
        return PlanWrite(*db, t, std::move(after),
                         absl::StrCat(method, " ", t.name.Format(), " item ", req.item_id()));
      },
      PlanPresenter(), response);
}

bool PlanMatches(const v1::InspectionPlan& plan, const std::vector<common::FilterTerm>& terms) {
  for (const common::FilterTerm& t : terms) {
    if (t.field == "year" && plan.year() != t.value.integer) return false;
    if (t.field == "kind" && v1::InspectionPlan::Kind_Name(plan.kind()) != t.value.text) {
      return false;
    }
    if (t.field == "state" &&
        v1::InspectionPlan::State_Name(domain::DerivePlanState(plan)) != t.value.text) {
      return false;
    }
    if (t.field == "target") {
      bool found = false;
      for (const v1::InspectionItem& item : plan.items()) found |= item.target() == t.value.text;
      if (!found) return false;
    }
  }
  return true;
}

}  // namespace

grpc::ServerUnaryReactor* RecordsService::CreateInspectionPlan(
    grpc::CallbackServerContext* context, const v1::CreateInspectionPlanRequest* request,
    v1::InspectionPlan* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "CreateInspectionPlan", *request, "",
      [db](const CallContext& ctx,
           const v1::CreateInspectionPlanRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(domain::OrganizationName parent,
                         domain::ParseOrganizationName(req.parent(), "parent"));
        ASSIGN_OR_RETURN(Versioned<v1::Organization> org,
                         LoadOrganization(*db, parent.organization));
        RETURN_IF_ERROR(domain::CheckOrganizationWritable(org.value));
        const std::string name =
            domain::InspectionPlanNameOf(parent.organization, req.inspection_plan_id());
        if (LoadInspectionPlan(*db, parent.organization, req.inspection_plan_id()).ok()) {
          return common::WithReason(
              absl::AlreadyExistsError(absl::StrCat("inspection plan ", name, " already exists")),
              "INSPECTION_PLAN_ALREADY_EXISTS", {{"resource", name}});
        }
        ASSIGN_OR_RETURN(v1::InspectionPlan plan,
                         domain::NewInspectionPlan(req, MakeEventContext(ctx)));
        WritePlan w;
        RETURN_IF_ERROR(CheckReferences(*db, domain::ReferencesToCheck(v1::InspectionPlan(), plan),
                                        name, &w.preconditions));
        w.changes.push_back(InspectionPlanChange(parent.organization, req.inspection_plan_id(), 0,
                                                 std::move(plan)));
        w.preconditions.push_back(OrganizationGuard(*db, parent.organization, org.revision));
        w.summary = absl::StrCat("CreateInspectionPlan ", name);
        return w;
      },
      PlanPresenter(), response);
}

grpc::ServerUnaryReactor* RecordsService::GetInspectionPlan(
    grpc::CallbackServerContext* context, const v1::GetInspectionPlanRequest* request,
    v1::InspectionPlan* response) {
  return ReplyNow(*authorizer_, context, "GetInspectionPlan", *request, [&]() -> absl::Status {
    RETURN_IF_ERROR(domain::Validate(*request));
    ASSIGN_OR_RETURN(domain::InspectionPlanName name,
                     domain::ParseInspectionPlanName(request->name(), "name"));
    ASSIGN_OR_RETURN(Versioned<v1::InspectionPlan> plan,
                     LoadInspectionPlan(*db_, name.organization, name.inspection_plan));
    *response = std::move(plan.value);
    domain::FillDerived(response, domain::TodayIct());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* RecordsService::ListInspectionPlans(
    grpc::CallbackServerContext* context, const v1::ListInspectionPlansRequest* request,
    v1::ListInspectionPlansResponse* response) {
  return ReplyFromPool(
      *authorizer_, options_.scan_pool, context, "ListInspectionPlans", *request,
      [this, request, response](const CallContext&, common::Cancellation* stop) -> absl::Status {
        RETURN_IF_ERROR(domain::Validate(*request));
        ASSIGN_OR_RETURN(const std::string org,
                         ExistingOrganizationId(*db_, request->parent(), "parent"));
        ASSIGN_OR_RETURN(common::ListRequest list,
                         common::ParseListRequest("ListInspectionPlans", request->parent(),
                                                  *request, domain::InspectionPlanOrderFields()));
        const std::vector<common::FilterTerm>& terms = list.terms;
        const std::vector<common::OrderField>& order = list.order;
        // Default "year desc, then name"; "year" ascending; "name".
        const bool by_name = !order.empty() && order[0].field == "name";
        const bool year_desc = order.empty() || order[0].desc;
        ASSIGN_OR_RETURN(const size_t matched,
                         FillListPage<v1::InspectionPlan>(
                             list,
                             [&](const Visitor<v1::InspectionPlan>& visit) {
                               return ScanInspectionPlans(*db_, org, visit, stop);
                             },
                             [&](const v1::InspectionPlan& plan) -> std::optional<std::string> {
                               if (!PlanMatches(plan, terms)) return std::nullopt;
                               SortKey key;
                               if (!by_name) {
                                 const uint32_t year = static_cast<uint32_t>(plan.year());
                                 key.Number(year_desc ? 0xffffffffu - year : year);
                               }
                               return std::move(key.Text(plan.name())).Take();
                             },
                             by_name && !order.empty() && order[0].desc,
                             response->mutable_inspection_plans(), response));
        response->set_total_size(static_cast<int>(matched));
        for (v1::InspectionPlan& listed : *response->mutable_inspection_plans()) {
          domain::FillDerived(&listed, domain::TodayIct());
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecordsService::UpdateInspectionPlan(
    grpc::CallbackServerContext* context, const v1::UpdateInspectionPlanRequest* request,
    v1::InspectionPlan* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "UpdateInspectionPlan", *request,
      request->inspection_plan().etag(),
      [db](const CallContext& ctx,
           const v1::UpdateInspectionPlanRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(PlanTarget t,
                         LoadPlanTarget(*db, req.inspection_plan().name(), "inspection_plan.name",
                                        req.inspection_plan().etag()));
        ASSIGN_OR_RETURN(v1::InspectionPlan updated,
                         domain::UpdateInspectionPlan(t.plan.value, req, MakeEventContext(ctx)));
        std::vector<Precondition> guards;
        RETURN_IF_ERROR(CheckReferences(*db, domain::ReferencesToCheck(t.plan.value, updated),
                                        t.name.Format(), &guards));
        WritePlan plan = PlanWrite(*db, t, std::move(updated),
                                   absl::StrCat("UpdateInspectionPlan ", t.name.Format()));
        for (Precondition& g : guards) plan.preconditions.push_back(std::move(g));
        return plan;
      },
      PlanPresenter(), response);
}

grpc::ServerUnaryReactor* RecordsService::NotifyInspectionItem(
    grpc::CallbackServerContext* context, const v1::NotifyInspectionItemRequest* request,
    v1::InspectionPlan* response) {
  return ItemCommand<v1::NotifyInspectionItemRequest>(
      *authorizer_, db_, context, "NotifyInspectionItem", request, response,
      [](const RecordsDb&, const v1::NotifyInspectionItemRequest& req, const v1::InspectionPlan& p,
         const domain::EventContext& e) { return domain::NotifyInspectionItem(p, req, e); });
}

grpc::ServerUnaryReactor* RecordsService::StartInspectionItem(
    grpc::CallbackServerContext* context, const v1::StartInspectionItemRequest* request,
    v1::InspectionPlan* response) {
  return ItemCommand<v1::StartInspectionItemRequest>(
      *authorizer_, db_, context, "StartInspectionItem", request, response,
      [](const RecordsDb&, const v1::StartInspectionItemRequest& req, const v1::InspectionPlan& p,
         const domain::EventContext& e) { return domain::StartInspectionItem(p, req, e); });
}

grpc::ServerUnaryReactor* RecordsService::ConcludeInspectionItem(
    grpc::CallbackServerContext* context, const v1::ConcludeInspectionItemRequest* request,
    v1::InspectionPlan* response) {
  return ItemCommand<v1::ConcludeInspectionItemRequest>(
      *authorizer_, db_, context, "ConcludeInspectionItem", request, response,
      [](const RecordsDb& db, const v1::ConcludeInspectionItemRequest& req,
         const v1::InspectionPlan& p,
         const domain::EventContext& e) -> absl::StatusOr<v1::InspectionPlan> {
        RETURN_IF_ERROR(CheckDisciplineRecord(db, req.conclusion().discipline_member(),
                                              req.conclusion().discipline_id(),
                                              "conclusion.discipline_member"));
        return domain::ConcludeInspectionItem(p, req, e);
      });
}

grpc::ServerUnaryReactor* RecordsService::CloseInspectionItem(
    grpc::CallbackServerContext* context, const v1::CloseInspectionItemRequest* request,
    v1::InspectionPlan* response) {
  return ItemCommand<v1::CloseInspectionItemRequest>(
      *authorizer_, db_, context, "CloseInspectionItem", request, response,
      [](const RecordsDb& db, const v1::CloseInspectionItemRequest& req,
         const v1::InspectionPlan& p,
         const domain::EventContext& e) -> absl::StatusOr<v1::InspectionPlan> {
        RETURN_IF_ERROR(CheckDisciplineRecord(db, req.discipline_member(), req.discipline_id(),
                                              "discipline_member"));
        return domain::CloseInspectionItem(p, req, e);
      });
}

grpc::ServerUnaryReactor* RecordsService::CancelInspectionItem(
    grpc::CallbackServerContext* context, const v1::CancelInspectionItemRequest* request,
    v1::InspectionPlan* response) {
  return ItemCommand<v1::CancelInspectionItemRequest>(
      *authorizer_, db_, context, "CancelInspectionItem", request, response,
      [](const RecordsDb&, const v1::CancelInspectionItemRequest& req, const v1::InspectionPlan& p,
         const domain::EventContext& e) { return domain::CancelInspectionItem(p, req, e); });
}

grpc::ServerUnaryReactor* RecordsService::UpdateRecommendation(
    grpc::CallbackServerContext* context, const v1::UpdateRecommendationRequest* request,
    v1::InspectionPlan* response) {
  return ItemCommand<v1::UpdateRecommendationRequest>(
      *authorizer_, db_, context, "UpdateRecommendation", request, response,
      [](const RecordsDb&, const v1::UpdateRecommendationRequest& req, const v1::InspectionPlan& p,
         const domain::EventContext& e) { return domain::UpdateRecommendation(p, req, e); });
}

}  // namespace records
