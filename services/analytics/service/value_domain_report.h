// File: services/analytics/service/value_domain_report.h
//
// Stored observations outside their indicator's value domain (Indicator.value_domain): data
// recorded before the indicator declared its domain, or before UpdateIndicator tightened it.
// Such data is kept and served as it is — never dropped or rewritten — and reported: one
// warning log line per observation and field ("observation outside its indicator's value
// domain", with the indicator, year, field and rule; at most kMaxLogged lines per check, then
// a count) and the gauge
//   dangbo_analytics_observations_out_of_domain   (observations, on the writer)
// New rows are refused by RecordObservations, so the count only falls as figures are
// corrected.
//
// The writer checks every indicator that has a domain when it opens (CheckAll), and one
// indicator again when its domain changes, it is deleted, or rows were written to it
// (Recheck). Read replicas do not check: they hold the writer's data.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/metrics.h"
#include "services/analytics/store/indicator_store.h"

namespace analytics {

class ValueDomainReport {
 public:
  static constexpr int kMaxLogged = 100;

  // `store` is not owned and must outlive the report.
  explicit ValueDomainReport(const IndicatorStore* store);

  // Checks every stored indicator with a value domain; logs and counts what is outside. An
  // indicator whose observations cannot be read is logged and skipped (its reads say DATA_LOSS).
  absl::Status CheckAll();

  // Checks one indicator again (organization id, indicator id); a deleted one counts zero.
  // Logs what is outside when `log`.
  absl::Status Recheck(const std::string& org, const std::string& id, bool log);

  // Recheck without logging, only when the indicator has observations reported outside its
  // domain (after rows were written to it: they may have corrected them).
  absl::Status RecheckReported(const std::string& org, const std::string& id);

  // Observations outside their domain, as last checked.
  int64_t total() const;

 private:
  // Counts (and logs, up to `*log_budget` lines) the indicator's observations outside its
  // domain.
  absl::StatusOr<int64_t> Count(const Indicator& indicator, const std::string& org,
                                const std::string& id, int* log_budget) const;
  void Publish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const IndicatorStore* store_;
  mutable absl::Mutex mu_;
  std::map<std::string, int64_t> per_indicator_ ABSL_GUARDED_BY(mu_);  // by resource name
  common::Gauge& gauge_;
};

}  // namespace analytics
