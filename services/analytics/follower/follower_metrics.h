// File: services/analytics/follower/follower_metrics.h
//
// The records follower on /metrics, read from RecordsFollower::Status() at scrape time:
//   dangbo_follower_lag_events             records' head sequence − last applied sequence
//   dangbo_follower_lag_seconds            0 while following with no known backlog; otherwise
//                                          seconds since the follower last knew it was caught
//                                          up, else since the commit time of the last applied
//                                          event, else since `started` (never in sync)
//   dangbo_follower_following              1 while the change stream to records is open
//   dangbo_follower_state{state}           1 for the current Freshness.State, 0 for the others
//   dangbo_follower_last_applied_sequence  the read model's position in records' change log
//   dangbo_follower_source_head_sequence   records' head as last reported
//   dangbo_follower_events_applied_total   change events applied since the process started
//   dangbo_follower_reconnects_total, dangbo_follower_rebuilds_total
//
// Thread-safety: the collector runs on the scrape thread (RecordsFollower::Status is
// thread-safe). The follower must outlive the registration.
#pragma once

#include "absl/time/time.h"
#include "common/metrics.h"
#include "services/analytics/follower/records_follower.h"

namespace analytics {

[[nodiscard]] common::MetricsRegistration RegisterFollowerMetrics(
    const RecordsFollower* follower, absl::Time started,
    common::MetricsRegistry* registry = &common::MetricsRegistry::Default());

}  // namespace analytics
