// ListAuditEvents.
#include <algorithm>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/cancellation.h"
#include "common/list_query.h"
#include "common/status_macros.h"
#include "services/records/domain/validation.h"
#include "services/records/service/handler_util.h"
#include "services/records/service/records_service.h"
#include "services/records/service/resource_reads.h"
#include "services/records/storage/logs.h"

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

// A page examines at most this many entries; pages may be short, even empty, with a token
// (AIP-158), so a call's cost does not grow with the log.
constexpr int kScanBudget = 10000;

absl::Time TimeOf(const v1::AuditEvent& e) {
  return absl::FromUnixSeconds(e.time().seconds()) + absl::Nanoseconds(e.time().nanos());
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
    if (t.field == "reason" && e.reason() != v) return false;
    if (t.field == "result" && v1::AuditEvent::Result_Name(e.result()) != v) return false;
  }
  const absl::Time time = TimeOf(e);
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

// The first sequence of `log` whose time is >= `t` (last() + 1 when none): a binary search,
// audit times never decreasing along the sequence.
absl::StatusOr<uint64_t> FirstAtOrAfter(const AuditLogReader& log, absl::Time t) {
  uint64_t lo = log.first(), hi = log.last() + 1;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    ASSIGN_OR_RETURN(v1::AuditEvent event, log.Read(mid));
    if (TimeOf(event) >= t) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

}  // namespace

grpc::ServerUnaryReactor* RecordsService::ListAuditEvents(grpc::CallbackServerContext* context,
                                                          const v1::ListAuditEventsRequest* request,
                                                          v1::ListAuditEventsResponse* response) {
  return ReplyFromPool(
      *authorizer_, options_.scan_pool, context, "ListAuditEvents", *request,
      [this, request, response](const CallContext& ctx,
                                common::Cancellation* stop) -> absl::Status {
        RETURN_IF_ERROR(domain::Validate(*request));
        ASSIGN_OR_RETURN(AuditFilter filter, ParseAuditFilter(request->filter()));
        ASSIGN_OR_RETURN(
            std::vector<common::OrderField> order,
            common::ParseOrderBy(request->order_by(), domain::AuditEventOrderFields()));
        ASSIGN_OR_RETURN(int page_size, common::NormalizePageSize(request->page_size()));
        const common::ListScope scope{"ListAuditEvents", "", request->filter(),
                                      request->order_by()};
        ASSIGN_OR_RETURN(std::string after, common::ParsePageToken(request->page_token(), scope));
        const bool desc = !order.empty() && order[0].desc;
        std::unique_ptr<ReadSnapshot> snapshot = TakeSnapshot(*db_);
        ASSIGN_OR_RETURN(const AuditLogReader log, AuditLogReader::Open(*db_, snapshot.get()));
        // Where the scan starts: just after the page token's key, or where the time bounds
        // begin (audit times never decrease along the sequence).
        uint64_t from = desc ? log.last() : log.first();
        if (!after.empty()) {
          uint64_t seq = 0;
          if (!ParseSequenceCursor(after, &seq)) {
            return common::InvalidField("page_token", "is not a token of this list");
          }
          from = desc ? seq - 1 : seq + 1;
        }
        std::optional<absl::Time> lower, upper;
        for (const auto& [op, bound] : filter.time_bounds) {
          if (op == common::FilterOp::kGe || op == common::FilterOp::kGt ||
              op == common::FilterOp::kEq) {
            lower = lower.has_value() ? std::max(*lower, bound) : bound;
          }
          if (op == common::FilterOp::kLe || op == common::FilterOp::kLt ||
              op == common::FilterOp::kEq) {
            upper = upper.has_value() ? std::min(*upper, bound) : bound;
          }
        }
        if (!desc && lower.has_value()) {
          ASSIGN_OR_RETURN(uint64_t first_in_range, FirstAtOrAfter(log, *lower));
          from = std::max(from, first_in_range);
        }
        if (desc && upper.has_value()) {
          ASSIGN_OR_RETURN(uint64_t first_after,
                           FirstAtOrAfter(log, *upper + absl::Nanoseconds(1)));
          from = std::min(from, first_after - 1);
        }
        int examined = 0;
        int matched = 0;
        bool more = false;
        bool passed_bound = false;
        uint64_t last_seen = 0;
        RETURN_IF_ERROR(log.Scan(
            from, desc, stop,
            [&](uint64_t sequence, absl::StatusOr<v1::AuditEvent>& read) -> absl::StatusOr<bool> {
              if (response->audit_events_size() >= page_size || examined >= kScanBudget) {
                more = true;  // a short page when the budget ran out: the next one goes on
                return false;
              }
              ++examined;
              last_seen = sequence;
              if (!read.ok()) return read.status();
              v1::AuditEvent& event = *read;
              const absl::Time time = TimeOf(event);
              if ((!desc && upper.has_value() && time > *upper) ||
                  (desc && lower.has_value() && time < *lower)) {
                passed_bound = true;  // nothing further can match
                return false;
              }
              if (!AuditMatches(event, filter)) return true;
              ++matched;
              if (request->view() != v1::AUDIT_EVENT_VIEW_FULL) {
                event.clear_before();
                event.clear_after();
              }
              domain::MaskHeldResource(event.mutable_before(), ctx.pii_read, ctx.dues_read);
              domain::MaskHeldResource(event.mutable_after(), ctx.pii_read, ctx.dues_read);
              *response->add_audit_events() = std::move(event);
              return true;
            }));
        if (more && !passed_bound) {
          response->set_next_page_token(common::MakePageToken(SequenceCursor(last_seen), scope));
        }
        // total_size: exact without a filter (the log is gapless) or when this page saw the
        // whole log; otherwise estimated from this page's match ratio.
        const int64_t size = log.size();
        int64_t total = 0;
        if (request->filter().empty()) {
          total = size;
        } else if (after.empty() && !more) {  // skipped entries lie outside the time bounds
          total = matched;
        } else if (examined > 0) {
          total = std::max<int64_t>(matched, size * matched / examined);
        }
        response->set_total_size(static_cast<int>(std::min<int64_t>(total, INT32_MAX)));
        return absl::OkStatus();
      });
}

}  // namespace records
