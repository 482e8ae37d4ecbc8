// File: services/records/storage/commit_queue.h
//
// The only writer of the records database. Handlers read current state, apply the domain
// rule and Submit() a Mutation: preconditions on keys, a function that writes the resource,
// its index entries, its change-log and audit entries and its request_id record into a
// WriteBatch, and a completion callback. One writer thread drains the queue in groups:
// every precondition is checked against the database plus the earlier mutations of the same
// group; the mutations that pass get consecutive, gapless change-log sequences (and audit
// sequences), are built into ONE WriteBatch and written with one (synced) write — group
// commit, many RPCs per fsync. Mutations whose preconditions fail complete with ABORTED
// (reason CONCURRENT_MODIFICATION) and consume no sequence; when the write fails, every
// mutation of the group completes with the error and no sequence is consumed.
//
// Callbacks run on the writer thread after the write (or failure): they must be short and
// must not wait for another commit (Submit from a callback is fine). After the callbacks,
// the commit listener is told the new head of the change log.
//
// Thread-safety: Submit() and the accessors may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/store.h"
#include "rocksdb/write_batch.h"

namespace records {

// A condition on one key, checked at commit time.
struct Precondition {
  enum class Kind { kAbsent, kRevision };
  rocksdb::ColumnFamilyHandle* cf = nullptr;
  std::string key;
  Kind kind = Kind::kAbsent;
  uint64_t revision = 0;  // kRevision: the envelope revision the value must carry

  static Precondition Absent(rocksdb::ColumnFamilyHandle* cf, std::string key) {
    return {cf, std::move(key), Kind::kAbsent, 0};
  }
  static Precondition AtRevision(rocksdb::ColumnFamilyHandle* cf, std::string key,
                                 uint64_t revision) {
    return {cf, std::move(key), Kind::kRevision, revision};
  }
};

// What a committed mutation was given: its place in the logs and the commit time.
struct CommitStamp {
  uint64_t first_sequence = 0;  // first change-log sequence; 0 when change_count is 0
  int change_count = 0;
  uint64_t audit_sequence = 0;  // first audit sequence; 0 when the mutation is not audited
  int audit_count = 0;
  absl::Time commit_time;
  // The sequence of the i-th change event of this mutation.
  uint64_t sequence(int i) const { return first_sequence + static_cast<uint64_t>(i); }
  // The sequence of the i-th audit entry of this mutation.
  uint64_t audit(int i) const { return audit_sequence + static_cast<uint64_t>(i); }
};

struct Mutation {
  std::vector<Precondition> preconditions;
  int change_count = 1;  // change-log sequences consumed
  bool audited = true;   // consumes audit sequences: audit_count of them
  int audit_count = 1;
  // Writes everything the mutation changes. Called once, on the writer thread, only when
  // the preconditions hold.
  std::function<void(const CommitStamp&, rocksdb::WriteBatch*)> build;
  // OK: durable. ABORTED: a precondition failed. Anything else: the write failed.
  std::function<void(const absl::Status&, const CommitStamp&)> done;
};

class CommitQueue {
 public:
  struct Options {
    common::Store* store = nullptr;               // not owned; outlives the queue
    rocksdb::ColumnFamilyHandle* meta = nullptr;  // where the counters are kept
    uint64_t last_sequence = 0;
    uint64_t last_audit_sequence = 0;
    absl::Time last_commit_time = absl::InfinitePast();
    size_t max_group = 512;
    // How a group's batch is written; default store->Write (synced per the store's
    // options). Tests inject failures here.
    std::function<absl::Status(rocksdb::WriteBatch*)> write;
  };

  explicit CommitQueue(Options options);
  ~CommitQueue();  // Stop()
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  // Enqueues; never blocks on I/O. After Stop(), completes at once with UNAVAILABLE.
  void Submit(Mutation mutation);

  // Commits what is queued, then stops the writer thread. Idempotent.
  void Stop();

  // Called on the writer thread after each group commits, with the change log's new head.
  // Set before the first Submit.
  void SetCommitListener(std::function<void(uint64_t last_sequence)> listener);

  uint64_t last_sequence() const { return last_sequence_.load(); }
  absl::Time last_commit_time() const;
  uint64_t last_audit_sequence() const { return last_audit_sequence_.load(); }
  // Groups written so far (tests and metrics: mutations per fsync).
  uint64_t groups_written() const { return groups_written_.load(); }

 private:
  void Run();
  void CommitGroup(std::vector<Mutation>* group);

  Options options_;
  std::map<uint32_t, rocksdb::ColumnFamilyHandle*> handles_by_id_;
  std::function<void(uint64_t)> listener_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Mutation> queue_;
  bool stopping_ = false;

  std::atomic<uint64_t> last_sequence_;
  std::atomic<uint64_t> last_audit_sequence_;
  std::atomic<int64_t> last_commit_micros_;
  std::atomic<uint64_t> groups_written_{0};
  std::thread writer_;
};

}  // namespace records
