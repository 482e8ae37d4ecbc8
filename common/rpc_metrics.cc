#include "common/rpc_metrics.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <tuple>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

using CallType = RpcMetrics::CallType;

CallType TypeOf(grpc::experimental::ServerRpcInfo::Type type) {
  using Type = grpc::experimental::ServerRpcInfo::Type;
  switch (type) {
    case Type::CLIENT_STREAMING:
      return CallType::kClientStream;
    case Type::SERVER_STREAMING:
      return CallType::kServerStream;
    case Type::BIDI_STREAMING:
      return CallType::kBidiStream;
    default:
      return CallType::kUnary;
  }
}

class RpcMetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit RpcMetricsInterceptor(RpcMetrics::MethodStats* stats)
      : stats_(stats), start_(std::chrono::steady_clock::now()) {
    stats_->started.fetch_add(1, std::memory_order_relaxed);
  }

  // A call that never sent a status (the client went away first) counts as CANCELLED.
  ~RpcMetricsInterceptor() override {
    if (!recorded_) {
      Record(grpc::StatusCode::CANCELLED);
    }
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      stats_->received.fetch_add(1, std::memory_order_relaxed);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      stats_->sent.fetch_add(1, std::memory_order_relaxed);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        !recorded_) {
      Record(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  // Runs before the status leaves the server, so a client that has its answer never sees
  // its own call still counted in progress (the call object itself is freed later).
  void Record(grpc::StatusCode code) {
    recorded_ = true;
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
        metrics_->ForMethod(method != nullptr ? method : "/unknown/unknown", TypeOf(info->type())));
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

const char* CallTypeName(RpcMetrics::CallType type) {
  switch (type) {
    case CallType::kClientStream:
      return "client_stream";
    case CallType::kServerStream:
      return "server_stream";
    case CallType::kBidiStream:
      return "bidi_stream";
    default:
      return "unary";
  }
}

RpcMetrics::MethodStats::MethodStats(std::string service_name, std::string method_name,
                                     CallType call_type)
    : service(std::move(service_name)),
      method(std::move(method_name)),
      type(call_type),
      duration(DefaultLatencyBuckets()) {}

int64_t RpcMetrics::MethodStats::InFlight() const {
  uint64_t handled = 0;
  for (const auto& code : codes) handled += code.load(std::memory_order_relaxed);
  return static_cast<int64_t>(started.load(std::memory_order_relaxed) - handled);
}

RpcMetrics::RpcMetrics(MetricsRegistry* registry)
    : registration_(registry->AddCollector([this] { return Collect(); })) {}

RpcMetrics& RpcMetrics::Default() {
  static auto* metrics = new RpcMetrics(&MetricsRegistry::Default());
  return *metrics;
}

RpcMetrics::MethodStats* RpcMetrics::ForMethod(absl::string_view full_method, CallType type) {
  Shard& shard = shards_[absl::Hash<absl::string_view>()(full_method) % shards_.size()];
  {
    absl::ReaderMutexLock lock(&shard.mu);
    if (auto it = shard.methods.find(full_method); it != shard.methods.end()) {
      return it->second.get();
    }
  }
  if (!absl::StartsWith(full_method, kOther) &&
      method_count_.load(std::memory_order_relaxed) >= kMaxMethods) {
    return ForMethod(absl::StrCat(kOther, "/", CallTypeName(type)), type);
  }
  absl::MutexLock lock(&shard.mu);
  auto [it, inserted] = shard.methods.try_emplace(full_method);
  if (inserted) {
    auto [service, method] = absl::StartsWith(full_method, kOther)
                                 ? std::pair<std::string, std::string>("", std::string(kOther))
                                 : SplitMethod(full_method);
    it->second = std::make_unique<MethodStats>(std::move(service), std::move(method), type);
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
    const google::protobuf::MethodDescriptor* method = service->method(i);
    const CallType type =
        method->client_streaming()
            ? (method->server_streaming() ? CallType::kBidiStream : CallType::kClientStream)
            : (method->server_streaming() ? CallType::kServerStream : CallType::kUnary);
    ForMethod("/" + service->full_name() + "/" + method->name(), type);
  }
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
RpcMetrics::NewInterceptorFactory() {
  return std::make_unique<RpcMetricsInterceptorFactory>(this);
}

std::vector<MetricFamily> RpcMetrics::Collect() const {
  MetricFamily started{
      "grpc_server_started_total", "RPCs started on the server.", MetricType::kCounter, {}};
  MetricFamily handled{"grpc_server_handled_total",
                       "RPCs completed on the server, regardless of success or failure.",
                       MetricType::kCounter,
                       {}};
  MetricFamily handling{"grpc_server_handling_seconds",
                        "Time from the start of an RPC to its status, in seconds.",
                        MetricType::kHistogram,
                        {}};
  MetricFamily received{"grpc_server_msg_received_total",
                        "Messages received by the server.",
                        MetricType::kCounter,
                        {}};
  MetricFamily sent{
      "grpc_server_msg_sent_total", "Messages sent by the server.", MetricType::kCounter, {}};
  // Sorted by (service, method) so scrapes are stable.
  std::vector<const MethodStats*> all;
  for (const Shard& shard : shards_) {
    absl::ReaderMutexLock lock(&shard.mu);
    for (const auto& [name, stats] : shard.methods) {
      all.push_back(stats.get());
    }
  }
  std::sort(all.begin(), all.end(), [](const MethodStats* a, const MethodStats* b) {
    return std::tie(a->service, a->method, a->type) < std::tie(b->service, b->method, b->type);
  });
  auto count = [](const std::atomic<uint64_t>& n) {
    return static_cast<double>(n.load(std::memory_order_relaxed));
  };
  for (const MethodStats* stats : all) {
    const MetricLabels labels = {{"grpc_type", CallTypeName(stats->type)},
                                 {"grpc_service", stats->service},
                                 {"grpc_method", stats->method}};
    started.samples.push_back({"", labels, count(stats->started)});
    for (int code = 0; code < 17; ++code) {
      const uint64_t n = stats->codes[code].load(std::memory_order_relaxed);
      if (n > 0 || code == 0) {  // OK always, so every method has a series from the start
        MetricLabels with_code = labels;
        with_code.emplace_back("grpc_code", StatusCodeName(code));
        handled.samples.push_back({"", std::move(with_code), static_cast<double>(n)});
      }
    }
    for (MetricSample& sample : stats->duration.Samples(labels)) {
      handling.samples.push_back(std::move(sample));
    }
    received.samples.push_back({"", labels, count(stats->received)});
    sent.samples.push_back({"", labels, count(stats->sent)});
  }
  std::vector<MetricFamily> families;
  for (MetricFamily* f : {&started, &handled, &handling, &received, &sent}) {
    families.push_back(std::move(*f));
  }
  return families;
}

}  // namespace common
