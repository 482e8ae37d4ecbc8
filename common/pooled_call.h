// File: common/pooled_call.h
//
// FinishOnPool: the one way both services run a unary call's expensive part (a list scan, a
// search, a headcount, a ranking) on a WorkPool instead of on gRPC's callback threads, and
// finish the call with what it returns.
//
//   grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
//   ...authorize...
//   common::FinishOnPool(pool, context, reactor, "ListMembers",
//                        [request, response](common::Cancellation* stop) { ...; return status; });
//
// `work(common::Cancellation*)` runs after the handler returned, so it must own what it
// captures (the request and response pointers stay valid until the call finishes); it ticks
// the Cancellation in its loops. A call that ended while it waited is not run (CANCELLED or
// DEADLINE_EXCEEDED); a full pool is RESOURCE_EXHAUSTED (SERVER_BUSY). With a null pool the
// work runs inline.
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/cancellation.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/work_pool.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"

namespace common {

template <typename Work>
void FinishOnPool(WorkPool* pool, grpc::CallbackServerContext* context,
                  grpc::ServerUnaryReactor* reactor, absl::string_view method, Work work) {
  auto run = [reactor, context, work = std::move(work)]() mutable {
    Cancellation stop(context);
    absl::Status status = stop.Check();  // the call may have ended while it waited
    if (status.ok()) status = work(&stop);
    reactor->Finish(ToGrpcStatus(status));
  };
  if (pool == nullptr) {
    run();
  } else if (!pool->Submit(std::move(run))) {
    reactor->Finish(ToGrpcStatus(WorkPoolFullError(method)));
  }
}

}  // namespace common
