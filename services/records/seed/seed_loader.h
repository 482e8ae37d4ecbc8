// File: services/records/seed/seed_loader.h
//
// Loads the Long An dataset (long_an_dataset.h) into a running records service through its
// public RPCs — the same path any client takes. Idempotent: when the organization already
// exists the loader does nothing (Loaded::already_present), and every write carries a fixed
// request_id, so an interrupted load is finished by running it again. The dues and meetings
// (long_an_dues.h) are loaded the same way, also into a database seeded before they existed:
// they are skipped only when the last of them is present.
#pragma once

#include "absl/status/statusor.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"

namespace records::seed {

struct LoadResult {
  bool already_present = false;
  int members = 0;  // members imported by this run
  int writes = 0;   // RPCs that wrote
  bool dues_already_present = false;
  int dues_writes = 0;  // dues and meeting RPCs that wrote
};

// Errors carry the failing call and its status (FromGrpcStatus).
absl::StatusOr<LoadResult> LoadLongAnSeed(dangbo::records::v1::RecordsService::StubInterface* stub);

}  // namespace records::seed
