#include "services/analytics/seed/seed_loader.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "grpcpp/client_context.h"
#include "services/analytics/seed/seed_data.h"

namespace analytics::seed {

namespace v1 = ::dangbo::analytics::v1;

absl::Status LoadSeed(v1::AnalyticsService::StubInterface& stub, SeedReport* report) {
  auto deadline = [] { return std::chrono::system_clock::now() + std::chrono::seconds(30); };
  for (const SeedIndicator& seed : SeedIndicators()) {
    grpc::ClientContext context;
    context.set_deadline(deadline());
    v1::CreateIndicatorRequest request;
    request.set_parent(seed.organization);
    request.set_indicator_id(seed.id);
    *request.mutable_indicator() = seed.indicator;
    v1::Indicator created;
    grpc::Status status = stub.CreateIndicator(&context, request, &created);
    if (status.ok()) {
      ++report->indicators_created;
    } else if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
      ++report->indicators_existing;
    } else {
      return common::FromGrpcStatus(status);
    }
  }
  for (const v1::RecordObservationsRequest& request : SeedObservations()) {
    grpc::ClientContext context;
    context.set_deadline(deadline());
    v1::RecordObservationsResponse response;
    grpc::Status status = stub.RecordObservations(&context, request, &response);
    if (!status.ok()) return common::FromGrpcStatus(status);
    report->observations_written += response.written();
    report->observations_unchanged += response.unchanged();
    report->row_errors += response.errors_size();
    if (response.errors_size() > 0) {
      return absl::InternalError(absl::StrCat("seed rows rejected for ", request.parent(), ": ",
                                              response.errors(0).message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace analytics::seed
