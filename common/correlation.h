// File: common/correlation.h
//
// Request correlation: every RPC has a request id and a W3C trace context, logged with its
// principal on the call's `rpc` line (common/request_log.h) and passed on to every call it
// makes, so one request can be followed through records and analytics.
//
//   - `x-request-id` (1 to 64 of [A-Za-z0-9._:-], e.g. a UUID) is taken from the caller;
//     absent, one is generated (a random UUID); malformed (too long, other characters: hostile
//     input), it is replaced by a generated one and never echoed or logged. The server returns
//     the id it used in its initial metadata.
//   - `traceparent` (W3C Trace Context: "00-<32 hex trace id>-<16 hex parent id>-<2 hex
//     flags>") is taken when well-formed; otherwise the call starts a new trace. Outgoing calls
//     carry the same trace id with a new parent id.
//
// The request log interceptor opens a CallCorrelation when a call arrives and closes it when
// the call ends; in between, code that has the call's ServerContext finds it:
//
//   common::NoteCallPrincipal(*ctx, *principal);            // Authorizer does this
//   std::unique_ptr<grpc::ClientContext> client =
//       grpc::ClientContext::FromCallbackServerContext(*ctx);  // deadline and cancellation
//   common::PropagateCorrelation(*ctx, client.get());        // x-request-id, traceparent
//
// Thread-safety: all functions may be called concurrently; a CallCorrelation's principal is
// set and read under its own mutex.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/auth.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"

namespace common {

inline constexpr char kRequestIdHeader[] = "x-request-id";
inline constexpr char kTraceparentHeader[] = "traceparent";
inline constexpr size_t kMaxRequestIdBytes = 64;

// 1 to kMaxRequestIdBytes of [A-Za-z0-9._:-].
bool IsValidRequestId(absl::string_view id);
// A random (version 4) UUID, lower-case.
std::string NewRequestId();

struct TraceContext {
  std::string trace_id;   // 32 lower-case hex digits, not all zero
  std::string parent_id;  // 16 lower-case hex digits, not all zero
  std::string flags;      // 2 hex digits ("01": sampled)
};
// A W3C traceparent header; nullopt when malformed (version ff, upper-case or missing hex
// digits, all-zero ids, version 00 with anything after the flags).
std::optional<TraceContext> ParseTraceparent(absl::string_view header);
// A new trace (random ids, flags "00").
TraceContext NewTrace();
// "00-<trace_id>-<parent_id>-<flags>".
std::string FormatTraceparent(const TraceContext& trace);

// What one server call is known by.
class CallCorrelation {
 public:
  // From the call's metadata values (empty when absent).
  CallCorrelation(absl::string_view request_id, absl::string_view traceparent);

  const std::string& request_id() const { return request_id_; }
  // True when the caller sent an x-request-id that was malformed (and replaced).
  bool request_id_replaced() const { return request_id_replaced_; }
  const TraceContext& trace() const { return trace_; }

  void SetPrincipal(const Principal& principal);
  // "" until authenticated; roles joined by ",".
  std::string principal() const;
  std::string roles() const;

 private:
  std::string request_id_;
  bool request_id_replaced_ = false;
  TraceContext trace_;
  mutable absl::Mutex mu_;
  std::string principal_ ABSL_GUARDED_BY(mu_);
  std::string roles_ ABSL_GUARDED_BY(mu_);
};

// Makes `correlation` findable from `context` until CloseCall(context). The request log
// interceptor calls these; tests may too.
void OpenCall(const grpc::ServerContextBase* context, std::shared_ptr<CallCorrelation> correlation);
void CloseCall(const grpc::ServerContextBase* context);

// The call's correlation; null for a context that was not opened (a call outside a server).
std::shared_ptr<CallCorrelation> CorrelationOf(const grpc::ServerContextBase& context);

// Records who the call was authenticated as, for its `rpc` log line.
void NoteCallPrincipal(const grpc::ServerContextBase& context, const Principal& principal);

// Adds the call's x-request-id and a traceparent (same trace, new parent id) to an outgoing
// call made on its behalf; a new id and trace when the call has none.
void PropagateCorrelation(const grpc::ServerContextBase& context, grpc::ClientContext* client);
// For calls a process makes on its own (analytics following records): a new id and trace.
// Returns the request id, for the caller's own logs.
std::string StartCorrelation(grpc::ClientContext* client);

}  // namespace common
