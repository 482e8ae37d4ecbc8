// Cells: Create, Get, List, Update, Merge, Dissolve, SetCellCommittee, RateCell,
// GetCellHeadcount.
#include "absl/strings/str_cat.h"
#include "common/cancellation.h"
#include "common/list_query.h"
#include "common/status_macros.h"
#include "common/vi_text.h"
#include "services/records/domain/cell_rules.h"
#include "services/records/domain/dates.h"
#include "services/records/domain/meeting_rules.h"
#include "services/records/domain/member_rules.h"
#include "services/records/domain/names.h"
#include "services/records/domain/organization_rules.h"
#include "services/records/domain/validation.h"
#include "services/records/service/handler_util.h"
#include "services/records/service/member_changes.h"
#include "services/records/service/records_service.h"
#include "services/records/service/resource_reads.h"
#include "services/records/storage/revision.h"

namespace records {

namespace {

Presenter CellPresenter(RecordsDb* db) {
  return [db](google::protobuf::Message* m) { (void)PresentCell(*db, static_cast<v1::Cell*>(m)); };
}

// The loaded context of a write to an existing cell.
struct CellTarget {
  domain::CellName name;
  Versioned<v1::Organization> org;
  Versioned<v1::Cell> cell;
};

absl::StatusOr<CellTarget> LoadCellTarget(const RecordsDb& db, absl::string_view cell_name,
                                          absl::string_view etag) {
  CellTarget t;
  ASSIGN_OR_RETURN(t.name, domain::ParseCellName(cell_name, "name"));
  ASSIGN_OR_RETURN(t.org, LoadOrganization(db, t.name.organization));
  ASSIGN_OR_RETURN(t.cell, LoadCell(db, t.name.organization, t.name.cell));
  RETURN_IF_ERROR(CheckEtag(etag, t.cell.revision, t.name.Format()));
  RETURN_IF_ERROR(domain::CheckOrganizationWritable(t.org.value));
  return t;
}

WritePlan CellPlan(const RecordsDb& db, const CellTarget& t, v1::Cell after, std::string summary) {
  domain::SetMeetingRequirements(&after);
  WritePlan plan;
  plan.before = std::make_shared<v1::Cell>(t.cell.value);
  plan.changes.push_back(CellChange(t.name.organization, t.name.cell, t.cell.revision,
                                    &t.cell.value, std::move(after)));
  plan.preconditions.push_back(OrganizationGuard(db, t.name.organization, t.org.revision));
  plan.summary = std::move(summary);
  return plan;
}

bool CellMatches(const v1::Cell& cell, const std::vector<common::FilterTerm>& terms) {
  for (const common::FilterTerm& t : terms) {
    if (t.field == "state" && v1::Cell::State_Name(cell.state()) != t.value.text) return false;
  }
  return true;
}

}  // namespace

grpc::ServerUnaryReactor* RecordsService::CreateCell(grpc::CallbackServerContext* context,
                                                     const v1::CreateCellRequest* request,
                                                     v1::Cell* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "CreateCell", *request, "",
      [db](const CallContext& ctx, const v1::CreateCellRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(domain::OrganizationName parent,
                         domain::ParseOrganizationName(req.parent(), "parent"));
        ASSIGN_OR_RETURN(Versioned<v1::Organization> org,
                         LoadOrganization(*db, parent.organization));
        const std::string name = domain::CellNameOf(parent.organization, req.cell_id());
        if (LoadCell(*db, parent.organization, req.cell_id()).ok()) {
          return common::WithReason(
              absl::AlreadyExistsError(absl::StrCat("cell ", name, " already exists")),
              "CELL_ALREADY_EXISTS", {{"resource", name}});
        }
        ASSIGN_OR_RETURN(v1::Cell cell, domain::NewCell(req, org.value, ToTimestamp(ctx.now)));
        domain::SetMeetingRequirements(&cell);
        WritePlan plan;
        plan.changes.push_back(
            CellChange(parent.organization, req.cell_id(), 0, nullptr, std::move(cell)));
        plan.preconditions.push_back(OrganizationGuard(*db, parent.organization, org.revision));
        plan.summary = absl::StrCat("CreateCell ", name);
        return plan;
      },
      CellPresenter(db), response);
}

grpc::ServerUnaryReactor* RecordsService::GetCell(grpc::CallbackServerContext* context,
                                                  const v1::GetCellRequest* request,
                                                  v1::Cell* response) {
  return ReplyNow(*authorizer_, context, "GetCell", *request, [&]() -> absl::Status {
    RETURN_IF_ERROR(domain::Validate(*request));
    ASSIGN_OR_RETURN(domain::CellName name, domain::ParseCellName(request->name(), "name"));
    ASSIGN_OR_RETURN(Versioned<v1::Cell> cell, LoadCell(*db_, name.organization, name.cell));
    *response = std::move(cell.value);
    return PresentCell(*db_, response);
  });
}

grpc::ServerUnaryReactor* RecordsService::ListCells(grpc::CallbackServerContext* context,
                                                    const v1::ListCellsRequest* request,
                                                    v1::ListCellsResponse* response) {
  return ReplyFromPool(
      *authorizer_, options_.scan_pool, context, "ListCells", *request,
      [this, request, response](const CallContext&, common::Cancellation* stop) -> absl::Status {
        RETURN_IF_ERROR(domain::Validate(*request));
        ASSIGN_OR_RETURN(domain::OrganizationName parent,
                         domain::ParseOrganizationName(request->parent(), "parent"));
        RETURN_IF_ERROR(LoadOrganization(*db_, parent.organization).status());
        ASSIGN_OR_RETURN(common::ListRequest list,
                         common::ParseListRequest("ListCells", request->parent(), *request,
                                                  domain::CellOrderFields()));
        const std::vector<common::FilterTerm>& terms = list.terms;
        const std::vector<common::OrderField>& order = list.order;
        const std::string field = order.empty() ? "display_name" : order[0].field;
        const bool desc = !order.empty() && order[0].desc;
        size_t matched = 0;
        ASSIGN_OR_RETURN(
            Page<v1::Cell> page,
            ScanPage<v1::Cell>(
                [&](const Visitor<v1::Cell>& visit) {
                  return ScanCells(*db_, parent.organization, visit, stop);
                },
                [&](const v1::Cell& cell) -> std::optional<std::string> {
                  if (!CellMatches(cell, terms)) return std::nullopt;
                  SortKey key;
                  if (field == "display_name") {
                    key.Text(common::FoldForSearch(cell.display_name())).Text(cell.display_name());
                  } else if (field == "established_date") {
                    const auto& d = cell.established_date();
                    key.Date(d.year(), d.month(), d.day());
                  }
                  return std::move(key.Text(cell.name())).Take();
                },
                list.after, desc, list.page_size, &matched));
        response->set_total_size(static_cast<int>(matched));
        for (v1::Cell& listed : page.items) {
          RETURN_IF_ERROR(PresentCell(*db_, &listed));
          *response->add_cells() = std::move(listed);
        }
        response->set_next_page_token(list.NextPageToken(page.next_key));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecordsService::UpdateCell(grpc::CallbackServerContext* context,
                                                     const v1::UpdateCellRequest* request,
                                                     v1::Cell* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "UpdateCell", *request, request->cell().etag(),
      [db](const CallContext& ctx, const v1::UpdateCellRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(CellTarget t, LoadCellTarget(*db, req.cell().name(), req.cell().etag()));
        ASSIGN_OR_RETURN(v1::Cell updated,
                         domain::UpdateCell(t.cell.value, req, t.org.value, ToTimestamp(ctx.now)));
        return CellPlan(*db, t, std::move(updated), absl::StrCat("UpdateCell ", t.name.Format()));
      },
      CellPresenter(db), response);
}

grpc::ServerUnaryReactor* RecordsService::MergeCell(grpc::CallbackServerContext* context,
                                                    const v1::MergeCellRequest* request,
                                                    v1::Cell* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "MergeCell", *request, request->etag(),
      [db](const CallContext& ctx, const v1::MergeCellRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(CellTarget t, LoadCellTarget(*db, req.name(), req.etag()));
        ASSIGN_OR_RETURN(Versioned<v1::Cell> target,
                         LoadCellByName(*db, req.merged_into(), "merged_into"));
        ASSIGN_OR_RETURN(v1::Cell merged,
                         domain::MergeCell(t.cell.value, target.value, req, ToTimestamp(ctx.now)));
        WritePlan plan =
            CellPlan(*db, t, std::move(merged),
                     absl::StrCat("MergeCell ", t.name.Format(), " into ", req.merged_into(),
                                  " (decision ", req.decision().number(), ")"));
        plan.preconditions.push_back(
            CellGuard(*db, t.name.organization, LastSegment(req.merged_into()), target.revision));
        ASSIGN_OR_RETURN(CellMembers members, CellMembersOf(*db, t.name.organization, t.name.cell));
        const domain::EventContext ectx = MakeEventContext(ctx);
        for (const std::string& id : members.member_ids) {
          ASSIGN_OR_RETURN(Versioned<v1::Member> m, LoadMember(*db, t.name.organization, id));
          ASSIGN_OR_RETURN(v1::Member moved, domain::MoveMemberForMerge(m.value, req, ectx));
          plan.changes.push_back(
              MemberChange(t.name.organization, id, m.revision, &m.value, std::move(moved)));
        }
        return plan;
      },
      CellPresenter(db), response);
}

grpc::ServerUnaryReactor* RecordsService::DissolveCell(grpc::CallbackServerContext* context,
                                                       const v1::DissolveCellRequest* request,
                                                       v1::Cell* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "DissolveCell", *request, request->etag(),
      [db](const CallContext& ctx,
           const v1::DissolveCellRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(CellTarget t, LoadCellTarget(*db, req.name(), req.etag()));
        ASSIGN_OR_RETURN(CellMembers members, CellMembersOf(*db, t.name.organization, t.name.cell));
        ASSIGN_OR_RETURN(
            v1::Cell dissolved,
            domain::DissolveCell(t.cell.value, req, members.on_lists, ToTimestamp(ctx.now)));
        WritePlan plan = CellPlan(*db, t, std::move(dissolved),
                                  absl::StrCat("DissolveCell ", t.name.Format(), " (decision ",
                                               req.decision().number(), ")"));
        // No member may join the cell before the dissolution commits: members joining it
        // guard on the cell's revision (see member_changes.h).
        return plan;
      },
      CellPresenter(db), response);
}

grpc::ServerUnaryReactor* RecordsService::SetCellCommittee(
    grpc::CallbackServerContext* context, const v1::SetCellCommitteeRequest* request,
    v1::Cell* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "SetCellCommittee", *request, request->etag(),
      [db](const CallContext& ctx,
           const v1::SetCellCommitteeRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(CellTarget t, LoadCellTarget(*db, req.name(), req.etag()));
        std::vector<std::string> names;
        const v1::Cell::Committee& c = req.committee();
        if (!c.secretary().empty()) names.push_back(c.secretary());
        if (!c.deputy_secretary().empty()) names.push_back(c.deputy_secretary());
        for (const std::string& m : c.committee_members()) names.push_back(m);
        std::vector<Versioned<v1::Member>> people;
        WritePlan plan;
        for (const std::string& n : names) {
          absl::StatusOr<domain::MemberName> mn = domain::ParseMemberName(n, "committee");
          if (!mn.ok()) return mn.status();
          absl::StatusOr<Versioned<v1::Member>> m = LoadMember(*db, mn->organization, mn->member);
          if (!m.ok()) return m.status();
          plan.preconditions.push_back(MemberGuard(*db, mn->organization, mn->member, m->revision));
          people.push_back(*std::move(m));
        }
        std::vector<const v1::Member*> ptrs;
        for (const auto& p : people) ptrs.push_back(&p.value);
        ASSIGN_OR_RETURN(v1::Cell updated,
                         domain::SetCellCommittee(t.cell.value, req, ptrs, ToTimestamp(ctx.now)));
        WritePlan cell_plan = CellPlan(*db, t, std::move(updated),
                                       absl::StrCat("SetCellCommittee ", t.name.Format(),
                                                    " (decision ", req.decision().number(), ")"));
        for (Precondition& p : plan.preconditions) cell_plan.preconditions.push_back(std::move(p));
        return cell_plan;
      },
      CellPresenter(db), response);
}

grpc::ServerUnaryReactor* RecordsService::RateCell(grpc::CallbackServerContext* context,
                                                   const v1::RateCellRequest* request,
                                                   v1::Cell* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "RateCell", *request, request->etag(),
      [db](const CallContext& ctx, const v1::RateCellRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(CellTarget t, LoadCellTarget(*db, req.name(), req.etag()));
        ASSIGN_OR_RETURN(v1::Cell rated, domain::RateCell(t.cell.value, req, ToTimestamp(ctx.now)));
        return CellPlan(*db, t, std::move(rated),
                        absl::StrCat("RateCell ", t.name.Format(), " ", req.rating().year(), " ",
                                     v1::YearlyRating::Level_Name(req.rating().level())));
      },
      CellPresenter(db), response);
}

grpc::ServerUnaryReactor* RecordsService::GetCellHeadcount(
    grpc::CallbackServerContext* context, const v1::GetCellHeadcountRequest* request,
    v1::GetCellHeadcountResponse* response) {
  return ReplyFromPool(
      *authorizer_, options_.scan_pool, context, "GetCellHeadcount", *request,
      [this, request, response](const CallContext&, common::Cancellation* stop) -> absl::Status {
        RETURN_IF_ERROR(domain::Validate(*request));
        ASSIGN_OR_RETURN(domain::CellName name, domain::ParseCellName(request->name(), "name"));
        RETURN_IF_ERROR(LoadCell(*db_, name.organization, name.cell).status());
        absl::CivilDay as_of = domain::TodayIct();
        if (domain::IsSet(request->as_of())) {
          ASSIGN_OR_RETURN(as_of, domain::ToCivilDay(request->as_of(), "as_of"));
        }
        std::unique_ptr<ReadSnapshot> snapshot = TakeSnapshot(*db_);
        std::vector<v1::Member> members;
        RETURN_IF_ERROR(ScanMembersEverInCell(
            *db_, name.organization, name.cell, snapshot.get(),
            [&members](v1::Member& m) {
              members.push_back(std::move(m));
              return absl::OkStatus();
            },
            stop));
        std::vector<const v1::Member*> ptrs;
        for (const v1::Member& m : members) ptrs.push_back(&m);
        *response = domain::CellHeadcount(name.Format(), as_of, ptrs);
        return absl::OkStatus();
      });
}

}  // namespace records
