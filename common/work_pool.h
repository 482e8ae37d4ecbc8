// File: common/work_pool.h
//
// WorkPool: a few threads for request work whose cost grows with the data — list scans,
// searches, export pages, rankings — so that gRPC's callback threads stay free for point
// reads and writes. gRPC 1.51 runs every callback handler on a couple of threads (two on a
// two-core machine); a handler that scans for 100 ms holds one of them, and two such calls
// used to hold up every other call, GetMember included. With the scans here, a burst of
// expensive queries waits in this pool's queue, not in front of GetMember.
//
//   common::WorkPool pool(options);               // name "records-scan", 2 threads
//   if (!pool.Submit([reactor, ...] { ...; reactor->Finish(status); })) {
//     reactor->Finish(common::ToGrpcStatus(common::WorkPoolFullError("ListMembers")));
//   }
//
// Pool threads run at a lower scheduling priority (`nice` above the process's), so on a
// busy machine a point read gets the CPU first. The queue is bounded: Submit() refuses work
// beyond `max_queued` waiting items (the caller answers RESOURCE_EXHAUSTED), and work whose
// call ended while it waited should return at once (common::Cancellation::Check first).
// On /metrics: dangbo_work_pool_queued{pool} (gauge), dangbo_work_pool_rejected_total{pool}.
//
// Thread-safety: Submit() from any thread. Stop() runs what is queued, then joins; work
// submitted after Stop() is refused.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/metrics.h"

namespace common {

class WorkPool {
 public:
  struct Options {
    std::string name = "work";  // thread name prefix and the metrics' pool label
    int threads = 2;
    // Waiting items (not counting running ones): enough for several clients each holding
    // a connection's 1000 concurrent streams (--max_concurrent_streams) of list calls.
    int max_queued = 4096;
    int nice = 5;  // added to the threads' nice value (Linux); 0 keeps it
  };

  explicit WorkPool(Options options);
  ~WorkPool();  // Stop()
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `work`; false, and nothing queued, when max_queued items wait or after Stop().
  bool Submit(std::function<void()> work);

  // Runs what is queued, then joins the threads. Idempotent.
  void Stop();

  // Threads for a server's scan pool: the machine's cores, at least 2.
  static int DefaultThreads();

 private:
  void Run(int index);
  bool ReadyToRun() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const Options options_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
  Gauge& queued_;
  Counter& rejected_;
};

// RESOURCE_EXHAUSTED (reason SERVER_BUSY) for work a full pool refused: "too many list and
// search requests are waiting; retry ListMembers with backoff".
absl::Status WorkPoolFullError(absl::string_view method);

}  // namespace common
