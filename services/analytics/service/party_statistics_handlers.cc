// Party statistics of an organization from the read model of records: one year, or a range
// of years page by page.
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/list_query.h"
#include "common/status_macros.h"
#include "services/analytics/domain/resource_names.h"
#include "services/analytics/domain/validation.h"
#include "services/analytics/follower/party_statistics.h"
#include "services/analytics/service/analytics_service.h"
#include "services/analytics/service/handler_util.h"

namespace analytics {
namespace {

// NOT_FOUND (ORGANIZATION_NOT_FOUND) unless the read model knows `org` ("organizations/{org}"
// is `name`).
absl::Status CheckKnown(const ReadModelStore& read_model, const std::string& org,
                        const std::string& name) {
  ASSIGN_OR_RETURN(const bool known, read_model.KnowsOrganization(org));
  if (!known) {
    return common::WithReason(
        absl::NotFoundError(absl::StrCat(name, " is unknown to analytics' read model of records")),
        "ORGANIZATION_NOT_FOUND");
  }
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* AnalyticsServiceImpl::GetPartyStatistics(
    grpc::CallbackServerContext* ctx, const v1::GetPartyStatisticsRequest* request,
    v1::PartyStatistics* response) {
  return Serve(
      ctx, "GetPartyStatistics", request, response, Mode::kNow,
      [this, request, response](const Call&) -> absl::Status {
        const absl::CivilDay today = TodayInVietnam();
        RETURN_IF_ERROR(Validate(*request, today));
        ASSIGN_OR_RETURN(std::string org,
                         ParseOrganizationName(request->organization(), "organization"));
        RETURN_IF_ERROR(CheckKnown(*read_model_, org, request->organization()));
        ASSIGN_OR_RETURN(const Counters counters, read_model_->StatisticsFor(org, request->year()));
        *response = BuildPartyStatistics(request->organization(), request->year(), counters, today);
        *response->mutable_freshness() = follower_->GetFreshness();
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AnalyticsServiceImpl::ListPartyStatistics(
    grpc::CallbackServerContext* ctx, const v1::ListPartyStatisticsRequest* request,
    v1::ListPartyStatisticsResponse* response) {
  return Serve(
      ctx, "ListPartyStatistics", request, response, Mode::kNow,
      [this, request, response](const Call& call) -> absl::Status {
        const absl::CivilDay today = TodayInVietnam();
        RETURN_IF_ERROR(Validate(*request, today));
        ASSIGN_OR_RETURN(std::string org,
                         ParseOrganizationName(request->organization(), "organization"));
        ASSIGN_OR_RETURN(int page_size, common::NormalizePageSize(request->page_size()));
        const common::ListScope scope{"ListPartyStatistics", request->organization(),
                                      absl::StrCat(request->from_year(), "..", request->to_year()),
                                      ""};
        ASSIGN_OR_RETURN(std::string last, common::ParsePageToken(request->page_token(), scope));
        RETURN_IF_ERROR(CheckKnown(*read_model_, org, request->organization()));
        int year = request->from_year();
        if (!last.empty()) {
          int last_year = 0;
          if (!absl::SimpleAtoi(last, &last_year)) {
            return common::InvalidField("page_token", "not a valid page token");
          }
          year = last_year + 1;
        }
        const v1::Freshness freshness = follower_->GetFreshness();
        response->set_total_size(request->to_year() - request->from_year() + 1);
        for (; year <= request->to_year() && response->party_statistics_size() < page_size;
             ++year) {
          RETURN_IF_ERROR(call.stop->Tick());
          ASSIGN_OR_RETURN(const Counters counters, read_model_->StatisticsFor(org, year));
          v1::PartyStatistics* s = response->add_party_statistics();
          *s = BuildPartyStatistics(request->organization(), year, counters, today);
          *s->mutable_freshness() = freshness;
        }
        if (year <= request->to_year()) {
          response->set_next_page_token(common::MakePageToken(absl::StrCat(year - 1), scope));
        }
        return absl::OkStatus();
      });
}

}  // namespace analytics
