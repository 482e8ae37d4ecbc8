// File: common/request_log.h
//
// A server interceptor that writes one JSON log line per finished RPC:
//   {"msg":"rpc","method":"/dangbo.records.v1.RecordsService/GetMember","code":"OK",
//    "latency_ms":0.41,"peer":"ipv4:127.0.0.1:53210","request_id":"3f0c…","trace_id":"4bf9…",
//    "principal":"ops-alice","roles":"admin"}
// It also correlates the call (common/correlation.h): it reads x-request-id and traceparent
// when the call arrives, opens the call's CallCorrelation (generated or replaced ids; the
// Authorizer adds the principal, "" for a call that was not authenticated) and returns the
// request id in the call's initial metadata. A malformed x-request-id is never logged:
// "request_id_replaced":true says one was sent.
// Errors (codes other than OK, NOT_FOUND, ALREADY_EXISTS, ABORTED, FAILED_PRECONDITION,
// INVALID_ARGUMENT, OUT_OF_RANGE, CANCELLED) are logged at WARNING with their message.
#pragma once

#include "grpcpp/support/server_interceptor.h"

namespace common {

class RequestLogInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace common
