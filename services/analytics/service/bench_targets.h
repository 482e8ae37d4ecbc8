// File: services/analytics/service/bench_targets.h
//
// BENCHMARK ONLY (--bench_random_targets, off by default, never on in production): lets a
// load generator that repeats one request body (h2load) reach random organizations.
//   GetYearlyPerformance organization "organizations/~random" -> a random organization the
//   read model knows (the request's other fields are kept)
// The organizations come from a bounded sample (kSampleSize) of the read model, taken in a
// background thread started by the first "~random" request, once the read model's
// organization count stops changing (the follower has caught up). Until then the request is left as
// it is (and fails: INVALID_ARGUMENT).
//
// Process-wide: StartBenchTargets / StopBenchTargets are called by AnalyticsServer only;
// ResolveBenchTarget is thread-safe and costs one atomic load when the option is off.
#pragma once

#include "dangbo/analytics/v1/analytics_service.pb.h"
#include "services/analytics/store/read_model_store.h"

namespace analytics {

inline constexpr char kRandomOrganization[] = "organizations/~random";
inline constexpr size_t kSampleSize = 100000;

// Logs a loud warning and starts sampling `read_model` (not owned; outlives StopBenchTargets).
void StartBenchTargets(const ReadModelStore* read_model);
// Stops the sampler thread and turns resolution off.
void StopBenchTargets();

// `request` itself, or `storage` holding it rewritten to a random organization.
const dangbo::analytics::v1::GetYearlyPerformanceRequest* ResolveBenchTarget(
    const dangbo::analytics::v1::GetYearlyPerformanceRequest* request,
    dangbo::analytics::v1::GetYearlyPerformanceRequest* storage);

}  // namespace analytics
