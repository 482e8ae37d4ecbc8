// File: services/records/service/call_context.h
//
// Who is calling and what: built once per RPC, after the Authorizer (common/authorizer.h)
// accepted the call, and passed down to the write path, which names the principal in history
// events, change events and audit entries. `pii_read` says whether the caller may see (and
// write) members' personal data (domain/personal_data.h).
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth.h"

namespace records {

struct CallContext {
  std::string principal;   // the authenticated principal's name, e.g. "ops-editor"
  bool pii_read = false;   // the principal has the pii.read permission
  bool dues_read = false;  // the principal has dues.read (per-member dues amounts)
  std::string method;      // "AdmitMember": the method without the service
  std::string request_id;  // the request's request_id, if any
  absl::Time now;          // when the call started
};

CallContext MakeCallContext(const common::Principal& principal, absl::string_view method,
                            absl::string_view request_id = "");

}  // namespace records
