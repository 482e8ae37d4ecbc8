// ListAuditEvents.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/list_query.h"
#include "common/status_macros.h"
#include "services/records/domain/validation.h"
#include "services/records/service/handler_util.h"
#include "services/records/service/records_service.h"
#include "services/records/service/resource_reads.h"
#include "services/records/storage/keys.h"

namespace records {
namespace {

struct AuditFilter {
  std::vector<common::FilterTerm> terms;
  std::vector<std::pair<common::FilterOp, absl::Time>> time_bounds;
};

absl::StatusOr<AuditFilter> ParseAuditFilter(absl::string_view filter) {
  AuditFilter f;
  ASSIGN_OR_RETURN(f.terms, common::ParseFilter(filter));
  for (const common::FilterTerm& t : f.terms) {
    if (t.field != "time") continue;
    absl::Time time;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, t.value.text, &time, &error)) {
      return common::InvalidField("filter", absl::StrCat("time at position ", t.position,
                                                         " must be an RFC 3339 timestamp such as "
                                                         "\"2026-01-01T00:00:00Z\": ",
                                                         error));
    }
    f.time_bounds.emplace_back(t.op, time);
  }
  return f;
}

bool AuditMatches(const v1::AuditEvent& e, const AuditFilter& f) {
  for (const common::FilterTerm& t : f.terms) {
    const std::string& v = t.value.text;
    if (t.field == "resource") {
      if (absl::EndsWith(v, "/*")) {
        const absl::string_view prefix = absl::string_view(v).substr(0, v.size() - 1);
        if (!absl::StartsWith(e.resource_name(), prefix)) return false;
      } else if (e.resource_name() != v) {
        return false;
      }
    }
    if (t.field == "principal" && e.principal() != v) return false;
    if (t.field == "method" && e.method() != v) return false;
    if (t.field == "request_id" && e.request_id() != v) return false;
    if (t.field == "result" && v1::AuditEvent::Result_Name(e.result()) != v) return false;
  }
  const absl::Time time =
      absl::FromUnixSeconds(e.time().seconds()) + absl::Nanoseconds(e.time().nanos());
  for (const auto& [op, bound] : f.time_bounds) {
    switch (op) {
      case common::FilterOp::kGe:
        if (time < bound) return false;
        break;
      case common::FilterOp::kGt:
        if (time <= bound) return false;
        break;
      case common::FilterOp::kLe:
        if (time > bound) return false;
        break;
      case common::FilterOp::kLt:
        if (time >= bound) return false;
        break;
      case common::FilterOp::kEq:
        if (time != bound) return false;
        break;
      default:
        break;
    }
  }
  return true;
}

}  // namespace

grpc::ServerUnaryReactor* RecordsService::ListAuditEvents(grpc::CallbackServerContext* context,
                                                          const v1::ListAuditEventsRequest* request,
                                                          v1::ListAuditEventsResponse* response) {
  return ReplyNow(
      *authorizer_, context, "ListAuditEvents", [&](const CallContext& ctx) -> absl::Status {
        RETURN_IF_ERROR(domain::Validate(*request));
        ASSIGN_OR_RETURN(AuditFilter filter, ParseAuditFilter(request->filter()));
        ASSIGN_OR_RETURN(
            std::vector<common::OrderField> order,
            common::ParseOrderBy(request->order_by(), domain::AuditEventOrderFields()));
        ASSIGN_OR_RETURN(int page_size, common::NormalizePageSize(request->page_size()));
        const common::ListScope scope{"", request->filter(), request->order_by()};
        ASSIGN_OR_RETURN(std::string after, common::ParsePageToken(request->page_token(), scope));
        const bool desc = !order.empty() && order[0].desc;
        std::unique_ptr<common::Store::Snapshot> snapshot = db_->store()->GetSnapshot();
        std::unique_ptr<rocksdb::Iterator> it =
            db_->store()->NewIterator(db_->cf(keys::kAudit), snapshot->get());
        if (desc) {
          it->SeekToLast();
        } else {
          it->SeekToFirst();
        }
        int total = 0;
        bool more = false;
        std::string last_returned;
        for (; it->Valid(); desc ? it->Prev() : it->Next()) {
          const std::string key = it->key().ToString();
          v1::AuditEvent event;
          if (!event.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
            return absl::DataLossError("an audit entry is corrupt");
          }
          if (!AuditMatches(event, filter)) continue;
          ++total;
          const bool in_range = after.empty() || (desc ? key < after : key > after);
          if (in_range) {
            if (response->audit_events_size() < page_size) {
              if (request->view() != v1::AUDIT_EVENT_VIEW_FULL) {
                event.clear_before();
                event.clear_after();
              }
              if (event.before().has_member())
                MaskReply(ctx, event.mutable_before()->mutable_member());
              if (event.after().has_member())
                MaskReply(ctx, event.mutable_after()->mutable_member());
              *response->add_audit_events() = std::move(event);
              last_returned = key;
            } else {
              more = true;
            }
          }
          if (total >= kExactTotalLimit && more) break;
        }
        response->set_total_size(total);
        if (more) response->set_next_page_token(common::MakePageToken(last_returned, scope));
        return absl::OkStatus();
      });
}

}  // namespace records
