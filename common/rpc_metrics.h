// File: common/rpc_metrics.h
//
// gRPC server metrics under the names stock gRPC dashboards and alerts read (go-grpc-prometheus;
// OpenTelemetry's rpc conventions carry the same labels), recorded by a server interceptor
// (ServerRunner installs it next to the request log) and exported through a MetricsRegistry
// collector:
//   grpc_server_started_total{grpc_type,grpc_service,grpc_method}             counter
//   grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}   counter
//   grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method}          histogram
//   grpc_server_msg_received_total{grpc_type,grpc_service,grpc_method}        counter
//   grpc_server_msg_sent_total{grpc_type,grpc_service,grpc_method}            counter
// grpc_type is unary, client_stream, server_stream or bidi_stream, so a dashboard's unary
// latency is not skewed by streams that last minutes; grpc_service is the full proto name
// ("dangbo.records.v1.RecordsService"), grpc_method the method name ("GetMember"), grpc_code
// the canonical code name ("OK", "NOT_FOUND"...). A call that ends without sending a status
// (the client went away) counts as CANCELLED. Handling time runs from the start of the call
// to its status (streams: the whole stream; histogram buckets DefaultLatencyBuckets). Calls
// in progress: started minus handled (a call leaves it when its status is sent).
//
// Thread-safety: lock-light. Each method's counters are atomics; finding a method's stats
// takes a reader lock on one of 16 shards (a writer lock only the first time a method is
// seen), so RPCs never serialize on one mutex. Prepare() methods at startup so their series
// exist (at zero) before the first call. At most kMaxMethods distinct methods are tracked;
// further ones share method="other" (bounded cardinality whatever clients send).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/metrics.h"
#include "grpcpp/support/server_interceptor.h"

namespace common {

class RpcMetrics {
 public:
  static constexpr int kMaxMethods = 1000;

  // Registers its collector with `registry`, which must outlive it.
  explicit RpcMetrics(MetricsRegistry* registry);
  RpcMetrics(const RpcMetrics&) = delete;
  RpcMetrics& operator=(const RpcMetrics&) = delete;

  // The process-wide instance, on MetricsRegistry::Default(). Never destroyed.
  static RpcMetrics& Default();

  // The grpc_type label.
  enum class CallType { kUnary, kClientStream, kServerStream, kBidiStream };

  struct MethodStats {
    MethodStats(std::string service, std::string method, CallType type);
    const std::string service;
    const std::string method;
    const CallType type;
    std::atomic<uint64_t> started{0};
    std::array<std::atomic<uint64_t>, 17> codes{};  // handled, by grpc::StatusCode (0..16)
    Histogram duration;
    std::atomic<uint64_t> received{0};
    std::atomic<uint64_t> sent{0};
    // Calls started and not yet handled.
    int64_t InFlight() const;
  };

  // The stats of "/package.Service/Method", created on first use with `type` (a method's
  // type never changes). Beyond kMaxMethods, method "other" of the same type.
  MethodStats* ForMethod(absl::string_view full_method, CallType type = CallType::kUnary);
  // Makes every method of the service (full proto name, looked up in the generated
  // descriptor pool) appear at zero. Unknown names are ignored.
  void PrepareService(absl::string_view service_name);

  // A factory for ServerBuilder::experimental().SetInterceptorCreators().
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewInterceptorFactory();

  // The families the collector exports (for tests).
  std::vector<MetricFamily> Collect() const;

 private:
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, std::unique_ptr<MethodStats>> methods ABSL_GUARDED_BY(mu);
  };
  std::array<Shard, 16> shards_;
  std::atomic<int> method_count_{0};
  MetricsRegistration registration_;
};

// "OK", "NOT_FOUND", ... for a grpc::StatusCode value; "UNKNOWN" for values out of range.
const char* StatusCodeName(int code);

// "unary", "client_stream", "server_stream", "bidi_stream".
const char* CallTypeName(RpcMetrics::CallType type);

}  // namespace common
