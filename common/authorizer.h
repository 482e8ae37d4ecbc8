// File: common/authorizer.h
//
// The check every handler makes first:
//
//   ASSIGN_OR_RETURN(std::shared_ptr<const common::Principal> caller,
//                    authorizer_.Authorize(*ctx, "GetMember", *request));
//
// It authenticates the call's `authorization: Bearer` token against the TokenStore and checks
// the method's permission from common/permissions.h: UNAUTHENTICATED (missing or unknown
// token; the message never says which), PERMISSION_DENIED (names the method and the
// permission it needs). Without a TokenStore (development on loopback only) every caller is
// "anonymous" with every permission; the metadata "x-dangbo-principal" may name it (1 to 64
// of [A-Za-z0-9._@-]). With a RateLimiter, each principal's request rate is limited
// (RESOURCE_EXHAUSTED). Then the request is held to the limits every request obeys
// (common/request_text.h: sizes, control characters): INVALID_ARGUMENT. Authentication comes
// first, so an unauthenticated caller learns nothing about what a request may hold.
//
// Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth.h"
#include "common/rate_limiter.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"

namespace common {

class Authorizer {
 public:
  // `service` is the full proto name ("dangbo.records.v1.RecordsService").
  Authorizer(std::string service, std::shared_ptr<TokenStore> tokens,
             std::shared_ptr<RateLimiter> limiter = nullptr);

  // When the server speaks TLS, calls that arrive in plaintext (the probes' health port) are
  // refused with PERMISSION_DENIED.
  void RequireTls(bool require) { require_tls_ = require; }

  absl::StatusOr<std::shared_ptr<const Principal>> Authorize(
      const grpc::ServerContextBase& context, absl::string_view method,
      const google::protobuf::Message& request) const;

  // The same without the request, for a client stream: the caller holds each message it
  // reads to common::CheckRequestText itself.
  absl::StatusOr<std::shared_ptr<const Principal>> AuthorizeStream(
      const grpc::ServerContextBase& context, absl::string_view method) const;

  // Same, from the raw `authorization` value (empty when absent); for tests and streams.
  absl::StatusOr<std::shared_ptr<const Principal>> AuthorizeHeader(absl::string_view authorization,
                                                                   absl::string_view principal_hint,
                                                                   absl::string_view method) const;

  // For a call that lasts (common/call_grant.h), when the tokens changed while it runs: the
  // same answer as AuthorizeHeader, without counting against the rate limit again.
  absl::StatusOr<std::shared_ptr<const Principal>> Reauthorize(absl::string_view authorization,
                                                               absl::string_view principal_hint,
                                                               absl::string_view method) const;

  bool enforcing() const { return tokens_ != nullptr; }
  // The token store; null when not enforcing.
  TokenStore* tokens() const { return tokens_.get(); }

 private:
  absl::StatusOr<std::shared_ptr<const Principal>> Check(absl::string_view authorization,
                                                         absl::string_view principal_hint,
                                                         absl::string_view method,
                                                         RateLimiter* limiter) const;

  std::string service_;
  std::shared_ptr<TokenStore> tokens_;
  std::shared_ptr<RateLimiter> limiter_;
  bool require_tls_ = false;
};

// A principal with every permission: the development default and in-process tests.
std::shared_ptr<const Principal> AllPermissions(std::string name);

}  // namespace common
