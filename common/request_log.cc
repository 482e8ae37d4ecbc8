#include "common/request_log.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/logging.h"
#include "grpcpp/server_context.h"

namespace common {
namespace {

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK: return "OK";
    case grpc::CANCELLED: return "CANCELLED";
    case grpc::UNKNOWN: return "UNKNOWN";
    case grpc::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::NOT_FOUND: return "NOT_FOUND";
    case grpc::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::UNAUTHENTICATED: return "UNAUTHENTICATED";
    case grpc::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::ABORTED: return "ABORTED";
    case grpc::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::INTERNAL: return "INTERNAL";
    case grpc::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::DATA_LOSS: return "DATA_LOSS";
    default: return "UNKNOWN";
  }
}

bool IsClientError(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK:
    case grpc::CANCELLED:
    case grpc::INVALID_ARGUMENT:
    case grpc::NOT_FOUND:
    case grpc::ALREADY_EXISTS:
    case grpc::FAILED_PRECONDITION:
    case grpc::ABORTED:
    case grpc::OUT_OF_RANGE:
    case grpc::UNAUTHENTICATED:
    case grpc::PERMISSION_DENIED:
      return true;
    default:
      return false;
  }
}

class RequestLogInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit RequestLogInterceptor(grpc::experimental::ServerRpcInfo* info)
      : info_(info), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const double latency_ms = absl::ToDoubleMilliseconds(absl::Now() - start_);
      const LogLevel level = IsClientError(status.error_code()) ? LogLevel::kInfo
                                                                : LogLevel::kWarning;
      if (level >= GetLogLevel()) {
        const std::string peer = info_->server_context()->peer();
        if (status.ok()) {
          Log(level, "rpc", {{"method", info_->method()}, {"code", "OK"},
                              {"latency_ms", latency_ms}, {"peer", peer}});
        } else {
          Log(level, "rpc", {{"method", info_->method()}, {"code", CodeName(status.error_code())},
                              {"latency_ms", latency_ms}, {"peer", peer},
                              {"error", status.error_message()}});
        }
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  absl::Time start_;
};

}  // namespace

grpc::experimental::Interceptor* RequestLogInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RequestLogInterceptor(info);
}

}  // namespace common
