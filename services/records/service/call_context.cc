#include "services/records/service/call_context.h"

#include "absl/time/clock.h"

namespace records {

CallContext MakeCallContext(const common::Principal& principal, absl::string_view method,
                            absl::string_view request_id) {
  CallContext ctx;
  ctx.principal = principal.name;
  ctx.pii_read = principal.Has(common::kPiiRead);
  ctx.dues_read = principal.Has(common::kDuesRead);
  ctx.method = std::string(method);
  ctx.request_id = std::string(request_id);
  ctx.now = absl::Now();
  return ctx;
}

}  // namespace records
