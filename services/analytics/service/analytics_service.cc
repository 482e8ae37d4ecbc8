#include "services/analytics/service/analytics_service.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/list_query.h"
#include "common/logging.h"
#include "common/pooled_call.h"
#include "common/status_macros.h"
#include "common/vi_text.h"
#include "google/protobuf/util/time_util.h"
#include "services/analytics/domain/figures.h"
#include "services/analytics/domain/observation_csv.h"
#include "services/analytics/domain/observation_update.h"
#include "services/analytics/domain/performance.h"
#include "services/analytics/domain/ranking.h"
#include "services/analytics/domain/resource_names.h"
#include "services/analytics/domain/term.h"
#include "services/analytics/domain/term_summary.h"
#include "services/analytics/domain/value_domain.h"
#include "services/analytics/follower/party_statistics.h"
#include "services/analytics/service/indicator_stream.h"

namespace analytics {
namespace {

using ::dangbo::analytics::storage::v1::RequestRecord;
using ::google::protobuf::util::TimeUtil;

// Request bounds. A RecordObservations call: at most kMaxObservationRows rows (as
// observations or CSV records; the CSV text itself is bounded by --max_message_bytes and
// parsed in one pass). GetYearlyPerformance, CompareYears and GetTermSummary: at most
// kMaxSelectedIndicators indicator ids (an organization has a handful). List filters and
// order_by: common/list_query.h.
constexpr int kMaxObservationRows = 10000;
constexpr int kMaxSelectedIndicators = 100;
// A write forwarded to the writer; and how long a replica then waits to apply it.
constexpr absl::Duration kForwardTimeout = absl::Seconds(30);
constexpr absl::Duration kReadYourWriteWait = absl::Seconds(5);

google::protobuf::Timestamp Now() {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(absl::Now()));
}

size_t CodePoints(const std::string& text) {
  return std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

std::string Etag(v1::Indicator indicator) {
  indicator.clear_etag();
  return absl::StrFormat("%016x", Fingerprint(indicator));
}

// The first response of a request_id, or nullopt to go ahead. Same id with another body is
// INVALID_ARGUMENT (REQUEST_ID_REUSED). Call under the write mutex.
template <typename Request, typename Response>
absl::StatusOr<bool> Replayed(const IndicatorStore& store, absl::string_view method,
                              const Request& request, Response* response, uint64_t* fingerprint) {
  Request without_id = request;
  without_id.clear_request_id();
  *fingerprint = Fingerprint(without_id);
  if (request.request_id().empty()) return false;
  ASSIGN_OR_RETURN(std::optional<RequestRecord> record,
                   store.GetRequest(method, request.request_id()));
  if (!record.has_value()) return false;
  if (record->fingerprint() != *fingerprint) {
    return common::WithReason(
        common::InvalidField("request_id",
                             "was already used for a different request; use a "
                             "new request_id for a new request"),
        "REQUEST_ID_REUSED");
  }
  if (!response->ParseFromString(record->response())) {
    return absl::DataLossError("corrupt idempotency record");
  }
  return true;
}

template <typename Response>
void RememberRequest(IndicatorStore* store, IndicatorWrite* batch, absl::string_view method,
                     const std::string& request_id, uint64_t fingerprint,
                     const Response& response) {
  if (request_id.empty()) return;
  RequestRecord record;
  record.set_fingerprint(fingerprint);
  record.set_response(response.SerializeAsString());
  *record.mutable_time() = Now();
  store->PutRequest(batch, method, request_id, record);
}

// Validates the mutable definition fields of an indicator into `v`.
void ValidateDefinition(v1::Indicator* indicator, const std::string& prefix, bool check_display,
                        bool check_unit_display, bool check_description,
                        common::FieldViolations* v) {
  if (check_display) {
    absl::StatusOr<std::string> name = common::NormalizeName(indicator->display_name());
    if (!name.ok() || name->empty() || CodePoints(*name) > 200) {
      v->Add(prefix + "display_name", "is required: 1 to 200 characters of UTF-8 text");
    } else {
      indicator->set_display_name(*name);
    }
  }
  if (check_unit_display) {
    absl::StatusOr<std::string> text = common::ToNfc(indicator->unit_display());
    if (!text.ok() || CodePoints(*text) > 50) {
      v->Add(prefix + "unit_display", "must be at most 50 characters of UTF-8 text");
    } else {
      indicator->set_unit_display(*text);
    }
  }
  if (check_description) {
    absl::StatusOr<std::string> text = common::ToNfc(indicator->description());
    if (!text.ok() || CodePoints(*text) > 2000) {
      v->Add(prefix + "description", "must be at most 2000 characters of UTF-8 text");
    } else {
      indicator->set_description(*text);
    }
  }
}

bool IsUnitCode(const std::string& unit) {
  if (unit.empty() || unit.size() > 32 || !(unit[0] >= 'a' && unit[0] <= 'z')) return false;
  for (char c : unit) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

IndicatorTraits TraitsOf(const v1::Indicator& indicator) {
  return IndicatorTraits{indicator.kind(), indicator.direction()};
}

int CurrentYear() { return TodayInVietnam().year(); }

// The organization's indicators, or only `ids` (each must exist: INVALID_ARGUMENT naming
// indicators[i]), by name.
absl::StatusOr<std::vector<v1::Indicator>> SelectIndicators(
    const IndicatorStore& store, const std::string& org,
    const google::protobuf::RepeatedPtrField<std::string>& ids) {
  if (ids.size() > kMaxSelectedIndicators) {
    return common::InvalidField("indicators", absl::StrCat("has ", ids.size(), " entries; at most ",
                                                           kMaxSelectedIndicators, " are allowed"));
  }
  ASSIGN_OR_RETURN(std::vector<v1::Indicator> all, store.ListIndicators(org));
  if (ids.empty()) return all;
  common::FieldViolations v;
  std::vector<v1::Indicator> out;
  std::set<std::string> seen;
  for (int i = 0; i < ids.size(); ++i) {
    const std::string field = absl::StrCat("indicators[", i, "]");
    if (!IsResourceId(ids[i])) {
      v.Add(field, "must be an indicator id (RFC-1034), e.g. \"state-budget-revenue\"");
      continue;
    }
    auto it = std::find_if(all.begin(), all.end(), [&](const v1::Indicator& ind) {
      return ind.name() == IndicatorResourceName(org, ids[i]);
    });
    if (it == all.end()) {
      v.Add(field, absl::StrCat("organizations/", org, " has no indicator \"", ids[i], "\""));
    } else if (seen.insert(ids[i]).second) {
      out.push_back(*it);
    }
  }
  RETURN_IF_ERROR(v.ToStatus());
  std::sort(out.begin(), out.end(),
            [](const v1::Indicator& a, const v1::Indicator& b) { return a.name() < b.name(); });
  return out;
}

absl::Status NoIndicators(const std::string& org) {
  return common::WithReason(
      absl::NotFoundError(absl::StrCat("organizations/", org,
                                       " has no indicators (create them with CreateIndicator)")),
      "ORGANIZATION_NOT_FOUND");
}

}  // namespace

AnalyticsServiceImpl::AnalyticsServiceImpl(IndicatorStore* indicators, ReadModelStore* read_model,
                                           RecordsFollower* follower,
                                           const common::Authorizer* authorizer,
                                           Replication replication, common::WorkPool* scan_pool)
    : indicators_(indicators),
      read_model_(read_model),
      follower_(follower),
      authorizer_(authorizer),
      replication_(replication),
      scan_pool_(scan_pool),
      value_domains_(indicators) {}

template <typename Fn>
grpc::ServerUnaryReactor* AnalyticsServiceImpl::Serve(grpc::CallbackServerContext* ctx,
                                                      absl::string_view method,
                                                      const google::protobuf::Message& request,
                                                      Fn fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<std::shared_ptr<const common::Principal>> principal =
      authorizer_->Authorize(*ctx, method, request);
  reactor->Finish(common::ToGrpcStatus(principal.ok() ? fn(**principal) : principal.status()));
  return reactor;
}

template <typename Fn>
grpc::ServerUnaryReactor* AnalyticsServiceImpl::ServeFromPool(
    grpc::CallbackServerContext* ctx, absl::string_view method,
    const google::protobuf::Message& request, Fn fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<std::shared_ptr<const common::Principal>> principal =
      authorizer_->Authorize(*ctx, method, request);
  if (!principal.ok()) {
    reactor->Finish(common::ToGrpcStatus(principal.status()));
    return reactor;
  }
  common::FinishOnPool(scan_pool_, ctx, reactor, method, std::move(fn));
  return reactor;
}

template <typename Request, typename Response, typename Fn>
grpc::ServerUnaryReactor* AnalyticsServiceImpl::ServeWrite(
    grpc::CallbackServerContext* ctx, absl::string_view method, const Request& request,
    Response* response,
    grpc::Status (v1::AnalyticsService::StubInterface::*forward)(grpc::ClientContext*,
                                                                 const Request&, Response*),
    Fn fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<std::shared_ptr<const common::Principal>> principal =
      authorizer_->Authorize(*ctx, method, request);
  if (!principal.ok()) {
    reactor->Finish(common::ToGrpcStatus(principal.status()));
    return reactor;
  }
  if (!replication_.replica()) {
    absl::Status status = fn(**principal);
    if (status.ok()) {
      ctx->AddTrailingMetadata(kIndicatorSequenceKey, absl::StrCat(indicators_->last_sequence()));
    }
    reactor->Finish(common::ToGrpcStatus(status));
    return reactor;
  }
  // A replica: the writer decides (validation, idempotency, etags); this thread waits for
  // it, which is fine for yearly figures written a few times a year.
  grpc::ClientContext client;
  client.set_deadline(std::min(ctx->deadline(), absl::ToChronoTime(absl::Now() + kForwardTimeout)));
  auto auth = ctx->client_metadata().find("authorization");
  if (auth != ctx->client_metadata().end()) {
    client.AddMetadata("authorization", std::string(auth->second.data(), auth->second.size()));
  }
  grpc::Status status = (replication_.writer->*forward)(&client, request, response);
  if (status.ok()) {
    auto head = client.GetServerTrailingMetadata().find(kIndicatorSequenceKey);
    uint64_t sequence = 0;
    if (head != client.GetServerTrailingMetadata().end() &&
        absl::SimpleAtoi(absl::string_view(head->second.data(), head->second.size()), &sequence) &&
        !replication_.follower->WaitApplied(sequence, kReadYourWriteWait)) {
      common::LogWarning(
          "write forwarded, but not yet applied here",
          {{"method", std::string(method)}, {"sequence", static_cast<int64_t>(sequence)}});
    }
  } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    status = grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        absl::StrCat("this read replica forwards writes to the analytics writer, which is "
                     "unavailable: ",
                     status.error_message()),
        status.error_details());
  }
  reactor->Finish(status);
  return reactor;
}

// ---------------------------------------------------------------------------------------------
// gRPC entry points

grpc::ServerUnaryReactor* AnalyticsServiceImpl::CreateIndicator(
    grpc::CallbackServerContext* ctx, const v1::CreateIndicatorRequest* request,
    v1::Indicator* response) {
  return ServeWrite(
      ctx, "CreateIndicator", *request, response,
      &v1::AnalyticsService::StubInterface::CreateIndicator,
      [&](const common::Principal& p) { return DoCreateIndicator(p.name, *request, response); });
}
grpc::ServerUnaryReactor* AnalyticsServiceImpl::GetIndicator(grpc::CallbackServerContext* ctx,
                                                             const v1::GetIndicatorRequest* request,
                                                             v1::Indicator* response) {
  return Serve(ctx, "GetIndicator", *request,
               [&](const common::Principal&) { return DoGetIndicator(*request, response); });
}
grpc::ServerUnaryReactor* AnalyticsServiceImpl::ListIndicators(
    grpc::CallbackServerContext* ctx, const v1::ListIndicatorsRequest* request,
    v1::ListIndicatorsResponse* response) {
  return Serve(ctx, "ListIndicators", *request,
               [&](const common::Principal&) { return DoListIndicators(*request, response); });
}
grpc::ServerUnaryReactor* AnalyticsServiceImpl::UpdateIndicator(
    grpc::CallbackServerContext* ctx, const v1::UpdateIndicatorRequest* request,
    v1::Indicator* response) {
  return ServeWrite(
      ctx, "UpdateIndicator", *request, response,
      &v1::AnalyticsService::StubInterface::UpdateIndicator,
      [&](const common::Principal&) { return DoUpdateIndicator(*request, response); });
}
grpc::ServerUnaryReactor* AnalyticsServiceImpl::DeleteIndicator(
    grpc::CallbackServerContext* ctx, const v1::DeleteIndicatorRequest* request,
    google::protobuf::Empty* response) {
  return ServeWrite(ctx, "DeleteIndicator", *request, response,
                    &v1::AnalyticsService::StubInterface::DeleteIndicator,
                    [&](const common::Principal&) { return DoDeleteIndicator(*request); });
}
grpc::ServerUnaryReactor* AnalyticsServiceImpl::RecordObservations(
    grpc::CallbackServerContext* ctx, const v1::RecordObservationsRequest* request,
    v1::RecordObservationsResponse* response) {
  return ServeWrite(ctx, "RecordObservations", *request, response,
                    &v1::AnalyticsService::StubInterface::RecordObservations,
                    [&](const common::Principal& p) {
                      common::Cancellation stop(ctx);
                      return DoRecordObservations(p.name, *request, response, &stop);
                    });
}
grpc::ServerUnaryReactor* AnalyticsServiceImpl::ListObservations(
    grpc::CallbackServerContext* ctx, const v1::ListObservationsRequest* request,
    v1::ListObservationsResponse* response) {
  return Serve(ctx, "ListObservations", *request, [&](const common::Principal&) {
    common::Cancellation stop(ctx);
    return DoListObservations(*request, response, &stop);
  });
}
grpc::ServerUnaryReactor* AnalyticsServiceImpl::GetYearlyPerformance(
    grpc::CallbackServerContext* ctx, const v1::GetYearlyPerformanceRequest* request,
    v1::GetYearlyPerformanceResponse* response) {
  return Serve(ctx, "GetYearlyPerformance", *request, [&](const common::Principal&) {
    return DoGetYearlyPerformance(*request, response);
  });
}
grpc::ServerUnaryReactor* AnalyticsServiceImpl::CompareYears(grpc::CallbackServerContext* ctx,
                                                             const v1::CompareYearsRequest* request,
                                                             v1::CompareYearsResponse* response) {
  return Serve(ctx, "CompareYears", *request,
               [&](const common::Principal&) { return DoCompareYears(*request, response); });
}
grpc::ServerUnaryReactor* AnalyticsServiceImpl::GetTermSummary(
    grpc::CallbackServerContext* ctx, const v1::GetTermSummaryRequest* request,
    v1::GetTermSummaryResponse* response) {
  return Serve(ctx, "GetTermSummary", *request,
               [&](const common::Principal&) { return DoGetTermSummary(*request, response); });
}
grpc::ServerUnaryReactor* AnalyticsServiceImpl::RankOrganizations(
    grpc::CallbackServerContext* ctx, const v1::RankOrganizationsRequest* request,
    v1::RankOrganizationsResponse* response) {
  return ServeFromPool(ctx, "RankOrganizations", *request,
                       [this, request, response](common::Cancellation* stop) {
                         return DoRankOrganizations(*request, response, stop);
                       });
}
grpc::ServerUnaryReactor* AnalyticsServiceImpl::GetIndicatorSeries(
    grpc::CallbackServerContext* ctx, const v1::GetIndicatorSeriesRequest* request,
    v1::GetIndicatorSeriesResponse* response) {
  return Serve(ctx, "GetIndicatorSeries", *request, [&](const common::Principal&) {
    common::Cancellation stop(ctx);
    return DoGetIndicatorSeries(*request, response, &stop);
  });
}
grpc::ServerUnaryReactor* AnalyticsServiceImpl::GetPartyStatistics(
    grpc::CallbackServerContext* ctx, const v1::GetPartyStatisticsRequest* request,
    v1::PartyStatistics* response) {
  return Serve(ctx, "GetPartyStatistics", *request,
               [&](const common::Principal&) { return DoGetPartyStatistics(*request, response); });
}
grpc::ServerUnaryReactor* AnalyticsServiceImpl::ListPartyStatistics(
    grpc::CallbackServerContext* ctx, const v1::ListPartyStatisticsRequest* request,
    v1::ListPartyStatisticsResponse* response) {
  return Serve(ctx, "ListPartyStatistics", *request, [&](const common::Principal&) {
    common::Cancellation stop(ctx);
    return DoListPartyStatistics(*request, response, &stop);
  });
}
grpc::ServerUnaryReactor* AnalyticsServiceImpl::GetFollowerStatus(
    grpc::CallbackServerContext* ctx, const v1::GetFollowerStatusRequest* request,
    v1::GetFollowerStatusResponse* response) {
  return Serve(ctx, "GetFollowerStatus", *request, [&](const common::Principal&) {
    *response = follower_->Status();
    if (replication_.replica()) {
      *response->mutable_indicator_replication() = replication_.follower->Status();
    } else {
      v1::IndicatorReplication* r = response->mutable_indicator_replication();
      r->set_role("writer");
      r->set_last_applied_sequence(indicators_->last_sequence());
      r->set_writer_head_sequence(indicators_->last_sequence());
      r->set_log_id(indicators_->log_id());
      r->set_synced(true);
    }
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<v1::IndicatorChange>* AnalyticsServiceImpl::WatchIndicatorChanges(
    grpc::CallbackServerContext* ctx, const v1::WatchIndicatorChangesRequest* request) {
  absl::StatusOr<std::shared_ptr<const common::Principal>> caller =
      authorizer_->Authorize(*ctx, "WatchIndicatorChanges", *request);
  absl::Status status = caller.status();
  if (status.ok() && (replication_.replica() || replication_.hub == nullptr)) {
    status = common::WithReason(absl::FailedPreconditionError(
                                    "this analytics server is a read replica; follow the writer's "
                                    "WatchIndicatorChanges instead"),
                                "NOT_THE_WRITER");
  }
  if (status.ok()) status = CheckIndicatorWatch(*indicators_, *request);
  if (!status.ok()) return NewIndicatorStream(indicators_, replication_.hub, *request, status);
  return NewIndicatorStream(
      indicators_, replication_.hub, *request,
      common::CallGrant(authorizer_, *ctx, "WatchIndicatorChanges", *std::move(caller)));
}

// ---------------------------------------------------------------------------------------------
// Indicators

absl::Status AnalyticsServiceImpl::DoCreateIndicator(const std::string& principal,
                                                     const v1::CreateIndicatorRequest& request,
                                                     v1::Indicator* response) {
  (void)principal;
  common::FieldViolations v;
  absl::StatusOr<std::string> org = ParseOrganizationName(request.parent(), "parent");
  if (!org.ok()) v.Add("parent", common::FieldViolationsOf(org.status())[0].second);
  if (!IsResourceId(request.indicator_id())) {
    v.Add("indicator_id",
          "must be an RFC-1034 id: [a-z]([a-z0-9-]{0,61}[a-z0-9])?, e.g. "
          "\"state-budget-revenue\"");
  }
  if (!request.has_indicator()) v.Add("indicator", "is required");
  v1::Indicator indicator = request.indicator();
  ValidateDefinition(&indicator, "indicator.", true, true, true, &v);
  if (!IsUnitCode(indicator.unit())) {
    v.Add("indicator.unit", "must match [a-z][a-z0-9_]{0,31}, e.g. \"billion_vnd\", \"count\"");
  }
  if (indicator.kind() != v1::Indicator::FLOW && indicator.kind() != v1::Indicator::STOCK) {
    v.Add("indicator.kind", "must be FLOW or STOCK");
  }
  if (indicator.direction() != v1::Indicator::HIGHER_IS_BETTER &&
      indicator.direction() != v1::Indicator::LOWER_IS_BETTER) {
    v.Add("indicator.direction", "must be HIGHER_IS_BETTER or LOWER_IS_BETTER");
  }
  for (auto& [field, rule] :
       ValidateValueDomain(indicator.value_domain(), "indicator.value_domain")) {
    v.Add(field, rule);
  }
  if (absl::Status s = ValidateRequestId(request.request_id(), "request_id"); !s.ok()) {
    v.Add("request_id", common::FieldViolationsOf(s)[0].second);
  }
  RETURN_IF_ERROR(v.ToStatus());

  absl::MutexLock lock(&indicators_->write_mutex());
  uint64_t fingerprint = 0;
  ASSIGN_OR_RETURN(bool replayed,
                   Replayed(*indicators_, "CreateIndicator", request, response, &fingerprint));
  if (replayed) return absl::OkStatus();
  if (indicators_->GetIndicator(*org, request.indicator_id()).ok()) {
    return common::WithReason(
        absl::AlreadyExistsError(absl::StrCat(
            "indicator ", IndicatorResourceName(*org, request.indicator_id()), " already exists")),
        "INDICATOR_ALREADY_EXISTS");
  }
  indicator.set_name(IndicatorResourceName(*org, request.indicator_id()));
  *indicator.mutable_create_time() = Now();
  *indicator.mutable_update_time() = indicator.create_time();
  indicator.set_etag(Etag(indicator));
  IndicatorWrite batch;
  indicators_->PutIndicator(&batch, *org, request.indicator_id(), indicator);
  RememberRequest(indicators_, &batch, "CreateIndicator", request.request_id(), fingerprint,
                  indicator);
  RETURN_IF_ERROR(indicators_->Commit(&batch));
  *response = indicator;
  return absl::OkStatus();
}

absl::Status AnalyticsServiceImpl::DoGetIndicator(const v1::GetIndicatorRequest& request,
                                                  v1::Indicator* response) {
  ASSIGN_OR_RETURN(IndicatorName name, ParseIndicatorName(request.name(), "name"));
  ASSIGN_OR_RETURN(*response, indicators_->GetIndicator(name.organization, name.indicator));
  return absl::OkStatus();
}

absl::Status AnalyticsServiceImpl::DoListIndicators(const v1::ListIndicatorsRequest& request,
                                                    v1::ListIndicatorsResponse* response) {
  ASSIGN_OR_RETURN(std::string org, ParseOrganizationName(request.parent(), "parent"));
  ASSIGN_OR_RETURN(int page_size, common::NormalizePageSize(request.page_size()));
  ASSIGN_OR_RETURN(std::vector<common::FilterTerm> terms, common::ParseFilter(request.filter()));
  using Kind = common::FilterValue::Kind;
  const common::FilterSpec spec = {
      {"kind", {common::FilterOp::kEq}, {Kind::kIdentifier}, {"FLOW", "STOCK"}},
      {"unit", {common::FilterOp::kEq}, {Kind::kString}, {}},
      {"direction",
       {common::FilterOp::kEq},
       {Kind::kIdentifier},
       {"HIGHER_IS_BETTER", "LOWER_IS_BETTER"}}};
  RETURN_IF_ERROR(common::CheckFilter(terms, spec));
  ASSIGN_OR_RETURN(std::vector<common::OrderField> order,
                   common::ParseOrderBy(request.order_by(), {"name", "display_name"}));
  const common::ListScope scope{"ListIndicators", request.parent(), request.filter(),
                                request.order_by()};
  ASSIGN_OR_RETURN(std::string last, common::ParsePageToken(request.page_token(), scope));

  ASSIGN_OR_RETURN(std::vector<v1::Indicator> all, indicators_->ListIndicators(org));
  std::vector<v1::Indicator> matching;
  for (v1::Indicator& indicator : all) {
    bool keep = true;
    for (const common::FilterTerm& term : terms) {
      if (term.field == "kind")
        keep &= v1::Indicator::Kind_Name(indicator.kind()) == term.value.text;
      if (term.field == "unit") keep &= indicator.unit() == term.value.text;
      if (term.field == "direction") {
        keep &= v1::Indicator::Direction_Name(indicator.direction()) == term.value.text;
      }
    }
    if (keep) matching.push_back(std::move(indicator));
  }
  const bool by_display = !order.empty() && order[0].field == "display_name";
  const bool desc = !order.empty() && order[0].desc;
  auto key = [&](const v1::Indicator& i) {
    return by_display ? absl::StrCat(common::FoldForSearch(i.display_name()), "\x01",
                                     i.display_name(), "\x01", i.name())
                      : i.name();
  };
  std::sort(matching.begin(), matching.end(), [&](const v1::Indicator& a, const v1::Indicator& b) {
    return desc ? key(a) > key(b) : key(a) < key(b);
  });
  size_t start = 0;
  if (!last.empty()) {
    // The token holds the last key returned; continue after it.
    start = std::upper_bound(matching.begin(), matching.end(), last,
                             [&](const std::string& k, const v1::Indicator& i) {
                               return desc ? k > key(i) : k < key(i);
                             }) -
            matching.begin();
  }
  response->set_total_size(static_cast<int>(matching.size()));
  for (size_t i = start; i < matching.size() && response->indicators_size() < page_size; ++i) {
    *response->add_indicators() = matching[i];
  }
  if (start + response->indicators_size() < matching.size()) {
    response->set_next_page_token(
        common::MakePageToken(key(matching[start + response->indicators_size() - 1]), scope));
  }
  return absl::OkStatus();
}

absl::Status AnalyticsServiceImpl::DoUpdateIndicator(const v1::UpdateIndicatorRequest& request,
                                                     v1::Indicator* response) {
  ASSIGN_OR_RETURN(IndicatorName name,
                   ParseIndicatorName(request.indicator().name(), "indicator.name"));
  RETURN_IF_ERROR(ValidateRequestId(request.request_id(), "request_id"));
  std::set<std::string> paths;
  common::FieldViolations v;
  if (request.has_update_mask() && request.update_mask().paths_size() > 0) {
    for (const std::string& path : request.update_mask().paths()) {
      if (path == "display_name" || path == "unit_display" || path == "description" ||
          path == "value_domain") {
        paths.insert(path);
      } else if (path == "unit" || path == "kind" || path == "direction") {
        v.Add("update_mask", absl::StrCat("\"", path, "\" is IMMUTABLE; create a new indicator"));
      } else if (path != "name" && path != "create_time" && path != "update_time" &&
                 path != "etag") {
        v.Add("update_mask", absl::StrCat("unknown path \"", path,
                                          "\"; updatable: display_name, unit_display, "
                                          "description, value_domain"));
      }
    }
  } else {
    if (!request.indicator().display_name().empty()) paths.insert("display_name");
    if (!request.indicator().unit_display().empty()) paths.insert("unit_display");
    if (!request.indicator().description().empty()) paths.insert("description");
    if (request.indicator().has_value_domain()) paths.insert("value_domain");
  }
  v1::Indicator given = request.indicator();
  ValidateDefinition(&given, "indicator.", paths.count("display_name") > 0,
                     paths.count("unit_display") > 0, paths.count("description") > 0, &v);
  if (paths.count("value_domain") > 0) {
    for (auto& [field, rule] :
         ValidateValueDomain(given.value_domain(), "indicator.value_domain")) {
      v.Add(field, rule);
    }
  }
  RETURN_IF_ERROR(v.ToStatus());

  absl::MutexLock lock(&indicators_->write_mutex());
  uint64_t fingerprint = 0;
  ASSIGN_OR_RETURN(bool replayed,
                   Replayed(*indicators_, "UpdateIndicator", request, response, &fingerprint));
  if (replayed) return absl::OkStatus();
  ASSIGN_OR_RETURN(v1::Indicator indicator,
                   indicators_->GetIndicator(name.organization, name.indicator));
  if (!given.etag().empty() && given.etag() != indicator.etag()) {
    return common::WithReason(
        absl::AbortedError(absl::StrCat("indicator ", indicator.name(), " changed since etag \"",
                                        given.etag(), "\" was read; read it again")),
        "ETAG_MISMATCH");
  }
  const v1::Indicator before = indicator;
  if (paths.count("display_name")) indicator.set_display_name(given.display_name());
  if (paths.count("unit_display")) indicator.set_unit_display(given.unit_display());
  if (paths.count("description")) indicator.set_description(given.description());
  if (paths.count("value_domain")) {
    if (IsUnrestricted(given.value_domain())) {
      indicator.clear_value_domain();
    } else {
      *indicator.mutable_value_domain() = given.value_domain();
    }
  }
  const bool domain_changed =
      indicator.value_domain().SerializeAsString() != before.value_domain().SerializeAsString();
  IndicatorWrite batch;
  if (indicator.SerializeAsString() != before.SerializeAsString()) {
    *indicator.mutable_update_time() = Now();
    indicator.set_etag(Etag(indicator));
    indicators_->PutIndicator(&batch, name.organization, name.indicator, indicator);
  }
  RememberRequest(indicators_, &batch, "UpdateIndicator", request.request_id(), fingerprint,
                  indicator);
  if (!batch.empty()) RETURN_IF_ERROR(indicators_->Commit(&batch));
  *response = indicator;
  if (domain_changed) {
    // Stored figures the new domain excludes stay as recorded; say which.
    if (absl::Status s = value_domains_.Recheck(name.organization, name.indicator, true); !s.ok()) {
      common::LogWarning("could not check stored observations against the new value domain",
                         {{"indicator", indicator.name()}, {"error", s.ToString()}});
    }
  }
  return absl::OkStatus();
}

absl::Status AnalyticsServiceImpl::DoDeleteIndicator(const v1::DeleteIndicatorRequest& request) {
  ASSIGN_OR_RETURN(IndicatorName name, ParseIndicatorName(request.name(), "name"));
  RETURN_IF_ERROR(ValidateRequestId(request.request_id(), "request_id"));
  absl::MutexLock lock(&indicators_->write_mutex());
  uint64_t fingerprint = 0;
  google::protobuf::Empty empty;
  ASSIGN_OR_RETURN(bool replayed,
                   Replayed(*indicators_, "DeleteIndicator", request, &empty, &fingerprint));
  if (replayed) return absl::OkStatus();
  ASSIGN_OR_RETURN(v1::Indicator indicator,
                   indicators_->GetIndicator(name.organization, name.indicator));
  if (!request.etag().empty() && request.etag() != indicator.etag()) {
    return common::WithReason(
        absl::AbortedError(absl::StrCat("indicator ", indicator.name(), " changed since etag \"",
                                        request.etag(), "\" was read; read it again")),
        "ETAG_MISMATCH");
  }
  ASSIGN_OR_RETURN(const bool has_observations,
                   indicators_->HasObservations(name.organization, name.indicator));
  if (has_observations && !request.force()) {
    return common::RuleViolation(
        "INDICATOR_HAS_OBSERVATIONS", indicator.name(),
        absl::StrCat("indicator ", indicator.name(),
                     " has observations; set force to delete them with it"));
  }
  IndicatorWrite batch;
  RETURN_IF_ERROR(indicators_->DeleteIndicator(&batch, name.organization, name.indicator));
  RememberRequest(indicators_, &batch, "DeleteIndicator", request.request_id(), fingerprint, empty);
  RETURN_IF_ERROR(indicators_->Commit(&batch));
  if (absl::Status s = value_domains_.Recheck(name.organization, name.indicator, false); !s.ok()) {
    common::LogWarning("could not update the count of observations outside value domains",
                       {{"indicator", indicator.name()}, {"error", s.ToString()}});
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Observations

absl::Status AnalyticsServiceImpl::DoRecordObservations(
    const std::string& principal, const v1::RecordObservationsRequest& request,
    v1::RecordObservationsResponse* response, common::Cancellation* stop) {
  ASSIGN_OR_RETURN(std::string org, ParseOrganizationName(request.parent(), "parent"));
  RETURN_IF_ERROR(ValidateRequestId(request.request_id(), "request_id"));
  const bool has_rows = request.observations_size() > 0;
  const bool has_csv = !request.csv().empty();
  if (has_rows == has_csv) {
    return common::InvalidField(has_rows ? "csv" : "observations",
                                "give exactly one of observations and csv");
  }
  if (request.observations_size() > kMaxObservationRows) {
    return common::InvalidField(
        "observations",
        absl::StrCat("at most ", kMaxObservationRows, " rows; got ", request.observations_size()));
  }
  std::vector<v1::ObservationInput> rows;
  std::vector<dangbo::common::v1::RowError> errors;
  int received = 0;
  if (has_csv) {
    ASSIGN_OR_RETURN(ParsedCsv parsed, ParseObservationsCsv(request.csv(), kMaxObservationRows));
    rows = std::move(parsed.rows);
    errors = std::move(parsed.errors);
    received = parsed.data_rows;
  } else {
    for (int i = 0; i < request.observations_size(); ++i) {
      rows.push_back(request.observations(i));
      if (rows.back().row() == 0) rows.back().set_row(i + 1);
    }
    received = request.observations_size();
  }
  auto row_error = [&](int row, const std::string& field, const std::string& message,
                       absl::StatusCode code, const std::string& reason) {
    dangbo::common::v1::RowError e;
    e.set_row(row);
    e.set_field(field);
    e.set_message(field.empty() ? message : absl::StrCat(field, ": ", message));
    e.set_code(static_cast<int>(code));
    e.set_reason(reason);
    errors.push_back(std::move(e));
  };

  absl::MutexLock lock(&indicators_->write_mutex());
  uint64_t fingerprint = 0;
  ASSIGN_OR_RETURN(bool replayed,
                   Replayed(*indicators_, "RecordObservations", request, response, &fingerprint));
  if (replayed) return absl::OkStatus();

  const int current_year = CurrentYear();
  const absl::Time now = absl::Now();
  std::map<std::pair<std::string, int>, v1::Observation> pending;  // (indicator id, year)
  std::map<std::string, std::optional<v1::Indicator>> definitions;
  int written = 0, unchanged = 0;
  for (v1::ObservationInput& row : rows) {
    RETURN_IF_ERROR(stop->Tick());  // nothing is written before the last row
    bool bad = false;
    for (const auto& [field, rule] : ValidateObservationInput(&row, current_year)) {
      row_error(row.row(), field, rule, absl::StatusCode::kInvalidArgument, "INVALID_ARGUMENT");
      bad = true;
    }
    if (row.indicator().empty()) continue;
    // The indicator: an id under the parent, or a full name that must be under it.
    std::string id = row.indicator();
    if (id.find('/') != std::string::npos) {
      absl::StatusOr<IndicatorName> name = ParseIndicatorName(id, "indicator");
      if (!name.ok() || name->organization != org) {
        row_error(row.row(), "indicator",
                  absl::StrCat("must be an indicator id or a name under ", request.parent()),
                  absl::StatusCode::kInvalidArgument, "INVALID_ARGUMENT");
        continue;
      }
      id = name->indicator;
    }
    if (!definitions.count(id)) {
      absl::StatusOr<v1::Indicator> found =
          IsResourceId(id) ? indicators_->GetIndicator(org, id)
                           : absl::StatusOr<v1::Indicator>(absl::NotFoundError(""));
      definitions[id] =
          found.ok() ? std::optional<v1::Indicator>(*found) : std::optional<v1::Indicator>();
    }
    if (!definitions[id].has_value()) {
      row_error(row.row(), "indicator",
                absl::StrCat("indicator ", IndicatorResourceName(org, id),
                             " does not exist (create it first)"),
                absl::StatusCode::kNotFound, "INDICATOR_NOT_FOUND");
      continue;
    }
    for (const auto& [field, rule] : ValueDomainViolations(row, definitions[id]->value_domain())) {
      row_error(row.row(), field, rule, absl::StatusCode::kInvalidArgument, "VALUE_OUT_OF_DOMAIN");
      bad = true;
    }
    if (bad) continue;
    const auto key = std::make_pair(id, row.year());
    auto it = pending.find(key);
    v1::Observation current;
    if (it != pending.end()) {
      current = it->second;
    } else {
      ASSIGN_OR_RETURN(std::optional<v1::Observation> stored,
                       indicators_->GetObservation(org, id, row.year()));
      if (stored.has_value()) {
        current = *std::move(stored);
      } else {
        current.set_indicator(IndicatorResourceName(org, id));
        current.set_year(row.year());
        current.set_unit(definitions[id]->unit());
      }
    }
    v1::Observation next;
    if (ApplyObservationInput(row, current, now, principal, &next)) {
      pending[key] = std::move(next);
      ++written;
    } else {
      ++unchanged;
    }
  }
  std::sort(errors.begin(), errors.end(),
            [](const auto& a, const auto& b) { return a.row() < b.row(); });
  response->set_received(received);
  response->set_unchanged(unchanged);
  response->set_written(request.validate_only() ? 0 : written);
  for (auto& e : errors) *response->add_errors() = std::move(e);
  if (request.validate_only()) return absl::OkStatus();
  IndicatorWrite batch;
  for (const auto& [key, observation] : pending) {
    indicators_->PutObservation(&batch, org, key.first, observation);
  }
  RememberRequest(indicators_, &batch, "RecordObservations", request.request_id(), fingerprint,
                  *response);
  if (!batch.empty()) RETURN_IF_ERROR(indicators_->Commit(&batch));
  // Rows may have corrected figures reported outside their domain.
  std::set<std::string> written_ids;
  for (const auto& [key, observation] : pending) written_ids.insert(key.first);
  for (const std::string& id : written_ids) {
    if (absl::Status s = value_domains_.RecheckReported(org, id); !s.ok()) {
      common::LogWarning("could not recheck observations against their value domain",
                         {{"indicator", IndicatorResourceName(org, id)}, {"error", s.ToString()}});
    }
  }
  return absl::OkStatus();
}

absl::Status AnalyticsServiceImpl::DoListObservations(const v1::ListObservationsRequest& request,
                                                      v1::ListObservationsResponse* response,
                                                      common::Cancellation* stop) {
  ASSIGN_OR_RETURN(IndicatorName name, ParseIndicatorName(request.indicator(), "indicator",
                                                          /*allow_wildcard=*/true));
  common::FieldViolations v;
  if (request.from_year() != 0) {
    if (absl::Status s = ValidateYear(request.from_year(), "from_year"); !s.ok()) {
      v.Add("from_year", common::FieldViolationsOf(s)[0].second);
    }
  }
  if (request.to_year() != 0) {
    if (absl::Status s = ValidateYear(request.to_year(), "to_year"); !s.ok()) {
      v.Add("to_year", common::FieldViolationsOf(s)[0].second);
    }
  }
  if (request.from_year() != 0 && request.to_year() != 0 &&
      request.to_year() < request.from_year()) {
    v.Add("to_year", "must not be before from_year");
  }
  RETURN_IF_ERROR(v.ToStatus());
  ASSIGN_OR_RETURN(int page_size, common::NormalizePageSize(request.page_size()));
  const bool all = name.indicator == "-";
  if (!all) {
    RETURN_IF_ERROR(indicators_->GetIndicator(name.organization, name.indicator).status());
  }
  const common::ListScope scope{
      "ListObservations", request.indicator(),
      absl::StrCat(request.from_year(), "..", request.to_year(), request.include_revisions()), ""};
  ASSIGN_OR_RETURN(std::string last, common::ParsePageToken(request.page_token(), scope));
  ASSIGN_OR_RETURN(std::vector<v1::Observation> observations,
                   indicators_->ListObservations(
                       name.organization, all ? "" : name.indicator, request.from_year(),
                       request.to_year() == 0 ? kMaxYear : request.to_year()));
  auto key = [](const v1::Observation& o) {
    return absl::StrFormat("%s/%04d", o.indicator(), o.year());
  };
  response->set_total_size(static_cast<int>(observations.size()));
  size_t i = 0;
  while (!last.empty() && i < observations.size() && key(observations[i]) <= last) {
    RETURN_IF_ERROR(stop->Tick());
    ++i;
  }
  for (; i < observations.size() && response->observations_size() < page_size; ++i) {
    RETURN_IF_ERROR(stop->Tick());
    v1::Observation o = observations[i];
    if (!request.include_revisions()) o.clear_revisions();
    *response->add_observations() = std::move(o);
  }
  if (i < observations.size()) {
    response->set_next_page_token(common::MakePageToken(key(observations[i - 1]), scope));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Performance queries

absl::Status AnalyticsServiceImpl::DoGetYearlyPerformance(
    const v1::GetYearlyPerformanceRequest& request, v1::GetYearlyPerformanceResponse* response) {
  ASSIGN_OR_RETURN(std::string org, ParseOrganizationName(request.organization(), "organization"));
  RETURN_IF_ERROR(ValidateYear(request.year(), "year"));
  dangbo::common::v1::Term term = DefaultTerm(request.year());
  if (request.has_term()) {
    RETURN_IF_ERROR(ValidateTerm(request.term(), "term"));
    if (!TermContains(request.term(), request.year())) {
      return common::InvalidField("term", absl::StrCat("must contain year ", request.year()));
    }
    term = request.term();
  }
  ASSIGN_OR_RETURN(std::vector<v1::Indicator> selected,
                   SelectIndicators(*indicators_, org, request.indicators()));
  ASSIGN_OR_RETURN(std::optional<dangbo::records::v1::Organization> organization,
                   read_model_->GetOrganization(org));
  bool known = organization.has_value();
  if (!known) {
    ASSIGN_OR_RETURN(known, read_model_->HasStatistics(org));
  }
  if (selected.empty() && !known) return NoIndicators(org);
  response->set_organization(request.organization());
  if (organization.has_value()) response->set_display_name(organization->display_name());
  response->set_year(request.year());
  *response->mutable_term() = term;
  for (const v1::Indicator& indicator : selected) {
    const std::string id = indicator.name().substr(indicator.name().rfind('/') + 1);
    v1::IndicatorPerformance* p = response->add_indicators();
    ASSIGN_OR_RETURN(const Series series, indicators_->LoadSeries(org, id));
    *p = YearPerformance(TraitsOf(indicator), series, request.year(), term.start_year());
    *p->mutable_indicator() = indicator;
  }
  *response->mutable_freshness() = follower_->GetFreshness();
  const absl::CivilDay today = TodayInVietnam();
  if (known && request.year() <= today.year()) {
    ASSIGN_OR_RETURN(const Counters counters, read_model_->StatisticsFor(org, request.year()));
    *response->mutable_party_statistics() =
        BuildPartyStatistics(request.organization(), request.year(), counters, today);
    *response->mutable_party_statistics()->mutable_freshness() = response->freshness();
  }
  return absl::OkStatus();
}

absl::Status AnalyticsServiceImpl::DoCompareYears(const v1::CompareYearsRequest& request,
                                                  v1::CompareYearsResponse* response) {
  ASSIGN_OR_RETURN(std::string org, ParseOrganizationName(request.organization(), "organization"));
  RETURN_IF_ERROR(ValidateYear(request.base_year(), "base_year"));
  RETURN_IF_ERROR(ValidateYear(request.year(), "year"));
  if (request.base_year() == request.year()) {
    return common::InvalidField("year", "must differ from base_year");
  }
  ASSIGN_OR_RETURN(std::vector<v1::Indicator> selected,
                   SelectIndicators(*indicators_, org, request.indicators()));
  if (selected.empty()) return NoIndicators(org);
  response->set_organization(request.organization());
  response->set_base_year(request.base_year());
  response->set_year(request.year());
  for (const v1::Indicator& indicator : selected) {
    const std::string id = indicator.name().substr(indicator.name().rfind('/') + 1);
    v1::IndicatorComparison* c = response->add_comparisons();
    ASSIGN_OR_RETURN(const Series series, indicators_->LoadSeries(org, id));
    *c = analytics::CompareYears(TraitsOf(indicator), series, request.base_year(), request.year());
    *c->mutable_indicator() = indicator;
  }
  return absl::OkStatus();
}

absl::Status AnalyticsServiceImpl::DoGetTermSummary(const v1::GetTermSummaryRequest& request,
                                                    v1::GetTermSummaryResponse* response) {
  ASSIGN_OR_RETURN(std::string org, ParseOrganizationName(request.organization(), "organization"));
  if (!request.has_term()) return common::InvalidField("term", "is required");
  RETURN_IF_ERROR(ValidateTerm(request.term(), "term"));
  int through = request.term().end_year();
  if (request.has_through_year()) {
    if (request.through_year() <= request.term().start_year() ||
        request.through_year() > request.term().end_year()) {
      return common::InvalidField(
          "through_year",
          absl::StrCat("must be after the term's start_year ", request.term().start_year(),
                       " and at most its end_year ", request.term().end_year()));
    }
    through = request.through_year();
  }
  ASSIGN_OR_RETURN(std::vector<v1::Indicator> selected,
                   SelectIndicators(*indicators_, org, request.indicators()));
  if (selected.empty()) return NoIndicators(org);
  response->set_organization(request.organization());
  *response->mutable_term() = request.term();
  response->set_through_year(through);
  for (const v1::Indicator& indicator : selected) {
    const std::string id = indicator.name().substr(indicator.name().rfind('/') + 1);
    v1::IndicatorTermSummary* s = response->add_summaries();
    ASSIGN_OR_RETURN(const Series series, indicators_->LoadSeries(org, id));
    *s = SummarizeTerm(TraitsOf(indicator), series, request.term().start_year(), through);
    *s->mutable_indicator() = indicator;
  }
  return absl::OkStatus();
}

absl::Status AnalyticsServiceImpl::DoRankOrganizations(const v1::RankOrganizationsRequest& request,
                                                       v1::RankOrganizationsResponse* response,
                                                       common::Cancellation* stop) {
  common::FieldViolations v;
  std::string parent_org;
  if (request.scope_case() == v1::RankOrganizationsRequest::SCOPE_NOT_SET ||
      (request.has_region() && request.region().empty())) {
    v.Add("region", "give a region (e.g. \"Đồng bằng sông Cửu Long\") or a parent");
  } else if (request.has_parent()) {
    absl::StatusOr<std::string> p = ParseOrganizationName(request.parent(), "parent");
    if (!p.ok()) v.Add("parent", common::FieldViolationsOf(p.status())[0].second);
  }
  if (!IsResourceId(request.indicator_id())) {
    v.Add("indicator_id", "must be an indicator id (RFC-1034), e.g. \"state-budget-revenue\"");
  }
  if (absl::Status s = ValidateYear(request.year(), "year"); !s.ok()) {
    v.Add("year", common::FieldViolationsOf(s)[0].second);
  }
  if (request.by() == v1::RankOrganizationsRequest::METRIC_UNSPECIFIED ||
      !v1::RankOrganizationsRequest::Metric_IsValid(request.by())) {
    v.Add("by", "must be VALUE, GROWTH or ATTAINMENT");
  }
  std::string located_org;
  if (!request.organization().empty()) {
    absl::StatusOr<std::string> o = ParseOrganizationName(request.organization(), "organization");
    if (!o.ok()) {
      v.Add("organization", common::FieldViolationsOf(o.status())[0].second);
    } else {
      located_org = *o;
    }
  }
  RETURN_IF_ERROR(v.ToStatus());
  ASSIGN_OR_RETURN(int page_size, common::NormalizePageSize(request.page_size()));
  const common::ListScope scope{"RankOrganizations",
                                absl::StrCat(request.region(), "|", request.parent()),
                                absl::StrCat(request.indicator_id(), "|", request.year(), "|",
                                             request.by(), "|", request.organization()),
                                ""};
  ASSIGN_OR_RETURN(std::string last, common::ParsePageToken(request.page_token(), scope));

  // The peer group, from the read model: organizations that existed during the year.
  std::vector<dangbo::records::v1::Organization> peers;
  ASSIGN_OR_RETURN(std::vector<dangbo::records::v1::Organization> organizations,
                   read_model_->ListOrganizations(stop));
  for (auto& o : organizations) {
    const bool in_scope =
        request.has_region() ? o.region() == request.region() : o.parent() == request.parent();
    const bool existed = (o.valid_from().year() == 0 || o.valid_from().year() <= request.year()) &&
                         (o.valid_to().year() == 0 || o.valid_to().year() >= request.year());
    if (in_scope && existed) peers.push_back(std::move(o));
  }
  if (peers.empty()) {
    return common::WithReason(
        absl::NotFoundError(absl::StrCat(
            "no organization known to analytics is in ",
            request.has_region() ? absl::StrCat("region \"", request.region(), "\"")
                                 : absl::StrCat("parent ", request.parent()),
            " in ", request.year(), " (organizations come from records' change stream)")),
        "SCOPE_EMPTY");
  }
  std::sort(peers.begin(), peers.end(),
            [](const auto& a, const auto& b) { return a.name() < b.name(); });
  if (!located_org.empty() && std::none_of(peers.begin(), peers.end(), [&](const auto& o) {
        return o.name() == request.organization();
      })) {
    return common::WithReason(
        absl::NotFoundError(absl::StrCat(request.organization(), " is not in the ranking's scope")),
        "ORGANIZATION_NOT_IN_SCOPE");
  }
  // Each peer's indicator definition. The reference (unit, direction) is the located
  // organization's, or else the first organization's in name order that has the indicator.
  std::vector<std::optional<v1::Indicator>> definitions;
  std::optional<v1::Indicator> reference;
  for (const auto& o : peers) {
    RETURN_IF_ERROR(stop->Tick());
    absl::StatusOr<v1::Indicator> ind =
        indicators_->GetIndicator(OrganizationIdOf(o.name()), request.indicator_id());
    definitions.push_back(ind.ok() ? std::optional<v1::Indicator>(*ind) : std::nullopt);
    if (ind.ok() && (!reference.has_value() || o.name() == request.organization())) {
      reference = *ind;
    }
  }
  std::vector<RankCandidate> candidates;
  std::vector<v1::RankedOrganization> entries;
  for (size_t i = 0; i < peers.size(); ++i) {
    RETURN_IF_ERROR(stop->Tick());
    v1::RankedOrganization entry;
    entry.set_organization(peers[i].name());
    entry.set_display_name(peers[i].display_name());
    RankCandidate candidate{peers[i].name(),
                            absl::StrCat(common::FoldForSearch(peers[i].display_name()), "\x01",
                                         peers[i].display_name()),
                            std::nullopt};
    if (!definitions[i].has_value()) {
      *entry.mutable_metric() = MissingFigure(Figure::MISSING_VALUE);
      *entry.mutable_value() = MissingFigure(Figure::MISSING_VALUE);
    } else {
      ASSIGN_OR_RETURN(
          const Series series,
          indicators_->LoadSeries(OrganizationIdOf(peers[i].name()), request.indicator_id()));
      const std::optional<Actual> actual = ActualOf(series, request.year());
      *entry.mutable_value() = ActualFigure(actual);
      const bool comparable = definitions[i]->unit() == reference->unit() &&
                              definitions[i]->direction() == reference->direction();
      if (!comparable) {
        *entry.mutable_metric() = MissingFigure(Figure::NOT_COMPARABLE);
      } else if (request.by() == v1::RankOrganizationsRequest::VALUE) {
        *entry.mutable_metric() = entry.value();
        if (actual.has_value()) candidate.score = actual->micros;
      } else {
        if (request.by() == v1::RankOrganizationsRequest::GROWTH) {
          *entry.mutable_metric() = GrowthPercent(actual, ActualOf(series, request.year() - 1));
        } else {
          auto it = series.find(request.year());
          *entry.mutable_metric() = AttainmentPercent(
              actual, it == series.end() ? std::nullopt : it->second.target(Target::LEGAL));
        }
        candidate.score = TenthsOf(entry.metric());
      }
    }
    candidates.push_back(std::move(candidate));
    entries.push_back(std::move(entry));
  }
  response->set_indicator_id(request.indicator_id());
  response->set_year(request.year());
  response->set_by(request.by());
  if (reference.has_value()) {
    response->set_unit(reference->unit());
    response->set_direction(reference->direction());
  }
  const std::vector<RankPosition> ranking = CompetitionRanking(
      candidates, reference.has_value() ? reference->direction() : v1::Indicator::HIGHER_IS_BETTER);
  std::vector<v1::RankedOrganization> ordered;
  int ranked = 0;
  for (const RankPosition& position : ranking) {
    v1::RankedOrganization entry = entries[position.candidate];
    if (position.rank.has_value()) {
      entry.set_rank(*position.rank);
      ++ranked;
    }
    entry.set_tied(position.tied);
    if (entry.organization() == request.organization()) *response->mutable_located() = entry;
    ordered.push_back(std::move(entry));
  }
  response->set_total_ranked(ranked);
  response->set_total_unranked(static_cast<int>(ordered.size()) - ranked);
  size_t start = 0;
  if (!last.empty()) {
    while (start < ordered.size() && ordered[start].organization() != last) ++start;
    if (start == ordered.size()) {
      return common::InvalidField("page_token", "the ranking changed; restart the listing");
    }
    ++start;
  }
  size_t i = start;
  for (; i < ordered.size() && response->entries_size() < page_size; ++i) {
    *response->add_entries() = ordered[i];
  }
  if (i < ordered.size()) {
    response->set_next_page_token(common::MakePageToken(ordered[i - 1].organization(), scope));
  }
  *response->mutable_freshness() = follower_->GetFreshness();
  return absl::OkStatus();
}

absl::Status AnalyticsServiceImpl::DoGetIndicatorSeries(
    const v1::GetIndicatorSeriesRequest& request, v1::GetIndicatorSeriesResponse* response,
    common::Cancellation* stop) {
  ASSIGN_OR_RETURN(IndicatorName name, ParseIndicatorName(request.indicator(), "indicator"));
  RETURN_IF_ERROR(ValidateYear(request.from_year(), "from_year"));
  RETURN_IF_ERROR(ValidateYear(request.to_year(), "to_year"));
  if (request.to_year() < request.from_year() || request.to_year() > request.from_year() + 99) {
    return common::InvalidField("to_year", "must be from from_year to from_year + 99");
  }
  ASSIGN_OR_RETURN(v1::Indicator indicator,
                   indicators_->GetIndicator(name.organization, name.indicator));
  ASSIGN_OR_RETURN(const Series series, indicators_->LoadSeries(name.organization, name.indicator));
  *response->mutable_indicator() = indicator;
  for (int year = request.from_year(); year <= request.to_year(); ++year) {
    RETURN_IF_ERROR(stop->Tick());
    const v1::IndicatorPerformance p = YearPerformance(TraitsOf(indicator), series, year, year);
    v1::SeriesPoint* point = response->add_points();
    point->set_year(year);
    *point->mutable_actual() = p.actual();
    point->set_value_kind(p.value_kind());
    *point->mutable_targets() = p.targets();
    point->set_missing(p.actual().status() != Figure::OK && p.targets_size() == 0);
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Party statistics

absl::Status AnalyticsServiceImpl::DoGetPartyStatistics(
    const v1::GetPartyStatisticsRequest& request, v1::PartyStatistics* response) {
  ASSIGN_OR_RETURN(std::string org, ParseOrganizationName(request.organization(), "organization"));
  const absl::CivilDay today = TodayInVietnam();
  if (request.year() < kMinYear || request.year() > today.year()) {
    return common::InvalidField("year", absl::StrCat("must be a year from ", kMinYear,
                                                     " to the current year ", today.year()));
  }
  ASSIGN_OR_RETURN(const bool known, read_model_->KnowsOrganization(org));
  if (!known) {
    return common::WithReason(
        absl::NotFoundError(absl::StrCat(request.organization(),
                                         " is unknown to analytics' read model of records")),
        "ORGANIZATION_NOT_FOUND");
  }
  ASSIGN_OR_RETURN(const Counters counters, read_model_->StatisticsFor(org, request.year()));
  *response = BuildPartyStatistics(request.organization(), request.year(), counters, today);
  *response->mutable_freshness() = follower_->GetFreshness();
  return absl::OkStatus();
}

absl::Status AnalyticsServiceImpl::DoListPartyStatistics(
    const v1::ListPartyStatisticsRequest& request, v1::ListPartyStatisticsResponse* response,
    common::Cancellation* stop) {
  ASSIGN_OR_RETURN(std::string org, ParseOrganizationName(request.organization(), "organization"));
  const absl::CivilDay today = TodayInVietnam();
  RETURN_IF_ERROR(ValidateYear(request.from_year(), "from_year"));
  if (request.to_year() < request.from_year() || request.to_year() > today.year() ||
      request.to_year() > request.from_year() + 99) {
    return common::InvalidField(
        "to_year", absl::StrCat("must be from from_year to from_year + 99, and not after the "
                                "current year ",
                                today.year()));
  }
  ASSIGN_OR_RETURN(int page_size, common::NormalizePageSize(request.page_size()));
  const common::ListScope scope{"ListPartyStatistics", request.organization(),
                                absl::StrCat(request.from_year(), "..", request.to_year()), ""};
  ASSIGN_OR_RETURN(std::string last, common::ParsePageToken(request.page_token(), scope));
  ASSIGN_OR_RETURN(const bool known, read_model_->KnowsOrganization(org));
  if (!known) {
    return common::WithReason(
        absl::NotFoundError(absl::StrCat(request.organization(),
                                         " is unknown to analytics' read model of records")),
        "ORGANIZATION_NOT_FOUND");
  }
  int year = request.from_year();
  if (!last.empty()) {
    int last_year = 0;
    if (!absl::SimpleAtoi(last, &last_year)) {
      return common::InvalidField("page_token", "not a valid page token");
    }
    year = last_year + 1;
  }
  const v1::Freshness freshness = follower_->GetFreshness();
  response->set_total_size(request.to_year() - request.from_year() + 1);
  for (; year <= request.to_year() && response->party_statistics_size() < page_size; ++year) {
    RETURN_IF_ERROR(stop->Tick());
    ASSIGN_OR_RETURN(const Counters counters, read_model_->StatisticsFor(org, year));
    v1::PartyStatistics* s = response->add_party_statistics();
    *s = BuildPartyStatistics(request.organization(), year, counters, today);
    *s->mutable_freshness() = freshness;
  }
  if (year <= request.to_year()) {
    response->set_next_page_token(common::MakePageToken(absl::StrCat(year - 1), scope));
  }
  return absl::OkStatus();
}

}  // namespace analytics
