// File: services/analytics/follower/follower_thread.h
//
// What the followers' loop (StreamLoop, stream_loop.h) needs around it: the thread, the one
// call in progress that Stop() cancels, and sleeps that end early when stopping.
//
// Thread-safety: Start/Stop from the owner's thread; the rest from the follower's thread
// (stopping() from any).
#pragma once

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"

namespace analytics {

class FollowerThread {
 public:
  FollowerThread() = default;
  ~FollowerThread() { Stop(); }
  FollowerThread(const FollowerThread&) = delete;
  FollowerThread& operator=(const FollowerThread&) = delete;

  // Runs `loop` on a new thread (nothing when already started).
  void Start(std::function<void()> loop);
  // Marks stopping, cancels the call in progress and joins the thread. Idempotent.
  void Stop();
  bool stopping() const;

  // Registers `context` as the call in progress; false when stopping.
  bool Activate(grpc::ClientContext* context);
  void Deactivate();
  // Waits `duration`; false when stopping (at once, or while waiting).
  bool Sleep(absl::Duration duration);

 private:
  std::thread thread_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* active_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace analytics
