#include "services/analytics/service/value_domain_report.h"

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "services/analytics/domain/resource_names.h"
#include "services/analytics/domain/term.h"
#include "services/analytics/domain/value_domain.h"

namespace analytics {

ValueDomainReport::ValueDomainReport(const IndicatorStore* store)
    : store_(store),
      gauge_(common::MetricsRegistry::Default().AddGauge(
          "dangbo_analytics_observations_out_of_domain",
          "Stored observations with a value outside their indicator's value domain (kept, "
          "reported in the log; the writer checks at open and after each change).")) {}

absl::StatusOr<int64_t> ValueDomainReport::Count(const Indicator& indicator, const std::string& org,
                                                 const std::string& id, int* log_budget) const {
  if (IsUnrestricted(indicator.value_domain())) return 0;
  ASSIGN_OR_RETURN(std::vector<Observation> observations,
                   store_->ListObservations(org, id, kMinYear, kMaxYear));
  int64_t outside = 0;
  for (const Observation& o : observations) {
    const ValueDomainViolationList violations = ValueDomainViolations(o, indicator.value_domain());
    if (violations.empty()) continue;
    ++outside;
    for (const auto& [field, rule] : violations) {
      if (*log_budget <= 0) break;
      --*log_budget;
      common::LogWarning("observation outside its indicator's value domain (kept as recorded)",
                         {{"indicator", indicator.name()},
                          {"year", static_cast<int64_t>(o.year())},
                          {"field", field},
                          {"rule", rule}});
    }
  }
  return outside;
}

absl::Status ValueDomainReport::CheckAll() {
  ASSIGN_OR_RETURN(std::vector<Indicator> indicators, store_->ListAllIndicators());
  std::map<std::string, int64_t> counts;
  int log_budget = kMaxLogged;
  int64_t total = 0;
  for (const Indicator& indicator : indicators) {
    absl::StatusOr<IndicatorName> name = ParseIndicatorName(indicator.name(), "name");
    if (!name.ok()) continue;  // not ours to judge here; reads report it
    absl::StatusOr<int64_t> outside =
        Count(indicator, name->organization, name->indicator, &log_budget);
    if (!outside.ok()) {
      // A damaged block is reported to whoever reads it (DATA_LOSS); it does not keep the
      // other indicators from being checked, nor the server from starting.
      common::LogError("could not check an indicator's stored observations against its value "
                       "domain",
                       {{"indicator", indicator.name()}, {"error", outside.status().ToString()}});
      continue;
    }
    if (*outside > 0) counts[indicator.name()] = *outside;
    total += *outside;
  }
  if (total > 0) {
    common::LogWarning(
        "stored observations outside their indicator's value domain; they are kept and served "
        "as recorded — correct them with RecordObservations",
        {{"observations", total},
         {"indicators", static_cast<int64_t>(counts.size())},
         {"logged_lines", static_cast<int64_t>(kMaxLogged - log_budget)}});
  }
  absl::MutexLock lock(&mu_);
  per_indicator_ = std::move(counts);
  Publish();
  return absl::OkStatus();
}

absl::Status ValueDomainReport::Recheck(const std::string& org, const std::string& id, bool log) {
  absl::StatusOr<Indicator> indicator = store_->GetIndicator(org, id);
  int64_t outside = 0;
  if (indicator.ok()) {
    int log_budget = log ? kMaxLogged : 0;
    ASSIGN_OR_RETURN(outside, Count(*indicator, org, id, &log_budget));
  } else if (!absl::IsNotFound(indicator.status())) {
    return indicator.status();
  }
  absl::MutexLock lock(&mu_);
  const std::string name = IndicatorResourceName(org, id);
  if (outside > 0) {
    per_indicator_[name] = outside;
  } else {
    per_indicator_.erase(name);
  }
  Publish();
  return absl::OkStatus();
}

absl::Status ValueDomainReport::RecheckReported(const std::string& org, const std::string& id) {
  {
    absl::MutexLock lock(&mu_);
    if (per_indicator_.count(IndicatorResourceName(org, id)) == 0) return absl::OkStatus();
  }
  return Recheck(org, id, /*log=*/false);
}

int64_t ValueDomainReport::total() const {
  absl::MutexLock lock(&mu_);
  int64_t total = 0;
  for (const auto& [name, count] : per_indicator_) total += count;
  return total;
}

void ValueDomainReport::Publish() {
  int64_t total = 0;
  for (const auto& [name, count] : per_indicator_) total += count;
  gauge_.Set(static_cast<double>(total));
}

}  // namespace analytics
