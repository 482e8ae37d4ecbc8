// File: services/records/service/bench_targets.h
//
// BENCHMARK ONLY (--bench_random_targets, off by default, never on in production): lets a
// load generator that repeats one request body (h2load) reach random existing records.
//   GetMember   name   "organizations/-/members/~random"  -> a random existing member
//   ListMembers parent "organizations/~random"            -> parent and filter
//               `cell = "<a random existing cell>"` (the request's other fields are kept)
// The targets come from a bounded reservoir sample (kSampleSize) of the members' and cells'
// keys, built once in a background thread started by the first "~random" request (so loading
// a dataset is not slowed down). Until it is ready the request is left as it is (and fails
// validation: INVALID_ARGUMENT); an empty database is sampled again on the next request.
//
// Process-wide: StartBenchTargets / StopBenchTargets are called by RecordsServer only;
// ResolveBenchTarget is thread-safe and costs one atomic load when the option is off.
#pragma once

#include "dangbo/records/v1/records_service.pb.h"
#include "services/records/storage/records_db.h"

namespace records {

namespace v1 = ::dangbo::records::v1;

inline constexpr char kRandomMemberName[] = "organizations/-/members/~random";
inline constexpr char kRandomParent[] = "organizations/~random";
inline constexpr size_t kSampleSize = 100000;

// Logs a loud warning and starts sampling `db` (not owned; outlives StopBenchTargets).
void StartBenchTargets(RecordsDb* db);
// Stops the sampler thread and turns resolution off.
void StopBenchTargets();

// `request` itself, or `storage` holding it rewritten to a random target.
const v1::GetMemberRequest* ResolveBenchTarget(const v1::GetMemberRequest* request,
                                               v1::GetMemberRequest* storage);
const v1::ListMembersRequest* ResolveBenchTarget(const v1::ListMembersRequest* request,
                                                 v1::ListMembersRequest* storage);

}  // namespace records
