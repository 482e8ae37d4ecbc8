// Observations: Record (rows or CSV, all or nothing per row), List.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/list_query.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "services/analytics/domain/observation_csv.h"
#include "services/analytics/domain/observation_update.h"
#include "services/analytics/domain/resource_names.h"
#include "services/analytics/domain/term.h"
#include "services/analytics/domain/validation.h"
#include "services/analytics/domain/value_domain.h"
#include "services/analytics/follower/party_statistics.h"
#include "services/analytics/service/analytics_service.h"
#include "services/analytics/service/handler_util.h"

namespace analytics {
namespace {

using RowError = ::dangbo::common::v1::RowError;

// A valid request's rows, numbered (a row without a number is its position), with the CSV
// records' errors; `received` counts the data rows.
struct Rows {
  std::vector<v1::ObservationInput> rows;
  std::vector<RowError> errors;
  int received = 0;
};
absl::StatusOr<Rows> RowsOf(const v1::RecordObservationsRequest& request) {
  Rows out;
  if (!request.csv().empty()) {
    ASSIGN_OR_RETURN(ParsedCsv parsed, ParseObservationsCsv(request.csv(), kMaxObservationRows));
    out.rows = std::move(parsed.rows);
    out.errors = std::move(parsed.errors);
    out.received = parsed.data_rows;
    return out;
  }
  for (int i = 0; i < request.observations_size(); ++i) {
    out.rows.push_back(request.observations(i));
    if (out.rows.back().row() == 0) out.rows.back().set_row(i + 1);
  }
  out.received = request.observations_size();
  return out;
}

void AddRowError(int row, const std::string& field, const std::string& message,
                 absl::StatusCode code, const std::string& reason, std::vector<RowError>* errors) {
  RowError e;
  e.set_row(row);
  e.set_field(field);
  e.set_message(field.empty() ? message : absl::StrCat(field, ": ", message));
  e.set_code(static_cast<int>(code));
  e.set_reason(reason);
  errors->push_back(std::move(e));
}

// The rows of one RecordObservations call held against the organization's indicators and
// stored observations: what each valid row changes (`pending`, by indicator id and year),
// and why each other row is refused (`errors`).
class ObservationBatch {
 public:
  ObservationBatch(const IndicatorStore& store, std::string org, absl::string_view parent,
                   std::string principal)
      : store_(store),
        org_(std::move(org)),
        parent_(parent),
        principal_(std::move(principal)),
        current_year_(TodayInVietnam().year()),
        now_(absl::Now()) {}

  // Holds `row` (which ValidateObservationInput puts in stored form) against the rules; a
  // refused row adds to `errors`. An error only when the store cannot be read.
  absl::Status Add(v1::ObservationInput& row, std::vector<RowError>* errors) {
    bool bad = false;
    for (const auto& [field, rule] : ValidateObservationInput(&row, current_year_)) {
      Refuse(row, field, rule, errors);
      bad = true;
    }
    if (row.indicator().empty()) return absl::OkStatus();
    // The indicator: an id under the parent, or a full name that must be under it.
    std::string id = row.indicator();
    if (id.find('/') != std::string::npos) {
      absl::StatusOr<IndicatorName> name = ParseIndicatorName(id, "indicator");
      if (!name.ok() || name->organization != org_) {
        Refuse(row, "indicator", absl::StrCat("must be an indicator id or a name under ", parent_),
               errors);
        return absl::OkStatus();
      }
      id = name->indicator;
    }
    const std::optional<v1::Indicator>& definition = Definition(id);
    if (!definition.has_value()) {
      AddRowError(row.row(), "indicator",
                  absl::StrCat("indicator ", IndicatorResourceName(org_, id),
                               " does not exist (create it first)"),
                  absl::StatusCode::kNotFound, "INDICATOR_NOT_FOUND", errors);
      return absl::OkStatus();
    }
    for (const auto& [field, rule] : ValueDomainViolations(row, definition->value_domain())) {
      AddRowError(row.row(), field, rule, absl::StatusCode::kInvalidArgument, "VALUE_OUT_OF_DOMAIN",
                  errors);
      bad = true;
    }
    if (bad) return absl::OkStatus();
    const auto key = std::make_pair(id, row.year());
    auto it = pending_.find(key);
    v1::Observation current;
    if (it != pending_.end()) {
      current = it->second;
    } else {
      ASSIGN_OR_RETURN(std::optional<v1::Observation> stored,
                       store_.GetObservation(org_, id, row.year()));
      if (stored.has_value()) {
        current = *std::move(stored);
      } else {
        current.set_indicator(IndicatorResourceName(org_, id));
        current.set_year(row.year());
        current.set_unit(definition->unit());
      }
    }
    v1::Observation next;
    if (ApplyObservationInput(row, current, now_, principal_, &next)) {
      pending_[key] = std::move(next);
      ++written_;
    } else {
      ++unchanged_;
    }
    return absl::OkStatus();
  }

  const std::map<std::pair<std::string, int>, v1::Observation>& pending() const { return pending_; }
  int written() const { return written_; }
  int unchanged() const { return unchanged_; }

 private:
  static void Refuse(const v1::ObservationInput& row, const std::string& field,
                     const std::string& rule, std::vector<RowError>* errors) {
    AddRowError(row.row(), field, rule, absl::StatusCode::kInvalidArgument, "INVALID_ARGUMENT",
                errors);
  }
  const std::optional<v1::Indicator>& Definition(const std::string& id) {
    auto it = definitions_.find(id);
    if (it != definitions_.end()) return it->second;
    absl::StatusOr<v1::Indicator> found =
        IsResourceId(id) ? store_.GetIndicator(org_, id)
                         : absl::StatusOr<v1::Indicator>(absl::NotFoundError(""));
    return definitions_[id] =
               found.ok() ? std::optional<v1::Indicator>(*found) : std::optional<v1::Indicator>();
  }

  const IndicatorStore& store_;
  const std::string org_;
  const std::string parent_;
  const std::string principal_;
  const int current_year_;
  const absl::Time now_;
  std::map<std::pair<std::string, int>, v1::Observation> pending_;  // (indicator id, year)
  std::map<std::string, std::optional<v1::Indicator>> definitions_;
  int written_ = 0;
  int unchanged_ = 0;
};

// One page of a valid request's observations (Validate).
absl::Status ListObservationPage(const IndicatorStore& store,
                                 const v1::ListObservationsRequest& request,
                                 v1::ListObservationsResponse* response,
                                 common::Cancellation* stop) {
  ASSIGN_OR_RETURN(IndicatorName name, ParseIndicatorName(request.indicator(), "indicator",
                                                          /*allow_wildcard=*/true));
  ASSIGN_OR_RETURN(int page_size, common::NormalizePageSize(request.page_size()));
  const bool all = name.indicator == "-";
  if (!all) RETURN_IF_ERROR(store.GetIndicator(name.organization, name.indicator).status());
  const common::ListScope scope{
      "ListObservations", request.indicator(),
      absl::StrCat(request.from_year(), "..", request.to_year(), request.include_revisions()), ""};
  ASSIGN_OR_RETURN(std::string last, common::ParsePageToken(request.page_token(), scope));
  ASSIGN_OR_RETURN(
      std::vector<v1::Observation> observations,
      store.ListObservations(name.organization, all ? "" : name.indicator, request.from_year(),
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

}  // namespace

grpc::ServerUnaryReactor* AnalyticsServiceImpl::RecordObservations(
    grpc::CallbackServerContext* ctx, const v1::RecordObservationsRequest* request,
    v1::RecordObservationsResponse* response) {
  return Serve(ctx, "RecordObservations", request, response, &Stub::RecordObservations,
               [this, request, response](const Call& call) -> absl::Status {
                 RETURN_IF_ERROR(Validate(*request));
                 ASSIGN_OR_RETURN(std::string org,
                                  ParseOrganizationName(request->parent(), "parent"));
                 ASSIGN_OR_RETURN(Rows rows, RowsOf(*request));
                 absl::MutexLock lock(&indicators_->write_mutex());
                 uint64_t fingerprint = 0;
                 ASSIGN_OR_RETURN(bool replayed, Replayed(*indicators_, "RecordObservations",
                                                          *request, response, &fingerprint));
                 if (replayed) return absl::OkStatus();
                 ObservationBatch batch(*indicators_, org, request->parent(), call.principal.name);
                 for (v1::ObservationInput& row : rows.rows) {
                   RETURN_IF_ERROR(call.stop->Tick());  // nothing is written before the last row
                   RETURN_IF_ERROR(batch.Add(row, &rows.errors));
                 }
                 std::sort(rows.errors.begin(), rows.errors.end(),
                           [](const auto& a, const auto& b) { return a.row() < b.row(); });
                 response->set_received(rows.received);
                 response->set_unchanged(batch.unchanged());
                 response->set_written(request->validate_only() ? 0 : batch.written());
                 for (auto& e : rows.errors) *response->add_errors() = std::move(e);
                 if (request->validate_only()) return absl::OkStatus();
                 IndicatorWrite write;
                 std::set<std::string> written_ids;
                 for (const auto& [key, observation] : batch.pending()) {
                   indicators_->PutObservation(&write, org, key.first, observation);
                   written_ids.insert(key.first);
                 }
                 RememberRequest(indicators_, &write, "RecordObservations", request->request_id(),
                                 fingerprint, *response);
                 if (!write.empty()) RETURN_IF_ERROR(indicators_->Commit(&write));
                 // Rows may have corrected figures reported outside their domain.
                 for (const std::string& id : written_ids) {
                   if (absl::Status s = value_domains_.RecheckReported(org, id); !s.ok()) {
                     common::LogWarning(
                         "could not recheck observations against their value domain",
                         {{"indicator", IndicatorResourceName(org, id)}, {"error", s.ToString()}});
                   }
                 }
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* AnalyticsServiceImpl::ListObservations(
    grpc::CallbackServerContext* ctx, const v1::ListObservationsRequest* request,
    v1::ListObservationsResponse* response) {
  return Serve(ctx, "ListObservations", request, response, Mode::kNow,
               [this, request, response](const Call& call) -> absl::Status {
                 RETURN_IF_ERROR(Validate(*request));
                 return ListObservationPage(*indicators_, *request, response, call.stop);
               });
}

}  // namespace analytics
