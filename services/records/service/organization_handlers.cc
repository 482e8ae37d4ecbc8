// Organizations: Create, Get, List, Update, Close.
#include "absl/strings/str_cat.h"
#include "common/cancellation.h"
#include "common/list_query.h"
#include "common/status_macros.h"
#include "common/vi_text.h"
#include "services/records/domain/dates.h"
#include "services/records/domain/names.h"
#include "services/records/domain/organization_rules.h"
#include "services/records/domain/validation.h"
#include "services/records/service/handler_util.h"
#include "services/records/service/records_service.h"
#include "services/records/service/resource_reads.h"
#include "services/records/storage/revision.h"

namespace records {
namespace {

// The organization's active cells. A cell that cannot be read is an error, never "not active":
// closing an organization relies on this count.
absl::StatusOr<int> ActiveCells(const RecordsDb& db, absl::string_view org) {
  int count = 0;
  RETURN_IF_ERROR(ScanCells(db, org, [&count](const v1::Cell& cell) {
    if (cell.state() == v1::Cell::ACTIVE) ++count;
    return absl::OkStatus();
  }));
  return count;
}
// A page of every organization in name order, which is their key order: the page is a range of
// keys that starts after the token's, so only its organizations are read. The others are only
// counted, by key, up to the bound below which totals are exact (`*total`).
absl::StatusOr<Page<v1::Organization>> OrganizationPageByName(const RecordsDb& db,
                                                              const std::string& after, bool desc,
                                                              int page_size,
                                                              common::Cancellation* stop,
                                                              size_t* total) {
  std::string after_name;  // the token's organization
  if (!after.empty() && (!SortKey::ParseText(after, &after_name) ||
                         !domain::ParseOrganizationName(after_name, "page_token").ok())) {
    return common::InvalidField("page_token", "does not continue a list of organizations");
  }
  ASSIGN_OR_RETURN(OrganizationRange range, ReadOrganizationsByName(db, after_name, desc, page_size,
                                                                    kExactTotalLimit, stop));
  Page<v1::Organization> page;
  page.items = std::move(range.items);
  if (range.more && !page.items.empty()) {
    page.next_key = std::move(SortKey().Text(page.items.back().name())).Take();
  }
  *total = range.counted;
  return page;
}
bool OrganizationMatches(const v1::Organization& org,
                         const std::vector<common::FilterTerm>& terms) {
  for (const common::FilterTerm& t : terms) {
    if (t.field == "parent" && org.parent() != t.value.text) return false;
    if (t.field == "region" && org.region() != t.value.text) return false;
    if (t.field == "code" && org.code() != t.value.text) return false;
    if (t.field == "state" && v1::Organization::State_Name(org.state()) != t.value.text) {
      return false;
    }
    if (t.field == "valid_in_year") {
      const int year = static_cast<int>(t.value.integer);
      if (org.valid_from().year() > year) return false;
      if (org.has_valid_to() && org.valid_to().year() > 0 && org.valid_to().year() < year) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

RecordsService::RecordsService(RecordsDb* db, common::ChangeHub* hub,
                               const common::Authorizer* authorizer, RecordsServiceOptions options)
    : db_(db), hub_(hub), authorizer_(authorizer), options_(options) {}

grpc::ServerUnaryReactor* RecordsService::CreateOrganization(
    grpc::CallbackServerContext* context, const v1::CreateOrganizationRequest* request,
    v1::Organization* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "CreateOrganization", *request, "",
      [db](const CallContext& ctx,
           const v1::CreateOrganizationRequest& req) -> absl::StatusOr<WritePlan> {
        const std::string& id = req.organization_id();
        if (LoadOrganization(*db, id).ok()) {
          return common::WithReason(
              absl::AlreadyExistsError(
                  absl::StrCat("organization ", domain::OrganizationNameOf(id), " already exists")),
              "ORGANIZATION_ALREADY_EXISTS");
        }
        std::optional<Versioned<v1::Organization>> parent;
        if (!req.organization().parent().empty()) {
          ASSIGN_OR_RETURN(
              domain::OrganizationName pname,
              domain::ParseOrganizationName(req.organization().parent(), "organization.parent"));
          ASSIGN_OR_RETURN(parent, LoadOrganization(*db, pname.organization));
        }
        ASSIGN_OR_RETURN(
            v1::Organization org,
            domain::NewOrganization(req, parent ? &parent->value : nullptr, ToTimestamp(ctx.now)));
        WritePlan plan;
        plan.changes.push_back(OrganizationChange(id, 0, nullptr, std::move(org)));
        if (parent.has_value()) {
          // The parent must still be ACTIVE when the creation commits.
          plan.preconditions.push_back(OrganizationGuard(
              *db, OrganizationIdOf(req.organization().parent()), parent->revision));
        }
        plan.summary = absl::StrCat("CreateOrganization ", domain::OrganizationNameOf(id));
        return plan;
      },
      nullptr, response);
}

grpc::ServerUnaryReactor* RecordsService::GetOrganization(grpc::CallbackServerContext* context,
                                                          const v1::GetOrganizationRequest* request,
                                                          v1::Organization* response) {
  return ReplyNow(*authorizer_, context, "GetOrganization", *request, [&]() -> absl::Status {
    RETURN_IF_ERROR(domain::Validate(*request));
    ASSIGN_OR_RETURN(domain::OrganizationName name,
                     domain::ParseOrganizationName(request->name(), "name"));
    ASSIGN_OR_RETURN(Versioned<v1::Organization> org, LoadOrganization(*db_, name.organization));
    *response = std::move(org.value);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* RecordsService::ListOrganizations(
    grpc::CallbackServerContext* context, const v1::ListOrganizationsRequest* request,
    v1::ListOrganizationsResponse* response) {
  return ReplyFromPool(
      *authorizer_, options_.scan_pool, context, "ListOrganizations", *request,
      [this, request, response](const CallContext&, common::Cancellation* stop) -> absl::Status {
        RETURN_IF_ERROR(domain::Validate(*request));
        ASSIGN_OR_RETURN(common::ListRequest list,
                         common::ParseListRequest("ListOrganizations", "", *request,
                                                  domain::OrganizationOrderFields()));
        const std::vector<common::FilterTerm>& terms = list.terms;
        const std::vector<common::OrderField>& order = list.order;
        const std::string field = order.empty() ? "name" : order[0].field;
        const bool desc = !order.empty() && order[0].desc;
        Page<v1::Organization> page;
        size_t total = 0;
        if (terms.empty() && field == "name") {
          ASSIGN_OR_RETURN(
              page, OrganizationPageByName(*db_, list.after, desc, list.page_size, stop, &total));
        } else {
          ASSIGN_OR_RETURN(page,
                           ScanPage<v1::Organization>(
                               [&](const Visitor<v1::Organization>& visit) {
                                 return ScanOrganizations(*db_, visit, stop);
                               },
                               [&](const v1::Organization& org) -> std::optional<std::string> {
                                 if (!OrganizationMatches(org, terms)) return std::nullopt;
                                 SortKey key;
                                 if (field == "display_name") {
                                   key.Text(common::FoldForSearch(org.display_name()));
                                 }
                                 if (field == "code") key.Text(org.code());
                                 return std::move(key.Text(org.name())).Take();
                               },
                               list.after, desc, list.page_size, &total));
          total = std::min<size_t>(total, kExactTotalLimit);
        }
        response->set_total_size(static_cast<int>(total));
        for (v1::Organization& listed : page.items) {
          *response->add_organizations() = std::move(listed);
        }
        response->set_next_page_token(list.NextPageToken(page.next_key));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RecordsService::UpdateOrganization(
    grpc::CallbackServerContext* context, const v1::UpdateOrganizationRequest* request,
    v1::Organization* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "UpdateOrganization", *request, request->organization().etag(),
      [db](const CallContext& ctx,
           const v1::UpdateOrganizationRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(
            domain::OrganizationName name,
            domain::ParseOrganizationName(req.organization().name(), "organization.name"));
        ASSIGN_OR_RETURN(Versioned<v1::Organization> current,
                         LoadOrganization(*db, name.organization));
        RETURN_IF_ERROR(CheckEtag(req.organization().etag(), current.revision, name.Format()));
        ASSIGN_OR_RETURN(v1::Organization updated,
                         domain::UpdateOrganization(current.value, req, ToTimestamp(ctx.now)));
        WritePlan plan;
        plan.before = std::make_shared<v1::Organization>(current.value);
        plan.changes.push_back(OrganizationChange(name.organization, current.revision,
                                                  &current.value, std::move(updated)));
        for (const std::string& p : req.update_mask().paths()) plan.changed_fields.push_back(p);
        plan.summary = absl::StrCat("UpdateOrganization ", name.Format());
        return plan;
      },
      nullptr, response);
}

grpc::ServerUnaryReactor* RecordsService::CloseOrganization(
    grpc::CallbackServerContext* context, const v1::CloseOrganizationRequest* request,
    v1::Organization* response) {
  RecordsDb* db = db_;
  return ReplyWrite(
      *authorizer_, db, context, "CloseOrganization", *request, request->etag(),
      [db](const CallContext& ctx,
           const v1::CloseOrganizationRequest& req) -> absl::StatusOr<WritePlan> {
        ASSIGN_OR_RETURN(domain::OrganizationName name,
                         domain::ParseOrganizationName(req.name(), "name"));
        ASSIGN_OR_RETURN(Versioned<v1::Organization> current,
                         LoadOrganization(*db, name.organization));
        RETURN_IF_ERROR(CheckEtag(req.etag(), current.revision, name.Format()));
        std::optional<Versioned<v1::Organization>> successor;
        WritePlan plan;
        if (!req.successor().empty()) {
          ASSIGN_OR_RETURN(domain::OrganizationName sname,
                           domain::ParseOrganizationName(req.successor(), "successor"));
          ASSIGN_OR_RETURN(successor, LoadOrganization(*db, sname.organization));
          // The successor must still be ACTIVE when the close commits.
          plan.preconditions.push_back(
              OrganizationGuard(*db, sname.organization, successor->revision));
        }
        ASSIGN_OR_RETURN(const int active_cells, ActiveCells(*db, name.organization));
        ASSIGN_OR_RETURN(v1::Organization closed,
                         domain::CloseOrganization(current.value, req, active_cells,
                                                   successor ? &successor->value : nullptr,
                                                   ToTimestamp(ctx.now)));
        plan.before = std::make_shared<v1::Organization>(current.value);
        plan.changes.push_back(OrganizationChange(name.organization, current.revision,
                                                  &current.value, std::move(closed)));
        plan.changed_fields = {"state", "valid_to", "successor"};
        plan.summary = absl::StrCat("CloseOrganization ", name.Format(), " (decision ",
                                    req.decision().number(), ")");
        return plan;
      },
      nullptr, response);
}

}  // namespace records
