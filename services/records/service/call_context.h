// File: services/records/service/call_context.h
//
// Who is calling and what: built once per RPC by the handler and passed down to the write
// path, which names the principal in history events, change events and audit entries.
// For now the principal comes from the "x-dangbo-principal" metadata ("anonymous" when
// absent); the authentication issue replaces that with tokens and adds permissions here.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"

namespace records {

inline constexpr char kPrincipalMetadata[] = "x-dangbo-principal";
inline constexpr char kAnonymous[] = "anonymous";

struct CallContext {
  std::string principal = kAnonymous;
  std::string method;      // "AdmitMember": the method without the service
  std::string request_id;  // the request's request_id, if any
  absl::Time now;          // when the call started
};

CallContext MakeCallContext(const grpc::CallbackServerContext* context, absl::string_view method,
                            absl::string_view request_id = "");

}  // namespace records
