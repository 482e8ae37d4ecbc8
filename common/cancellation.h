// File: common/cancellation.h
//
// Long work serving a call — a list scan, an export page, a ranking — stops as soon as nobody
// waits for its answer: when the call is cancelled (the client went away or cancelled, or the
// server is shutting down) or its deadline has passed. Every such loop of both services takes
// a Cancellation and ticks it once per unit of work:
//
//   common::Cancellation stop(context);                  // the call's ServerContext
//   for (it->Seek(prefix); it->Valid() && ...; it->Next()) {
//     RETURN_IF_ERROR(stop.Tick());
//     ...
//   }
//
// Tick() is a counter increment; every `check_every` ticks (kCheckEvery by default, about a
// millisecond of row reads) it reads the call's cancellation flag and the clock. A stop is
// CANCELLED ("the call was cancelled ...") or DEADLINE_EXCEEDED ("the call's deadline passed
// ..."), with ErrorInfo reason CALL_CANCELLED / DEADLINE_EXCEEDED; nobody reads it but the
// request log, since the client has gone. Stops are counted on /metrics as
//   dangbo_calls_stopped_total{reason="cancelled"|"deadline_exceeded"}.
//
// A default-constructed Cancellation never stops (work outside a call, tests). One instance
// per call and thread; the context must outlive it.
#pragma once

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"

namespace common {

class Cancellation {
 public:
  // Ticks between two looks at the call: small enough that a stop comes within about a
  // millisecond of work, large enough that checking costs nothing measurable.
  static constexpr int kCheckEvery = 32;

  // Never stops.
  Cancellation() = default;
  // The call served through `context` (not owned).
  explicit Cancellation(const grpc::ServerContextBase* context, int check_every = kCheckEvery);
  // A cancellation probe and a deadline (absl::InfiniteFuture(): none), for work done on
  // behalf of a call without its context, and for tests.
  Cancellation(std::function<bool()> cancelled, absl::Time deadline, int check_every = kCheckEvery);

  // One unit of work done. OK, or — every check_every ticks — CANCELLED or DEADLINE_EXCEEDED
  // when the call has ended.
  absl::Status Tick() {
    ++total_ticks_;
    if (++ticks_ < check_every_) return absl::OkStatus();
    ticks_ = 0;
    return Check();
  }

  // Looks at the call now: OK, CANCELLED or DEADLINE_EXCEEDED. Once stopped, stays stopped.
  absl::Status Check();

  // How many ticks this call made (for tests and log lines).
  int64_t total_ticks() const { return total_ticks_; }

 private:
  const grpc::ServerContextBase* context_ = nullptr;
  std::function<bool()> cancelled_;
  absl::Time deadline_ = absl::InfiniteFuture();
  int check_every_ = kCheckEvery;
  int ticks_ = 0;
  int64_t total_ticks_ = 0;
  absl::Status stopped_;
};

}  // namespace common
