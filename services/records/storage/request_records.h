// File: services/records/storage/request_records.h
//
// request_id records (AIP-155 idempotency). A successful write stores, in the same
// WriteBatch, {method, hash of the request, response bytes, time} under its request_id; a
// retry finds it and returns the stored response, a different request under the same id is
// INVALID_ARGUMENT (REQUEST_ID_REUSED). Records expire after the retention window (trimmed
// in the background through the commit queue, see retention.h).
//
// Thread-safety: pure functions and reads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "rocksdb/write_batch.h"
#include "services/records/storage/records_db.h"

namespace records {

struct RequestRecord {
  std::string method;
  std::string request_hash;  // RequestHash() of the request
  std::string response;      // serialized response message
  absl::Time time;
};

std::string EncodeRequestRecord(const RequestRecord& record);
bool DecodeRequestRecord(absl::string_view bytes, RequestRecord* record);

// A stable 128-bit hash (hex) of the request's deterministic serialization.
std::string RequestHash(const google::protobuf::Message& request);

// Adds the record (and its expiry index entry) to `batch`.
void PutRequestRecord(rocksdb::WriteBatch* batch, const RecordsDb& db, absl::string_view request_id,
                      const RequestRecord& record);

// The record stored under request_id, or nullopt.
absl::StatusOr<std::optional<RequestRecord>> FindRequestRecord(const RecordsDb& db,
                                                               absl::string_view request_id);

// What to do with a request carrying `request_id`: nullopt = proceed (no record); a value =
// the stored response to return; INVALID_ARGUMENT (REQUEST_ID_REUSED) when the id was used
// for a different request or method.
absl::StatusOr<std::optional<std::string>> CheckRequestId(const RecordsDb& db,
                                                          absl::string_view request_id,
                                                          absl::string_view method,
                                                          const std::string& request_hash);

// INVALID_ARGUMENT REQUEST_ID_REUSED naming request_id: the id was used for a different
// request, of method `used_for`.
absl::Status RequestIdReused(absl::string_view used_for);

// Stores `record` under `request_id` in a commit of its own (no change event, not audited),
// for a call whose effect lies outside the database (CreateBackup); record.time becomes the
// commit time. `done` (on the commit thread) gets OK, ABORTED when the id was recorded
// meanwhile, or the write's error.
void SubmitRequestRecord(RecordsDb* db, std::string request_id, RequestRecord record,
                         std::function<void(const absl::Status&)> done);

}  // namespace records
