// File: common/change_hub.h
//
// The open change streams of a service (records' WatchChanges, the analytics writer's
// WatchIndicatorChanges) and the one small thread that feeds them. The writer calls Notify()
// after each commit; the hub thread then pumps every stream (each stream sends at most one
// message at a time and reads the next events from its log itself), and every 100 ms gives
// streams the chance to send idle heartbeats. Reactor threads never wait: a stream whose
// write completes pumps itself.
//
// The hub keeps the gauge dangbo_change_streams_open{service} (common/metrics.h) up to date:
// +1 when a stream registers, -1 when it leaves. Hubs of the same service in one process (tests)
// add up.
//
// Shutdown() ends every open stream with UNAVAILABLE ("server shutting down") and refuses new
// ones; the server registers it as a ServerRunner shutdown hook.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "common/metrics.h"

namespace common {

// What the hub drives; implemented by each stream's reactor.
class ChangeStream {
 public:
  virtual ~ChangeStream() = default;
  // Send what is due (next event or a heartbeat) unless a write is in flight.
  virtual void Pump(absl::Time now) = 0;
  // End the stream with UNAVAILABLE.
  virtual void EndForShutdown() = 0;
};

class ChangeHub {
 public:
  // `service` labels the open-streams gauge ("records", "analytics").
  explicit ChangeHub(const std::string& service);
  ~ChangeHub();  // stops the thread; streams must be gone (Shutdown first)

  // False when the hub is shut down (the stream must end itself).
  bool Register(ChangeStream* stream);
  // Called by the stream before it is deleted; waits for a pump of it in progress.
  void Unregister(ChangeStream* stream);

  // New events up to `last_sequence` were committed.
  void Notify(uint64_t last_sequence);

  // Ends all streams and refuses new ones. Idempotent.
  void Shutdown();

  // Streams registered and not yet done (a stream leaves in its OnDone).
  size_t open_streams();

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::set<ChangeStream*> streams_;
  Gauge& open_gauge_;
  bool dirty_ = false;
  bool shut_down_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace common
