// File: services/analytics/service/indicator_stream.h
//
// The writer's side of indicator replication: one WatchIndicatorChanges stream reads the
// indicator log (IndicatorStore::ReadLog) after the client's position, then live changes
// as the ChangeHub pumps it, one write in flight at a time, with a heartbeat when the
// stream opens, each time every committed change has been delivered, and when idle.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/call_grant.h"
#include "common/change_hub.h"
#include "dangbo/analytics/v1/analytics_service.grpc.pb.h"
#include "services/analytics/store/indicator_store.h"

namespace analytics {

// OK, or the error the stream must end with: INVALID_ARGUMENT (heartbeat interval),
// OUT_OF_RANGE (INDICATOR_LOG_ID_MISMATCH, INDICATOR_LOG_AHEAD).
absl::Status CheckIndicatorWatch(
    const IndicatorStore& store,
    const dangbo::analytics::v1::WatchIndicatorChangesRequest& request);

// A reactor that ends at once with the error when `grant` is one, and when the grant is
// revoked while it runs (common/hub_stream.h). Deletes itself when done.
grpc::ServerWriteReactor<dangbo::analytics::v1::IndicatorChange>* NewIndicatorStream(
    IndicatorStore* store, common::ChangeHub* hub,
    const dangbo::analytics::v1::WatchIndicatorChangesRequest& request,
    absl::StatusOr<common::CallGrant> grant);

}  // namespace analytics
