// File: services/analytics/store/indicator_store.h
//
// Indicators, their yearly observations (the latest version with its revisions) and the
// idempotency records of writes, on analytics' RocksDB. Keys:
//   indicators    "{org}/{indicator}"          -> Indicator
//   observations  "{org}/{indicator}/{yyyy}"   -> Observation (with revisions)
//   requests      "{method}/{request_id}"      -> RequestRecord
// (ids are RFC-1034, so "/" cannot occur inside them; years are four digits.)
//
// Reads are lock-free point-in-time reads. A read-modify-write (validate against stored
// state, then write) holds write_mutex() from the first read to Commit(), so two writers
// never interleave; each mutation is one WriteBatch.
//
// Thread-safe. Does not own the common::Store, which must outlive it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/store.h"
#include "dangbo/analytics/storage/v1/storage.pb.h"
#include "dangbo/analytics/v1/indicator.pb.h"
#include "google/protobuf/message.h"
#include "services/analytics/domain/series.h"

namespace analytics {

class IndicatorStore {
 public:
  explicit IndicatorStore(common::Store* db);

  // NOT_FOUND when absent.
  absl::StatusOr<Indicator> GetIndicator(absl::string_view org, absl::string_view id) const;
  // The organization's indicators by id.
  std::vector<Indicator> ListIndicators(absl::string_view org) const;
  bool HasObservations(absl::string_view org, absl::string_view id) const;

  std::optional<Observation> GetObservation(absl::string_view org, absl::string_view id,
                                            int year) const;
  // Observations of one indicator (`id` non-empty) or of all the organization's indicators,
  // by indicator then year, years in [from_year, to_year].
  std::vector<Observation> ListObservations(absl::string_view org, absl::string_view id,
                                            int from_year, int to_year) const;
  // The indicator's series (actuals and targets) for the performance rules.
  Series LoadSeries(absl::string_view org, absl::string_view id) const;

  std::optional<dangbo::analytics::storage::v1::RequestRecord> GetRequest(
      absl::string_view method, absl::string_view request_id) const;

  // Batch builders; nothing is written until Commit().
  void PutIndicator(rocksdb::WriteBatch* batch, absl::string_view org, absl::string_view id,
                    const Indicator& indicator);
  void DeleteIndicator(rocksdb::WriteBatch* batch, absl::string_view org, absl::string_view id);
  void PutObservation(rocksdb::WriteBatch* batch, absl::string_view org, absl::string_view id,
                      const Observation& observation);
  void DeleteObservations(rocksdb::WriteBatch* batch, absl::string_view org, absl::string_view id);
  void PutRequest(rocksdb::WriteBatch* batch, absl::string_view method,
                  absl::string_view request_id,
                  const dangbo::analytics::storage::v1::RequestRecord& record);
  absl::Status Commit(rocksdb::WriteBatch* batch);

  absl::Mutex& write_mutex() { return write_mu_; }

 private:
  common::Store* db_;
  absl::Mutex write_mu_;
};

// A stable 64-bit fingerprint of a message's deterministic serialization (FNV-1a).
uint64_t Fingerprint(const google::protobuf::Message& message);

}  // namespace analytics
