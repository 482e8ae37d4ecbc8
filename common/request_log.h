// File: common/request_log.h
//
// A server interceptor that writes one JSON log line per finished RPC:
//   {"msg":"rpc","method":"/dangbo.records.v1.RecordsService/GetMember","code":"OK",
//    "latency_ms":0.41,"peer":"ipv4:127.0.0.1:53210"}
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
