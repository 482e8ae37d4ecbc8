// File: tests/bench/harness/bench_targets.h
//
// The benchmark's random targets. h2load repeats one request body, so the requests name a
// target that a server interceptor replaces, before the handler sees the request, with a
// random one of the dataset (tests/bench/dataset/dataset.h), drawn uniformly:
//
//   GetMember            name         "organizations/-/members/~random"  -> a member
//   ListMembers          parent       "organizations/~random"            -> a cell's
//                        organization, and filter `cell = "<that cell>"`
//   GetYearlyPerformance organization "organizations/~random"            -> an organization
//
// The request's other fields are kept. The names are computed from the dataset's shape (its
// names are functions of the numbers), so nothing is read or sampled; a name the shape does
// not match answers NOT_FOUND like any other. Only the benchmark's servers
// (bench_records_server, bench_analytics_server) install the interceptor: the services'
// binaries neither link it nor know "~random" (an invalid name there).
//
// Thread-safety: RandomTargets is immutable; its draws use a per-thread generator.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "dangbo/analytics/v1/analytics_service.pb.h"
#include "dangbo/records/v1/records_service.pb.h"
#include "grpcpp/support/server_interceptor.h"
#include "tests/bench/dataset/dataset.h"

namespace bench {

inline constexpr char kRandomMember[] = "organizations/-/members/~random";
inline constexpr char kRandomOrganization[] = "organizations/~random";

class RandomTargets {
 public:
  // `shape` resolved (dataset::Resolve).
  explicit RandomTargets(const dataset::Shape& shape) : shape_(shape) {}

  const dataset::Shape& shape() const { return shape_; }

  // Each returns true when it replaced a random target, false when the request named none.
  bool Rewrite(dangbo::records::v1::GetMemberRequest* request) const;
  bool Rewrite(dangbo::records::v1::ListMembersRequest* request) const;
  bool Rewrite(dangbo::analytics::v1::GetYearlyPerformanceRequest* request) const;

 private:
  int64_t Draw(int64_t n) const;  // uniform in 1..n

  dataset::Shape shape_;
};

// The interceptor on GetMember, ListMembers and GetYearlyPerformance (nullptr for every
// other method, so they pay nothing).
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewRandomTargetInterceptor(
    const dataset::Shape& shape);

// The dataset's shape from --bench_members, --bench_cells, --bench_organizations (0:
// proportional, as bench_dataset); INVALID_ARGUMENT without members or when they do not nest.
absl::StatusOr<dataset::Shape> ShapeFromFlags();

}  // namespace bench
