// File: services/analytics/seed/seed_loader.h
//
// Loads the seed dataset (seed_data.h) through analytics' public API: CreateIndicator (an
// ALREADY_EXISTS indicator is left as it is, except that one created before value domains
// existed gets the seed's domain with UpdateIndicator) and RecordObservations (fixed request
// ids, so a second load writes nothing). Every call has a deadline.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"

namespace analytics::seed {

struct SeedReport {
  int indicators_created = 0;
  int indicators_existing = 0;
  int indicators_given_a_value_domain = 0;  // existing ones that had none
  int observations_written = 0;
  int observations_unchanged = 0;
  int row_errors = 0;
};

absl::Status LoadSeed(dangbo::analytics::v1::AnalyticsService::StubInterface& stub,
                      SeedReport* report);

}  // namespace analytics::seed
