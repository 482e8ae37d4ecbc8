// File: tests/bench/dataset/loader.h
//
// Loads the dataset (dataset.h) through the public RPCs, phase by phase: organizations and
// cells (unary creates), members (ImportMembers, one stream per organization, `streams`
// streams in flight), the lifecycle (RateMember, TransferMember, RemoveMember), inspection
// plans, and — when an analytics stub is given — indicators and their yearly observations
// (RecordObservations). Every write carries a request_id derived from the seed, so a load
// interrupted half-way is finished by running it again.
//
// The import phase is the import benchmark: its members/s is wall-clock time from the first
// stream opened to the last stream finished, each chunk durable when the server commits it.
//
// Thread-safety: Load() is called from one thread and runs `streams` worker threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "tests/bench/dataset/dataset.h"

namespace bench::dataset {

struct LoadOptions {
  int streams = 8;        // concurrent RPCs / import streams
  bool lifecycle = true;  // ratings, transfers, removals, inspection plans
  int deadline_seconds = 600;
};

struct PhaseResult {
  std::string name;
  int64_t items = 0;  // RPC-level items written (members for the import)
  double seconds = 0;
  double per_second() const { return seconds > 0 ? items / seconds : 0; }
};

struct LoadResult {
  std::vector<PhaseResult> phases;
  int64_t members_committed = 0;
  int64_t members_already_committed = 0;
  int64_t rated = 0, transferred = 0, removed = 0, plans = 0, observations = 0;
  const PhaseResult* phase(const std::string& name) const;
};

// Fails with the first error (its call and status); every row error of an import is an
// error too (the dataset is valid by construction).
absl::StatusOr<LoadResult> Load(const Shape& shape, const LoadOptions& options,
                                dangbo::records::v1::RecordsService::StubInterface* records,
                                dangbo::analytics::v1::AnalyticsService::StubInterface* analytics);

// The result as a JSON object (the manifest): shape, naming, counts and timings.
std::string ManifestJson(const Shape& shape, const LoadOptions& options, const LoadResult& result,
                         const std::string& target);

}  // namespace bench::dataset
