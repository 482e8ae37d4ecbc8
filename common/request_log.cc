#include "common/request_log.h"

#include <map>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/correlation.h"
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

absl::string_view Value(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                        absl::string_view key) {
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  return it == metadata.end() ? absl::string_view()
                              : absl::string_view(it->second.data(), it->second.size());
}

class RequestLogInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit RequestLogInterceptor(grpc::experimental::ServerRpcInfo* info)
      : info_(info), start_(absl::Now()) {}

  ~RequestLogInterceptor() override {
    if (call_ != nullptr) CloseCall(info_->server_context());
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      const auto& metadata = *methods->GetRecvInitialMetadata();
      call_ = std::make_shared<CallCorrelation>(Value(metadata, kRequestIdHeader),
                                                Value(metadata, kTraceparentHeader));
      OpenCall(info_->server_context(), call_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA) &&
        call_ != nullptr) {
      methods->GetSendInitialMetadata()->emplace(kRequestIdHeader, call_->request_id());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      LogCall(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void LogCall(const grpc::Status& status) {
    const double latency_ms = absl::ToDoubleMilliseconds(absl::Now() - start_);
    const LogLevel level =
        IsClientError(status.error_code()) ? LogLevel::kInfo : LogLevel::kWarning;
    if (level < GetLogLevel()) return;
    const std::string peer = info_->server_context()->peer();
    const std::string request_id = call_ != nullptr ? call_->request_id() : "";
    const std::string trace_id = call_ != nullptr ? call_->trace().trace_id : "";
    const std::string principal = call_ != nullptr ? call_->principal() : "";
    const std::string roles = call_ != nullptr ? call_->roles() : "";
    const bool replaced = call_ != nullptr && call_->request_id_replaced();
    if (status.ok()) {
      Log(level, "rpc",
          {{"method", info_->method()},
           {"code", "OK"},
           {"latency_ms", latency_ms},
           {"peer", peer},
           {"request_id", request_id},
           {"trace_id", trace_id},
           {"principal", principal},
           {"roles", roles},
           {"request_id_replaced", replaced}});
    } else {
      Log(level, "rpc",
          {{"method", info_->method()},
           {"code", CodeName(status.error_code())},
           {"latency_ms", latency_ms},
           {"peer", peer},
           {"request_id", request_id},
           {"trace_id", trace_id},
           {"principal", principal},
           {"roles", roles},
           {"request_id_replaced", replaced},
           {"error", status.error_message()}});
    }
  }

  grpc::experimental::ServerRpcInfo* info_;
  absl::Time start_;
  std::shared_ptr<CallCorrelation> call_;
};

}  // namespace

grpc::experimental::Interceptor* RequestLogInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RequestLogInterceptor(info);
}

}  // namespace common
