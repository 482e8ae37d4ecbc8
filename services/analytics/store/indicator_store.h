// File: services/analytics/store/indicator_store.h
//
// Indicators, their yearly observations (the latest version with its revisions), the
// idempotency records of writes and the indicator log, on analytics' RocksDB. Keys:
//   indicators     "{org}/{indicator}"          -> Indicator
//   observations   "{org}/{indicator}/{yyyy}"   -> Observation (with revisions)
//   requests       "{method}/{request_id}"      -> RequestRecord
//   indicator_log  big-endian u64 sequence      -> v1::IndicatorChange (state after the change)
//   meta           "indicator_log"              -> IndicatorLogState (log id, head)
//                  "indicator_follower"         -> FollowerState (replicas: writer position)
// (ids are RFC-1034, so "/" cannot occur inside them; years are four digits.)
//
// On a writer, every indicator and observation write appends its new state (or a tombstone)
// to the indicator log in the same WriteBatch, so read replicas following the log
// (WatchIndicatorChanges) converge to exactly the writer's data. The log is never trimmed:
// indicator writes are yearly figures, few, and a replica may start from 0 at any time.
// A replica's store is written only by ApplyReplicated.
//
// Reads are lock-free point-in-time reads. A read-modify-write (validate against stored
// state, then write) holds write_mutex() from the first read to Commit(), so two writers
// never interleave; each mutation is one WriteBatch.
//
// Thread-safe. Does not own the common::Store, which must outlive it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/store.h"
#include "dangbo/analytics/storage/v1/storage.pb.h"
#include "dangbo/analytics/v1/analytics_service.pb.h"
#include "dangbo/analytics/v1/indicator.pb.h"
#include "google/protobuf/message.h"
#include "services/analytics/domain/series.h"

namespace analytics {

using ::dangbo::analytics::storage::v1::FollowerState;

// A write being built: the WriteBatch and the log entries it will append. Nothing is
// written until IndicatorStore::Commit.
class IndicatorWrite {
 public:
  bool empty() const { return batch_.Count() == 0; }

 private:
  friend class IndicatorStore;
  rocksdb::WriteBatch batch_;
  std::vector<dangbo::analytics::v1::IndicatorChange> changes_;  // sequences set at Commit
};

class IndicatorStore {
 public:
  explicit IndicatorStore(common::Store* db);

  // Writers: creates the indicator log on first use, and on a database written before the
  // log existed (schema 1) logs every stored indicator and observation, then records schema
  // 2. Call once, before serving.
  absl::Status OpenLog();
  // The log's identity and head (after OpenLog).
  std::string log_id() const;
  uint64_t last_sequence() const;
  // Called after each commit that appended to the log, with the new head (e.g. a
  // common::ChangeHub's Notify). Set before serving.
  void SetCommitListener(std::function<void(uint64_t)> listener) {
    listener_ = std::move(listener);
  }
  // Up to `max` log entries after `after_sequence`, in order.
  absl::StatusOr<std::vector<dangbo::analytics::v1::IndicatorChange>> ReadLog(
      uint64_t after_sequence, size_t max) const;

  // Replicas: the writer's log position this store reflects (empty log id: none yet).
  absl::StatusOr<FollowerState> LoadReplicaPosition() const;
  // Applies changes from the writer's log (puts and tombstones, in order) and stores
  // `position`, in one WriteBatch. `reset` first deletes every indicator and observation
  // (the writer's log was replaced: the replica starts again from sequence 0).
  absl::Status ApplyReplicated(const std::vector<dangbo::analytics::v1::IndicatorChange>& changes,
                               const FollowerState& position, bool reset = false);

  // Reads fail (UNAVAILABLE, DATA_LOSS...) on a read error or a corrupt record: an answer is
  // never silently short.
  //
  // NOT_FOUND when absent.
  absl::StatusOr<Indicator> GetIndicator(absl::string_view org, absl::string_view id) const;
  // The organization's indicators by id.
  absl::StatusOr<std::vector<Indicator>> ListIndicators(absl::string_view org) const;
  // Every organization's indicators, by organization then id (checks at open).
  absl::StatusOr<std::vector<Indicator>> ListAllIndicators() const;
  absl::StatusOr<bool> HasObservations(absl::string_view org, absl::string_view id) const;

  // nullopt when absent.
  absl::StatusOr<std::optional<Observation>> GetObservation(absl::string_view org,
                                                            absl::string_view id, int year) const;
  // Observations of one indicator (`id` non-empty: only the keys of those years are read) or
  // of all the organization's indicators, by indicator then year, years in [from_year, to_year].
  absl::StatusOr<std::vector<Observation>> ListObservations(absl::string_view org,
                                                            absl::string_view id, int from_year,
                                                            int to_year) const;
  // The indicator's series (actuals and targets) for the performance rules, of `years` alone
  // (one scan over the keys from the first to the last; only those years are parsed).
  absl::StatusOr<Series> LoadSeries(absl::string_view org, absl::string_view id,
                                    const SeriesYears& years) const;

  // The remembered answer to an earlier request (nullopt when there is none).
  absl::StatusOr<std::optional<dangbo::analytics::storage::v1::RequestRecord>> GetRequest(
      absl::string_view method, absl::string_view request_id) const;

  // Write builders (each change is also logged; requests are not); nothing is written
  // until Commit(), which the caller calls holding write_mutex().
  void PutIndicator(IndicatorWrite* write, absl::string_view org, absl::string_view id,
                    const Indicator& indicator);
  // Deletes the indicator and its observations (an error when they cannot all be read).
  absl::Status DeleteIndicator(IndicatorWrite* write, absl::string_view org, absl::string_view id);
  void PutObservation(IndicatorWrite* write, absl::string_view org, absl::string_view id,
                      const Observation& observation);
  void PutRequest(IndicatorWrite* write, absl::string_view method, absl::string_view request_id,
                  const dangbo::analytics::storage::v1::RequestRecord& record);
  absl::Status Commit(IndicatorWrite* write) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  absl::Mutex& write_mutex() ABSL_LOCK_RETURNED(write_mu_) { return write_mu_; }

 private:
  common::Store* db_;
  absl::Mutex write_mu_;
  std::function<void(uint64_t)> listener_;
  mutable absl::Mutex log_mu_;
  dangbo::analytics::storage::v1::IndicatorLogState log_ ABSL_GUARDED_BY(log_mu_);
};

// A stable 64-bit fingerprint of a message's deterministic serialization (FNV-1a).
uint64_t Fingerprint(const google::protobuf::Message& message);

}  // namespace analytics
