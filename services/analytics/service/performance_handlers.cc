// Performance queries: an organization's year (GetYearlyPerformance), two years compared,
// a term summarized, one indicator's series, the organizations of a region or parent
// ranked by one indicator, and the yearly or term report worded from those same figures.
#include <algorithm>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/list_query.h"
#include "common/status_macros.h"
#include "common/vi_text.h"
#include "services/analytics/domain/figures.h"
#include "services/analytics/domain/performance.h"
#include "services/analytics/domain/ranking.h"
#include "services/analytics/domain/report.h"
#include "services/analytics/domain/resource_names.h"
#include "services/analytics/domain/term.h"
#include "services/analytics/domain/term_summary.h"
#include "services/analytics/domain/validation.h"
#include "services/analytics/follower/contributions.h"
#include "services/analytics/follower/party_statistics.h"
#include "services/analytics/service/analytics_service.h"
#include "services/analytics/service/handler_util.h"

namespace analytics {
namespace {

using ::dangbo::records::v1::Organization;

IndicatorTraits TraitsOf(const v1::Indicator& indicator) {
  return IndicatorTraits{indicator.kind(), indicator.direction()};
}

std::string IdOf(const v1::Indicator& indicator) {
  return indicator.name().substr(indicator.name().rfind('/') + 1);
}

// The organization's indicators, or only `ids` (each must exist: INVALID_ARGUMENT naming
// indicators[i]), by name. At most kMaxSelectedIndicators ids (Validate).
absl::StatusOr<std::vector<v1::Indicator>> SelectIndicators(
    const IndicatorStore& store, const std::string& org,
    const google::protobuf::RepeatedPtrField<std::string>& ids) {
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

// The ranking's peer group, from the read model: the organizations of the request's region
// or parent that existed during its year, by name. NOT_FOUND (SCOPE_EMPTY) when there are
// none, or (ORGANIZATION_NOT_IN_SCOPE) when the request locates an organization outside it.
absl::StatusOr<std::vector<Organization>> PeerGroup(const ReadModelStore& read_model,
                                                    const v1::RankOrganizationsRequest& request,
                                                    common::Cancellation* stop) {
  std::vector<Organization> peers;
  ASSIGN_OR_RETURN(std::vector<Organization> organizations, read_model.ListOrganizations(stop));
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
  if (!request.organization().empty() &&
      std::none_of(peers.begin(), peers.end(),
                   [&](const auto& o) { return o.name() == request.organization(); })) {
    return common::WithReason(
        absl::NotFoundError(absl::StrCat(request.organization(), " is not in the ranking's scope")),
        "ORGANIZATION_NOT_IN_SCOPE");
  }
  return peers;
}

// Every peer's entry of the ranking (unranked, in peer order) and its candidate.
struct Entries {
  std::vector<RankCandidate> candidates;
  std::vector<v1::RankedOrganization> entries;
  std::optional<v1::Indicator> reference;  // whose unit and direction make peers comparable
};
absl::StatusOr<Entries> RankEntries(const IndicatorStore& store,
                                    const v1::RankOrganizationsRequest& request,
                                    const std::vector<Organization>& peers,
                                    common::Cancellation* stop) {
  // Each peer's indicator definition. The reference (unit, direction) is the located
  // organization's, or else the first organization's in name order that has the indicator.
  Entries out;
  std::vector<std::optional<v1::Indicator>> definitions;
  for (const auto& o : peers) {
    RETURN_IF_ERROR(stop->Tick());
    absl::StatusOr<v1::Indicator> ind =
        store.GetIndicator(OrganizationIdOf(o.name()), request.indicator_id());
    definitions.push_back(ind.ok() ? std::optional<v1::Indicator>(*ind) : std::nullopt);
    if (ind.ok() && (!out.reference.has_value() || o.name() == request.organization())) {
      out.reference = *ind;
    }
  }
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
      ASSIGN_OR_RETURN(const Series series,
                       store.LoadSeries(OrganizationIdOf(peers[i].name()), request.indicator_id(),
                                        SeriesYears{request.year() - 1, request.year()}));
      const std::optional<Actual> actual = ActualOf(series, request.year());
      *entry.mutable_value() = ActualFigure(actual);
      const bool comparable = definitions[i]->unit() == out.reference->unit() &&
                              definitions[i]->direction() == out.reference->direction();
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
    out.candidates.push_back(std::move(candidate));
    out.entries.push_back(std::move(entry));
  }
  return out;
}

// The ranked entries in rank order into `response` (totals, the located organization, and
// the page after `last` with its next token).
absl::Status RankedPage(const v1::RankOrganizationsRequest& request, const Entries& ranked,
                        const std::string& last, int page_size, const common::ListScope& scope,
                        v1::RankOrganizationsResponse* response) {
  response->set_indicator_id(request.indicator_id());
  response->set_year(request.year());
  response->set_by(request.by());
  if (ranked.reference.has_value()) {
    response->set_unit(ranked.reference->unit());
    response->set_direction(ranked.reference->direction());
  }
  const std::vector<RankPosition> ranking = CompetitionRanking(
      ranked.candidates, ranked.reference.has_value() ? ranked.reference->direction()
                                                      : v1::Indicator::HIGHER_IS_BETTER);
  std::vector<v1::RankedOrganization> ordered;
  int total_ranked = 0;
  for (const RankPosition& position : ranking) {
    v1::RankedOrganization entry = ranked.entries[position.candidate];
    if (position.rank.has_value()) {
      entry.set_rank(*position.rank);
      ++total_ranked;
    }
    entry.set_tied(position.tied);
    if (entry.organization() == request.organization()) *response->mutable_located() = entry;
    ordered.push_back(std::move(entry));
  }
  response->set_total_ranked(total_ranked);
  response->set_total_unranked(static_cast<int>(ordered.size()) - total_ranked);
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
  return absl::OkStatus();
}

// Where the organization stands on `indicator`'s value among its region's organizations in
// `rank_request`'s year (RankOrganizations' rules: peers, comparability, competition ranking).
absl::StatusOr<RegionRank> RankInRegion(const IndicatorStore& store,
                                        v1::RankOrganizationsRequest rank_request,
                                        const std::vector<Organization>& peers,
                                        const v1::Indicator& indicator,
                                        common::Cancellation* stop) {
  rank_request.set_indicator_id(IdOf(indicator));
  ASSIGN_OR_RETURN(Entries entries, RankEntries(store, rank_request, peers, stop));
  v1::RankOrganizationsResponse ranked;
  RETURN_IF_ERROR(RankedPage(rank_request, entries, "", 1,
                             common::ListScope{"GenerateReport", "", "", ""}, &ranked));
  RegionRank out;
  out.region = rank_request.region();
  out.metric = ranked.located().metric();
  if (ranked.located().has_rank()) out.rank = ranked.located().rank();
  out.tied = ranked.located().tied();
  out.total_ranked = ranked.total_ranked();
  return out;
}

// The figures of a report, computed by the rules of the other queries: YearPerformance for
// the report's last year against the term's start, SummarizeTerm for a term, the region's
// ranking by value, and the read model's party statistics of that year (a term: of each year
// of it through the last).
absl::StatusOr<ReportInput> ReportFigures(const IndicatorStore& store,
                                          const ReadModelStore& read_model,
                                          const v1::GenerateReportRequest& request,
                                          common::Cancellation* stop) {
  ASSIGN_OR_RETURN(std::string org, ParseOrganizationName(request.organization(), "organization"));
  ReportInput in;
  in.organization = request.organization();
  if (request.has_term()) {
    in.kind = v1::GenerateReportResponse::TERM;
    in.term = request.term();
    in.year = request.has_through_year() ? request.through_year() : request.term().end_year();
  } else {
    in.kind = v1::GenerateReportResponse::YEAR;
    in.year = request.year();
    in.term = DefaultTerm(request.year());
  }
  ASSIGN_OR_RETURN(std::vector<v1::Indicator> indicators, store.ListIndicators(org));
  ASSIGN_OR_RETURN(std::optional<Organization> organization, read_model.GetOrganization(org));
  bool known = organization.has_value();
  if (!known) {
    ASSIGN_OR_RETURN(known, read_model.HasStatistics(org));
  }
  if (indicators.empty() && !known) return NoIndicators(org);
  if (organization.has_value()) in.display_name = organization->display_name();
  // The region's peers, when the organization has a region and existed in the year.
  v1::RankOrganizationsRequest rank_request;
  std::vector<Organization> peers;
  if (organization.has_value() && !organization->region().empty()) {
    rank_request.set_region(organization->region());
    rank_request.set_year(in.year);
    rank_request.set_by(v1::RankOrganizationsRequest::VALUE);
    rank_request.set_organization(request.organization());
    absl::StatusOr<std::vector<Organization>> group = PeerGroup(read_model, rank_request, stop);
    if (group.ok()) {
      peers = *std::move(group);
    } else if (!absl::IsNotFound(group.status())) {
      return group.status();
    }
  }
  for (const v1::Indicator& indicator : indicators) {
    RETURN_IF_ERROR(stop->Tick());
    ReportIndicator figures;
    figures.indicator = indicator;
    // The years the year's figures read, and for a term every year of it.
    SeriesYears years = YearPerformanceYears(in.year, in.term.start_year());
    if (in.kind == v1::GenerateReportResponse::TERM) {
      const SeriesYears term = YearsFrom(in.term.start_year(), in.year);
      years.insert(years.end(), term.begin(), term.end());
      std::sort(years.begin(), years.end());
      years.erase(std::unique(years.begin(), years.end()), years.end());
    }
    ASSIGN_OR_RETURN(const Series series, store.LoadSeries(org, IdOf(indicator), years));
    figures.year = YearPerformance(TraitsOf(indicator), series, in.year, in.term.start_year());
    if (in.kind == v1::GenerateReportResponse::TERM) {
      figures.term = SummarizeTerm(TraitsOf(indicator), series, in.term.start_year(), in.year);
    }
    if (!peers.empty()) {
      ASSIGN_OR_RETURN(figures.rank, RankInRegion(store, rank_request, peers, indicator, stop));
    }
    in.indicators.push_back(std::move(figures));
  }
  // Party statistics of each year reported that has begun and that the read model holds
  // statistics of the organization by: before its first year (or with none) the counters are
  // zeros that mean "nothing recorded", which the report must say rather than print 0.
  const absl::CivilDay today = TodayInVietnam();
  if (known) {
    ASSIGN_OR_RETURN(const std::optional<int> first, read_model.FirstStatisticsYear(org));
    for (int year : PartyYears(in)) {
      RETURN_IF_ERROR(stop->Tick());
      if (year > today.year() || !first.has_value() || year < *first) continue;
      ASSIGN_OR_RETURN(const Counters counters, read_model.StatisticsFor(org, year));
      in.party[year] = BuildPartyStatistics(request.organization(), year, counters, today);
    }
  }
  return in;
}

}  // namespace

grpc::ServerUnaryReactor* AnalyticsServiceImpl::GetYearlyPerformance(
    grpc::CallbackServerContext* ctx, const v1::GetYearlyPerformanceRequest* request,
    v1::GetYearlyPerformanceResponse* response) {
  return Serve(
      ctx, "GetYearlyPerformance", request, response, Mode::kNow,
      [this, request, response](const Call&) -> absl::Status {
        RETURN_IF_ERROR(Validate(*request));
        ASSIGN_OR_RETURN(std::string org,
                         ParseOrganizationName(request->organization(), "organization"));
        const dangbo::common::v1::Term term =
            request->has_term() ? request->term() : DefaultTerm(request->year());
        ASSIGN_OR_RETURN(std::vector<v1::Indicator> selected,
                         SelectIndicators(*indicators_, org, request->indicators()));
        ASSIGN_OR_RETURN(std::optional<Organization> organization,
                         read_model_->GetOrganization(org));
        bool known = organization.has_value();
        if (!known) {
          ASSIGN_OR_RETURN(known, read_model_->HasStatistics(org));
        }
        if (selected.empty() && !known) return NoIndicators(org);
        response->set_organization(request->organization());
        if (organization.has_value()) response->set_display_name(organization->display_name());
        response->set_year(request->year());
        *response->mutable_term() = term;
        for (const v1::Indicator& indicator : selected) {
          v1::IndicatorPerformance* p = response->add_indicators();
          ASSIGN_OR_RETURN(
              const Series series,
              indicators_->LoadSeries(org, IdOf(indicator),
                                      YearPerformanceYears(request->year(), term.start_year())));
          *p = YearPerformance(TraitsOf(indicator), series, request->year(), term.start_year());
          *p->mutable_indicator() = indicator;
        }
        *response->mutable_freshness() = follower_->GetFreshness();
        const absl::CivilDay today = TodayInVietnam();
        if (known && request->year() <= today.year()) {
          ASSIGN_OR_RETURN(const Counters counters,
                           read_model_->StatisticsFor(org, request->year()));
          *response->mutable_party_statistics() =
              BuildPartyStatistics(request->organization(), request->year(), counters, today);
          *response->mutable_party_statistics()->mutable_freshness() = response->freshness();
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AnalyticsServiceImpl::CompareYears(grpc::CallbackServerContext* ctx,
                                                             const v1::CompareYearsRequest* request,
                                                             v1::CompareYearsResponse* response) {
  return Serve(ctx, "CompareYears", request, response, Mode::kNow,
               [this, request, response](const Call&) -> absl::Status {
                 RETURN_IF_ERROR(Validate(*request));
                 ASSIGN_OR_RETURN(std::string org,
                                  ParseOrganizationName(request->organization(), "organization"));
                 ASSIGN_OR_RETURN(std::vector<v1::Indicator> selected,
                                  SelectIndicators(*indicators_, org, request->indicators()));
                 if (selected.empty()) return NoIndicators(org);
                 response->set_organization(request->organization());
                 response->set_base_year(request->base_year());
                 response->set_year(request->year());
                 for (const v1::Indicator& indicator : selected) {
                   v1::IndicatorComparison* c = response->add_comparisons();
                   ASSIGN_OR_RETURN(const Series series,
                                    indicators_->LoadSeries(
                                        org, IdOf(indicator),
                                        CompareYearsYears(request->base_year(), request->year())));
                   *c = analytics::CompareYears(TraitsOf(indicator), series, request->base_year(),
                                                request->year());
                   *c->mutable_indicator() = indicator;
                 }
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* AnalyticsServiceImpl::GetTermSummary(
    grpc::CallbackServerContext* ctx, const v1::GetTermSummaryRequest* request,
    v1::GetTermSummaryResponse* response) {
  return Serve(
      ctx, "GetTermSummary", request, response, Mode::kNow,
      [this, request, response](const Call&) -> absl::Status {
        RETURN_IF_ERROR(Validate(*request));
        ASSIGN_OR_RETURN(std::string org,
                         ParseOrganizationName(request->organization(), "organization"));
        const int through =
            request->has_through_year() ? request->through_year() : request->term().end_year();
        ASSIGN_OR_RETURN(std::vector<v1::Indicator> selected,
                         SelectIndicators(*indicators_, org, request->indicators()));
        if (selected.empty()) return NoIndicators(org);
        response->set_organization(request->organization());
        *response->mutable_term() = request->term();
        response->set_through_year(through);
        for (const v1::Indicator& indicator : selected) {
          v1::IndicatorTermSummary* s = response->add_summaries();
          ASSIGN_OR_RETURN(
              const Series series,
              indicators_->LoadSeries(org, IdOf(indicator),
                                      YearsFrom(request->term().start_year(), through)));
          *s = SummarizeTerm(TraitsOf(indicator), series, request->term().start_year(), through);
          *s->mutable_indicator() = indicator;
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AnalyticsServiceImpl::RankOrganizations(
    grpc::CallbackServerContext* ctx, const v1::RankOrganizationsRequest* request,
    v1::RankOrganizationsResponse* response) {
  return Serve(
      ctx, "RankOrganizations", request, response, Mode::kOnPool,
      [this, request, response](const Call& call) -> absl::Status {
        RETURN_IF_ERROR(Validate(*request));
        ASSIGN_OR_RETURN(int page_size, common::NormalizePageSize(request->page_size()));
        const common::ListScope scope{
            "RankOrganizations", absl::StrCat(request->region(), "|", request->parent()),
            absl::StrCat(request->indicator_id(), "|", request->year(), "|", request->by(), "|",
                         request->organization()),
            ""};
        ASSIGN_OR_RETURN(std::string last, common::ParsePageToken(request->page_token(), scope));
        ASSIGN_OR_RETURN(std::vector<Organization> peers,
                         PeerGroup(*read_model_, *request, call.stop));
        ASSIGN_OR_RETURN(Entries entries, RankEntries(*indicators_, *request, peers, call.stop));
        RETURN_IF_ERROR(RankedPage(*request, entries, last, page_size, scope, response));
        *response->mutable_freshness() = follower_->GetFreshness();
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AnalyticsServiceImpl::GetIndicatorSeries(
    grpc::CallbackServerContext* ctx, const v1::GetIndicatorSeriesRequest* request,
    v1::GetIndicatorSeriesResponse* response) {
  return Serve(
      ctx, "GetIndicatorSeries", request, response, Mode::kNow,
      [this, request, response](const Call& call) -> absl::Status {
        RETURN_IF_ERROR(Validate(*request));
        ASSIGN_OR_RETURN(IndicatorName name, ParseIndicatorName(request->indicator(), "indicator"));
        ASSIGN_OR_RETURN(v1::Indicator indicator,
                         indicators_->GetIndicator(name.organization, name.indicator));
        // Each year's performance also reads the year before.
        const SeriesYears years = YearsFrom(request->from_year() - 1, request->to_year());
        ASSIGN_OR_RETURN(const Series series,
                         indicators_->LoadSeries(name.organization, name.indicator, years));
        *response->mutable_indicator() = indicator;
        for (int year = request->from_year(); year <= request->to_year(); ++year) {
          RETURN_IF_ERROR(call.stop->Tick());
          const v1::IndicatorPerformance p =
              YearPerformance(TraitsOf(indicator), series, year, year);
          v1::SeriesPoint* point = response->add_points();
          point->set_year(year);
          *point->mutable_actual() = p.actual();
          point->set_value_kind(p.value_kind());
          *point->mutable_targets() = p.targets();
          point->set_missing(p.actual().status() != Figure::OK && p.targets_size() == 0);
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AnalyticsServiceImpl::GenerateReport(
    grpc::CallbackServerContext* ctx, const v1::GenerateReportRequest* request,
    v1::GenerateReportResponse* response) {
  return Serve(ctx, "GenerateReport", request, response, Mode::kOnPool,
               [this, request, response](const Call& call) -> absl::Status {
                 RETURN_IF_ERROR(Validate(*request));
                 ASSIGN_OR_RETURN(const ReportInput figures,
                                  ReportFigures(*indicators_, *read_model_, *request, call.stop));
                 *response = BuildReport(figures);
                 *response->mutable_freshness() = follower_->GetFreshness();
                 return absl::OkStatus();
               });
}

}  // namespace analytics
