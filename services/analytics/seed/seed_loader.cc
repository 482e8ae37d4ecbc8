#include "services/analytics/seed/seed_loader.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "grpcpp/client_context.h"
#include "services/analytics/seed/seed_data.h"

namespace analytics::seed {

namespace v1 = ::dangbo::analytics::v1;

namespace {

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(30);
}

// An indicator created by an earlier seed, before value domains: give it the seed's.
absl::Status DeclareValueDomain(v1::AnalyticsService::StubInterface& stub,
                                const SeedIndicator& seed, SeedReport* report) {
  if (!seed.indicator.has_value_domain()) return absl::OkStatus();
  v1::GetIndicatorRequest get;
  get.set_name(absl::StrCat(seed.organization, "/indicators/", seed.id));
  v1::Indicator stored;
  grpc::ClientContext get_context;
  get_context.set_deadline(Deadline());
  grpc::Status status = stub.GetIndicator(&get_context, get, &stored);
  if (!status.ok()) return common::FromGrpcStatus(status);
  if (stored.has_value_domain()) return absl::OkStatus();  // the operator's choice stands
  v1::UpdateIndicatorRequest update;
  update.mutable_indicator()->set_name(stored.name());
  update.mutable_indicator()->set_etag(stored.etag());
  *update.mutable_indicator()->mutable_value_domain() = seed.indicator.value_domain();
  update.mutable_update_mask()->add_paths("value_domain");
  v1::Indicator updated;
  grpc::ClientContext update_context;
  update_context.set_deadline(Deadline());
  status = stub.UpdateIndicator(&update_context, update, &updated);
  if (status.error_code() == grpc::StatusCode::ABORTED) return absl::OkStatus();  // changed
  if (!status.ok()) return common::FromGrpcStatus(status);
  ++report->indicators_given_a_value_domain;
  return absl::OkStatus();
}

}  // namespace

absl::Status LoadSeed(v1::AnalyticsService::StubInterface& stub, SeedReport* report) {
  auto deadline = [] { return Deadline(); };
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
      if (absl::Status s = DeclareValueDomain(stub, seed, report); !s.ok()) return s;
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
