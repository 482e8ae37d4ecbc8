// File: services/analytics/config.h
//
// analytics_server's configuration: the shared server flags (common/config.h) plus the
// analytics flags (config.cc: records to follow and how, the writer/replica role), each also
// read from DANGBO_<FLAG>. Binaries that serve analytics (analytics_server, the benchmark's
// bench_analytics_server) read it here, so they take the same flags the same way.
#pragma once

#include "absl/status/statusor.h"
#include "services/analytics/analytics_server.h"

namespace analytics {

// The configuration the flags describe; INVALID_ARGUMENT naming the flag and the rule.
absl::StatusOr<AnalyticsConfig> AnalyticsConfigFromFlags();

}  // namespace analytics
