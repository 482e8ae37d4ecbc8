#include "common/rpc_metrics.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <tuple>
#include <utility>

#include "absl/hash/hash.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/support/status.h"

namespace common {
namespace {

constexpr absl::string_view kOther = "other";

// "/pkg.Service/Method" -> {"pkg.Service", "Method"}; anything else -> {"", whole}.
std::pair<std::string, std::string> SplitMethod(absl::string_view full_method) {
  if (full_method.size() > 1 && full_method[0] == '/') {
    const size_t slash = full_method.find('/', 1);
    if (slash != absl::string_view::npos) {
      return {std::string(full_method.substr(1, slash - 1)),
              std::string(full_method.substr(slash + 1))};
    }
  }
  return {"", std::string(full_method)};
}

class RpcMetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit RpcMetricsInterceptor(RpcMetrics::MethodStats* stats)
      : stats_(stats), start_(std::chrono::steady_clock::now()) {
    stats_->in_flight.fetch_add(1, std::memory_order_relaxed);
  }

  // A call that never sent a status (the client went away first) counts as CANCELLED.
  ~RpcMetricsInterceptor() override {
    if (!recorded_) {
      Record(grpc::StatusCode::CANCELLED);
    }
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS) &&
        !recorded_) {
      Record(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  // Runs before the status leaves the server, so a client that has its answer never sees
  // its own call still counted in flight (the call object itself is freed later).
  void Record(grpc::StatusCode code) {
    recorded_ = true;
    stats_->in_flight.fetch_sub(1, std::memory_order_relaxed);
    const int index = static_cast<int>(code);
    stats_->codes[index >= 0 && index < 17 ? index : grpc::StatusCode::UNKNOWN].fetch_add(
        1, std::memory_order_relaxed);
    stats_->duration.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }

  RpcMetrics::MethodStats* stats_;
  std::chrono::steady_clock::time_point start_;
  bool recorded_ = false;
};

class RpcMetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcMetricsInterceptorFactory(RpcMetrics* metrics) : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const char* method = info->method();
    return new RpcMetricsInterceptor(
        metrics_->ForMethod(method != nullptr ? method : "/unknown/unknown"));
  }

 private:
  RpcMetrics* metrics_;
};

}  // namespace

const char* StatusCodeName(int code) {
  static constexpr const char* kNames[17] = {"OK",
                                             "CANCELLED",
                                             "UNKNOWN",
                                             "INVALID_ARGUMENT",
                                             "DEADLINE_EXCEEDED",
                                             "NOT_FOUND",
                                             "ALREADY_EXISTS",
                                             "PERMISSION_DENIED",
                                             "RESOURCE_EXHAUSTED",
                                             "FAILED_PRECONDITION",
                                             "ABORTED",
                                             "OUT_OF_RANGE",
                                             "UNIMPLEMENTED",
                                             "INTERNAL",
                                             "UNAVAILABLE",
                                             "DATA_LOSS",
                                             "UNAUTHENTICATED"};
  return code >= 0 && code < 17 ? kNames[code] : "UNKNOWN";
}

RpcMetrics::MethodStats::MethodStats(std::string service_name, std::string method_name)
    : service(std::move(service_name)),
      method(std::move(method_name)),
      duration(DefaultLatencyBuckets()) {}

RpcMetrics::RpcMetrics(MetricsRegistry* registry)
    : registration_(registry->AddCollector([this] { return Collect(); })) {}

RpcMetrics& RpcMetrics::Default() {
  static auto* metrics = new RpcMetrics(&MetricsRegistry::Default());
  return *metrics;
}

RpcMetrics::MethodStats* RpcMetrics::ForMethod(absl::string_view full_method) {
  Shard& shard = shards_[absl::Hash<absl::string_view>()(full_method) % shards_.size()];
  {
    absl::ReaderMutexLock lock(&shard.mu);
    if (auto it = shard.methods.find(full_method); it != shard.methods.end()) {
      return it->second.get();
    }
  }
  if (full_method != kOther && method_count_.load(std::memory_order_relaxed) >= kMaxMethods) {
    return ForMethod(kOther);
  }
  absl::MutexLock lock(&shard.mu);
  auto [it, inserted] = shard.methods.try_emplace(full_method);
  if (inserted) {
    auto [service, method] = SplitMethod(full_method);
    it->second = std::make_unique<MethodStats>(std::move(service), std::move(method));
    method_count_.fetch_add(1, std::memory_order_relaxed);
  }
  return it->second.get();
}

void RpcMetrics::PrepareService(absl::string_view service_name) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          std::string(service_name));
  if (service == nullptr) {
    return;
  }
  for (int i = 0; i < service->method_count(); ++i) {
    ForMethod("/" + service->full_name() + "/" + service->method(i)->name());
  }
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
RpcMetrics::NewInterceptorFactory() {
  return std::make_unique<RpcMetricsInterceptorFactory>(this);
}

std::vector<MetricFamily> RpcMetrics::Collect() const {
  MetricFamily requests{"dangbo_grpc_requests_total",
                        "gRPC calls finished, by service, method and status code.",
                        MetricType::kCounter,
                        {}};
  MetricFamily duration{"dangbo_grpc_request_duration_seconds",
                        "Time from the start of a gRPC call to its status, in seconds.",
                        MetricType::kHistogram,
                        {}};
  MetricFamily in_flight{
      "dangbo_grpc_requests_in_flight", "gRPC calls in progress.", MetricType::kGauge, {}};
  // Sorted by (service, method) so scrapes are stable.
  std::vector<const MethodStats*> all;
  for (const Shard& shard : shards_) {
    absl::ReaderMutexLock lock(&shard.mu);
    for (const auto& [name, stats] : shard.methods) {
      all.push_back(stats.get());
    }
  }
  std::sort(all.begin(), all.end(), [](const MethodStats* a, const MethodStats* b) {
    return std::tie(a->service, a->method) < std::tie(b->service, b->method);
  });
  for (const MethodStats* stats : all) {
    const MetricLabels labels = {{"service", stats->service}, {"method", stats->method}};
    for (int code = 0; code < 17; ++code) {
      const uint64_t n = stats->codes[code].load(std::memory_order_relaxed);
      if (n > 0 || code == 0) {  // OK always, so every method has a series from the start
        MetricLabels with_code = labels;
        with_code.emplace_back("code", StatusCodeName(code));
        requests.samples.push_back({"", std::move(with_code), static_cast<double>(n)});
      }
    }
    for (MetricSample& sample : stats->duration.Samples(labels)) {
      duration.samples.push_back(std::move(sample));
    }
    in_flight.samples.push_back(
        {"", labels, static_cast<double>(stats->in_flight.load(std::memory_order_relaxed))});
  }
  return {std::move(requests), std::move(duration), std::move(in_flight)};
}

}  // namespace common
