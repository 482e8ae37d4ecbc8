// File: common/page_token.h
//
// Page tokens (AIP-158) for every List method of both services: opaque, URL-safe base64 (no
// padding) of
//   {version, issue time, the issuing method, a hash of (parent, filter, order_by),
//    the last key returned}
// sealed with an HMAC-SHA256 (first 16 bytes) under the process's page-token key. A token is
// valid only for the method, parent, filter and order_by that issued it, for kPageTokenTtl,
// and only on a server holding the same key: ParsePageToken refuses anything else with
// INVALID_ARGUMENT on "page_token", saying which (forged or damaged, another method, another
// list, expired).
//
// The key: SetPageTokenKey() at start-up from --page_token_key_file (common/security.h), which
// every replica of a service shares (a Kubernetes Secret), so that a token from one replica
// works on another and after a restart. Without it the process draws a random key: tokens
// then end with the process.
//
// The token is not encrypted: it carries nothing the caller may not see (the last key is the
// caller's own resource name or position). The decoded key is untrusted input all the same:
// use it only as an exclusive lower bound inside the request's own key range.
//
// Thread-safe; SetPageTokenKey() before serving.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace common {

// What a page token is bound to: a token is valid only for the same list.
struct ListScope {
  std::string method;  // the List method's name, e.g. "ListMembers"
  std::string parent;
  std::string filter;
  std::string order_by;
};

inline constexpr absl::Duration kPageTokenTtl = absl::Hours(72);

// Shortest key SetPageTokenKey accepts.
inline constexpr size_t kMinPageTokenKeyBytes = 32;

// Sets the signing key (at least kMinPageTokenKeyBytes bytes; INVALID_ARGUMENT otherwise).
absl::Status SetPageTokenKey(absl::string_view key);

// A token for the page that starts after `last_key`.
std::string MakePageToken(absl::string_view last_key, const ListScope& scope,
                          absl::Time now = absl::Now());

// The last key of a token made by MakePageToken for the same scope; "" for an empty token (the
// first page). INVALID_ARGUMENT on "page_token":
//   "not a valid page token ..."         bad encoding, or a signature that does not match
//                                        (altered, forged, or from a server with another key)
//   "was issued by ListCells ..."        another method's token
//   "does not match the request's ..."   another parent, filter or order_by
//   "expired; restart the listing ..."   older than `ttl`
absl::StatusOr<std::string> ParsePageToken(absl::string_view token, const ListScope& scope,
                                           absl::Time now = absl::Now(),
                                           absl::Duration ttl = kPageTokenTtl);

}  // namespace common
