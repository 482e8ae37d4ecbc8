// File: common/call_grant.h
//
// What a call that lasts — a server stream (WatchChanges, WatchIndicatorChanges,
// ExportMembers), a client stream (ImportMembers) — was authorized with, re-checked while it
// runs. Authorizer::Authorize decides once, when a call starts; a token removed from the token
// file, or a role that no longer grants the method's permission, must also end the calls
// already running, not only refuse new ones.
//
//   absl::StatusOr<std::shared_ptr<const Principal>> caller =
//       authorizer->Authorize(*context, "WatchChanges", *request);
//   ... on success:
//   CallGrant grant(authorizer, *context, "WatchChanges", *caller);
//   ... before each message sent or handled (and on each idle tick of a stream):
//   if (absl::Status s = grant.Check(); !s.ok()) end the call with s;
//
// Check() looks at the token file (TokenStore::ReloadIfStale: at most once a second per
// store) and, on the first check and then only when the tokens were reloaded since the last
// one, authenticates the call's token again and checks the method's permission: the answer a
// new call with the same credentials would get — UNAUTHENTICATED (reason UNAUTHENTICATED) when
// the token is gone, PERMISSION_DENIED (reason PERMISSION_DENIED) when its roles no longer
// grant the permission. The rate limit is not applied again. Otherwise it costs a clock read
// and two atomic loads. Once failed, a grant stays failed. Without a token store
// (development), always OK.
//
// principal() follows the reloads, so what depends on other permissions (pii.read masking)
// follows them too.
//
// Thread-safety: not thread-safe; the owning call serializes its use (its own mutex, or its
// one-operation-at-a-time reactor callbacks). `authorizer` must outlive the grant.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/auth.h"
#include "common/authorizer.h"
#include "grpcpp/server_context.h"

namespace common {

class CallGrant {
 public:
  // `caller` is what authorizer->Authorize (or AuthorizeStream) accepted for this call.
  CallGrant(const Authorizer* authorizer, const grpc::ServerContextBase& context,
            absl::string_view method, std::shared_ptr<const Principal> caller);
  // The same from the call's `authorization` and `x-dangbo-principal` values (tests).
  CallGrant(const Authorizer* authorizer, absl::string_view authorization,
            absl::string_view principal_hint, absl::string_view method,
            std::shared_ptr<const Principal> caller);

  // OK while the call may go on; otherwise the status to end it with (see above).
  absl::Status Check();

  // The caller, as of the last reload seen.
  const Principal& principal() const { return *principal_; }

 private:
  const Authorizer* authorizer_;
  std::string authorization_;   // the call's `authorization` metadata
  std::string principal_hint_;  // its `x-dangbo-principal` (development only)
  std::string method_;
  std::shared_ptr<const Principal> principal_;
  bool checked_ = false;
  uint64_t generation_ = 0;  // TokenStore::generation() when principal_ was last decided
  absl::Status failed_;
};

}  // namespace common
