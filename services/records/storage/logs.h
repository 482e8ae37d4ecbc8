// File: services/records/storage/logs.h
//
// Reading records' two logs, both keyed by sequence:
//   - the audit log: one AuditEvent per audited commit, sequences first()..last() gapless
//     (entries are never trimmed), times non-decreasing;
//   - the change log: one ChangeEvent per changed resource, sequences consecutive from the
//     oldest retained one (older ones are trimmed, retention.h).
// Writes go through the commit queue (write_plan.h). A sequence is its own cursor: lists and
// streams continue from the one they saw last.
//
// Thread-safety: a reader is used by one thread; functions may be called concurrently.
#pragma once

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/cancellation.h"
#include "dangbo/records/v1/audit.pb.h"
#include "dangbo/records/v1/change.pb.h"
#include "services/records/storage/records_db.h"
#include "services/records/storage/resource_store.h"

namespace records {

namespace v1 = ::dangbo::records::v1;

// The audit log as of `snapshot` (not owned; outlives the reader).
class AuditLogReader {
 public:
  static absl::StatusOr<AuditLogReader> Open(const RecordsDb& db, const ReadSnapshot* snapshot);

  uint64_t first() const { return first_; }
  uint64_t last() const { return last_; }  // 0 when the log is empty
  int64_t size() const { return last_ >= first_ ? static_cast<int64_t>(last_ - first_ + 1) : 0; }

  // The event at `sequence` (first() <= sequence <= last()); DATA_LOSS when corrupt.
  absl::StatusOr<v1::AuditEvent> Read(uint64_t sequence) const;

  // Visits the events from `from` on (down from it when `desc`) within first()..last(): each
  // with its sequence, or DATA_LOSS when it is corrupt. `visit` returns true to go on, false to
  // stop there.
  absl::Status Scan(uint64_t from, bool desc, common::Cancellation* stop,
                    const std::function<absl::StatusOr<bool>(
                        uint64_t sequence, absl::StatusOr<v1::AuditEvent>& event)>& visit) const;

 private:
  AuditLogReader(const RecordsDb& db, const ReadSnapshot* snapshot)
      : db_(&db), snapshot_(snapshot) {}

  const RecordsDb* db_;
  const ReadSnapshot* snapshot_;
  uint64_t first_ = 1;
  uint64_t last_ = 0;
};

// A sequence as a list cursor (page tokens carry it), and back; false when `cursor` is not one.
std::string SequenceCursor(uint64_t sequence);
bool ParseSequenceCursor(absl::string_view cursor, uint64_t* sequence);

// Visits the change log's events from `from` on, in order, with their sequence and bytes
// (a serialized ChangeEvent). `visit` returns true to go on, false to stop.
absl::Status ScanChangeLog(
    const RecordsDb& db, uint64_t from,
    const std::function<bool(uint64_t sequence, absl::string_view event)>& visit);

}  // namespace records
