// Indicators: Create, Get, List, Update, Delete.
#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"
#include "common/list_query.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "common/vi_text.h"
#include "services/analytics/domain/resource_names.h"
#include "services/analytics/domain/validation.h"
#include "services/analytics/domain/value_domain.h"
#include "services/analytics/service/analytics_service.h"
#include "services/analytics/service/handler_util.h"

namespace analytics {
namespace {

std::string Etag(v1::Indicator indicator) {
  indicator.clear_etag();
  return absl::StrFormat("%016x", Fingerprint(indicator));
}

absl::Status EtagMismatch(const v1::Indicator& indicator, const std::string& etag) {
  return common::WithReason(
      absl::AbortedError(absl::StrCat("indicator ", indicator.name(), " changed since etag \"",
                                      etag, "\" was read; read it again")),
      "ETAG_MISMATCH");
}

bool Matches(const v1::Indicator& indicator, const std::vector<common::FilterTerm>& terms) {
  bool keep = true;
  for (const common::FilterTerm& term : terms) {
    if (term.field == "kind") keep &= v1::Indicator::Kind_Name(indicator.kind()) == term.value.text;
    if (term.field == "unit") keep &= indicator.unit() == term.value.text;
    if (term.field == "direction") {
      keep &= v1::Indicator::Direction_Name(indicator.direction()) == term.value.text;
    }
  }
  return keep;
}

// One page of the organization's indicators matching a valid request (Validate).
absl::Status ListIndicatorPage(const IndicatorStore& store,
                               const v1::ListIndicatorsRequest& request,
                               v1::ListIndicatorsResponse* response) {
  ASSIGN_OR_RETURN(std::string org, ParseOrganizationName(request.parent(), "parent"));
  ASSIGN_OR_RETURN(int page_size, common::NormalizePageSize(request.page_size()));
  ASSIGN_OR_RETURN(std::vector<common::FilterTerm> terms, common::ParseFilter(request.filter()));
  ASSIGN_OR_RETURN(std::vector<common::OrderField> order,
                   common::ParseOrderBy(request.order_by(), IndicatorOrderFields()));
  const common::ListScope scope{"ListIndicators", request.parent(), request.filter(),
                                request.order_by()};
  ASSIGN_OR_RETURN(std::string last, common::ParsePageToken(request.page_token(), scope));

  ASSIGN_OR_RETURN(std::vector<v1::Indicator> all, store.ListIndicators(org));
  std::vector<v1::Indicator> matching;
  for (v1::Indicator& indicator : all) {
    if (Matches(indicator, terms)) matching.push_back(std::move(indicator));
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

// `indicator` with the fields of `given` that `fields` names (UpdatedFields).
v1::Indicator Updated(v1::Indicator indicator, const v1::Indicator& given,
                      const std::set<std::string>& fields) {
  if (fields.count("display_name")) indicator.set_display_name(given.display_name());
  if (fields.count("unit_display")) indicator.set_unit_display(given.unit_display());
  if (fields.count("description")) indicator.set_description(given.description());
  if (fields.count("value_domain")) {
    if (IsUnrestricted(given.value_domain())) {
      indicator.clear_value_domain();
    } else {
      *indicator.mutable_value_domain() = given.value_domain();
    }
  }
  return indicator;
}

}  // namespace

grpc::ServerUnaryReactor* AnalyticsServiceImpl::CreateIndicator(
    grpc::CallbackServerContext* ctx, const v1::CreateIndicatorRequest* request,
    v1::Indicator* response) {
  return Serve(
      ctx, "CreateIndicator", request, response, &Stub::CreateIndicator,
      [this, request, response](const Call&) -> absl::Status {
        RETURN_IF_ERROR(Validate(*request));
        ASSIGN_OR_RETURN(std::string org, ParseOrganizationName(request->parent(), "parent"));
        const std::string& id = request->indicator_id();
        absl::MutexLock lock(&indicators_->write_mutex());
        uint64_t fingerprint = 0;
        ASSIGN_OR_RETURN(bool replayed, Replayed(*indicators_, "CreateIndicator", *request,
                                                 response, &fingerprint));
        if (replayed) return absl::OkStatus();
        if (indicators_->GetIndicator(org, id).ok()) {
          return common::WithReason(
              absl::AlreadyExistsError(
                  absl::StrCat("indicator ", IndicatorResourceName(org, id), " already exists")),
              "INDICATOR_ALREADY_EXISTS");
        }
        v1::Indicator indicator = request->indicator();
        NormalizeText(&indicator);
        indicator.set_name(IndicatorResourceName(org, id));
        *indicator.mutable_create_time() = Now();
        *indicator.mutable_update_time() = indicator.create_time();
        indicator.set_etag(Etag(indicator));
        IndicatorWrite batch;
        indicators_->PutIndicator(&batch, org, id, indicator);
        RememberRequest(indicators_, &batch, "CreateIndicator", request->request_id(), fingerprint,
                        indicator);
        RETURN_IF_ERROR(indicators_->Commit(&batch));
        *response = indicator;
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AnalyticsServiceImpl::GetIndicator(grpc::CallbackServerContext* ctx,
                                                             const v1::GetIndicatorRequest* request,
                                                             v1::Indicator* response) {
  return Serve(ctx, "GetIndicator", request, response, Mode::kNow,
               [this, request, response](const Call&) -> absl::Status {
                 RETURN_IF_ERROR(Validate(*request));
                 ASSIGN_OR_RETURN(IndicatorName name, ParseIndicatorName(request->name(), "name"));
                 ASSIGN_OR_RETURN(*response,
                                  indicators_->GetIndicator(name.organization, name.indicator));
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* AnalyticsServiceImpl::ListIndicators(
    grpc::CallbackServerContext* ctx, const v1::ListIndicatorsRequest* request,
    v1::ListIndicatorsResponse* response) {
  return Serve(ctx, "ListIndicators", request, response, Mode::kNow,
               [this, request, response](const Call&) -> absl::Status {
                 RETURN_IF_ERROR(Validate(*request));
                 return ListIndicatorPage(*indicators_, *request, response);
               });
}

grpc::ServerUnaryReactor* AnalyticsServiceImpl::UpdateIndicator(
    grpc::CallbackServerContext* ctx, const v1::UpdateIndicatorRequest* request,
    v1::Indicator* response) {
  return Serve(
      ctx, "UpdateIndicator", request, response, &Stub::UpdateIndicator,
      [this, request, response](const Call&) -> absl::Status {
        RETURN_IF_ERROR(Validate(*request));
        ASSIGN_OR_RETURN(IndicatorName name,
                         ParseIndicatorName(request->indicator().name(), "indicator.name"));
        v1::Indicator given = request->indicator();
        NormalizeText(&given);
        absl::MutexLock lock(&indicators_->write_mutex());
        uint64_t fingerprint = 0;
        ASSIGN_OR_RETURN(bool replayed, Replayed(*indicators_, "UpdateIndicator", *request,
                                                 response, &fingerprint));
        if (replayed) return absl::OkStatus();
        ASSIGN_OR_RETURN(const v1::Indicator before,
                         indicators_->GetIndicator(name.organization, name.indicator));
        if (!given.etag().empty() && given.etag() != before.etag()) {
          return EtagMismatch(before, given.etag());
        }
        v1::Indicator indicator = Updated(before, given, UpdatedFields(*request));
        const bool domain_changed = indicator.value_domain().SerializeAsString() !=
                                    before.value_domain().SerializeAsString();
        IndicatorWrite batch;
        if (indicator.SerializeAsString() != before.SerializeAsString()) {
          *indicator.mutable_update_time() = Now();
          indicator.set_etag(Etag(indicator));
          indicators_->PutIndicator(&batch, name.organization, name.indicator, indicator);
        }
        RememberRequest(indicators_, &batch, "UpdateIndicator", request->request_id(), fingerprint,
                        indicator);
        if (!batch.empty()) RETURN_IF_ERROR(indicators_->Commit(&batch));
        *response = indicator;
        if (domain_changed) {
          // Stored figures the new domain excludes stay as recorded; say which.
          if (absl::Status s = value_domains_.Recheck(name.organization, name.indicator, true);
              !s.ok()) {
            common::LogWarning("could not check stored observations against the new value domain",
                               {{"indicator", indicator.name()}, {"error", s.ToString()}});
          }
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AnalyticsServiceImpl::DeleteIndicator(
    grpc::CallbackServerContext* ctx, const v1::DeleteIndicatorRequest* request,
    google::protobuf::Empty* response) {
  return Serve(
      ctx, "DeleteIndicator", request, response, &Stub::DeleteIndicator,
      [this, request](const Call&) -> absl::Status {
        RETURN_IF_ERROR(Validate(*request));
        ASSIGN_OR_RETURN(IndicatorName name, ParseIndicatorName(request->name(), "name"));
        absl::MutexLock lock(&indicators_->write_mutex());
        uint64_t fingerprint = 0;
        google::protobuf::Empty empty;
        ASSIGN_OR_RETURN(bool replayed,
                         Replayed(*indicators_, "DeleteIndicator", *request, &empty, &fingerprint));
        if (replayed) return absl::OkStatus();
        ASSIGN_OR_RETURN(v1::Indicator indicator,
                         indicators_->GetIndicator(name.organization, name.indicator));
        if (!request->etag().empty() && request->etag() != indicator.etag()) {
          return EtagMismatch(indicator, request->etag());
        }
        ASSIGN_OR_RETURN(const bool has_observations,
                         indicators_->HasObservations(name.organization, name.indicator));
        if (has_observations && !request->force()) {
          return common::RuleViolation(
              "INDICATOR_HAS_OBSERVATIONS", indicator.name(),
              absl::StrCat("indicator ", indicator.name(),
                           " has observations; set force to delete them with it"));
        }
        IndicatorWrite batch;
        RETURN_IF_ERROR(indicators_->DeleteIndicator(&batch, name.organization, name.indicator));
        RememberRequest(indicators_, &batch, "DeleteIndicator", request->request_id(), fingerprint,
                        empty);
        RETURN_IF_ERROR(indicators_->Commit(&batch));
        if (absl::Status s = value_domains_.Recheck(name.organization, name.indicator, false);
            !s.ok()) {
          common::LogWarning("could not update the count of observations outside value domains",
                             {{"indicator", indicator.name()}, {"error", s.ToString()}});
        }
        return absl::OkStatus();
      });
}

}  // namespace analytics
