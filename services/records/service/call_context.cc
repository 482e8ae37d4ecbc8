#include "services/records/service/call_context.h"

#include "absl/time/clock.h"

namespace records {

CallContext MakeCallContext(const grpc::CallbackServerContext* context, absl::string_view method,
                            absl::string_view request_id) {
  CallContext ctx;
  ctx.method = std::string(method);
  ctx.request_id = std::string(request_id);
  ctx.now = absl::Now();
  if (context != nullptr) {
    const auto& metadata = context->client_metadata();
    auto it = metadata.find(kPrincipalMetadata);
    if (it != metadata.end() && !it->second.empty()) {
      ctx.principal = std::string(it->second.data(), it->second.size());
    }
  }
  return ctx;
}

}  // namespace records
