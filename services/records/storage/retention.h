// File: services/records/storage/retention.h
//
// Background trimming of the change log (events older than the retention, or beyond the
// newest `max_events`) and of request_id records older than their window. Trims go through
// the commit queue like every write: a range delete plus the new first_retained_sequence in
// meta, in one batch.
//
// Thread-safety: TrimNow() may be called from any thread; the background thread runs every
// `interval` until the Trimmer is destroyed.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/records/storage/records_db.h"

namespace records {

struct RetentionOptions {
  absl::Duration change_log_retention = absl::Hours(24 * 7);
  int64_t change_log_max_events = 0;  // 0: no count limit
  absl::Duration request_id_retention = absl::Hours(24);
  absl::Duration interval = absl::Minutes(1);  // how often the background thread trims
};

class Trimmer {
 public:
  Trimmer(RecordsDb* db, RetentionOptions options);  // starts the background thread
  ~Trimmer();

  // Trims what is due as of `now` and waits until the trim is committed.
  absl::Status TrimNow(absl::Time now);

  const RetentionOptions& options() const { return options_; }

 private:
  // The first sequence to keep as of `now`.
  absl::StatusOr<uint64_t> FirstToKeep(absl::Time now) const;
  void Run();

  RecordsDb* db_;
  RetentionOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace records
