#include "common/server.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/logging.h"
#include "common/metrics_http.h"
#include "common/page_token.h"
#include "common/process_metrics.h"
#include "common/request_decode.h"
#include "common/request_log.h"
#include "common/rpc_metrics.h"
#include "grpc/grpc.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace common {
namespace {

int64_t Millis(absl::Duration d) { return absl::ToInt64Milliseconds(d); }

int ClampInt(int64_t v) { return v > INT32_MAX ? INT32_MAX : static_cast<int>(v); }

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

ServerRunner::ServerRunner(ServerConfig config, std::string version)
    : config_(std::move(config)),
      version_(std::move(version)),
      credentials_(grpc::InsecureServerCredentials()) {
  InstallGrpcLogHandler();  // gRPC's own log lines as JSON, from the first one on
  SetErrorDomain(absl::StrCat(config_.service, ".dangbo.gov.vn"));
}

ServerRunner::~ServerRunner() { Shutdown(); }

void ServerRunner::AddService(grpc::Service* service, std::string health_name) {
  services_.emplace_back(service, std::move(health_name));
}

void ServerRunner::AddService(grpc::Service* service) { services_.emplace_back(service, ""); }

void ServerRunner::AddShutdownHook(std::function<void()> hook) {
  shutdown_hooks_.push_back(std::move(hook));
}

void ServerRunner::AddInterceptor(
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> factory) {
  interceptors_.push_back(std::move(factory));
}

void ServerRunner::ApplySecurity(const SecurityConfig& security) {
  SetCredentials(ServerCredentials(security));
  EnableReflection(security.reflection);
  SetMaxConcurrentStreams(security.max_concurrent_streams);
  if (!security.page_token_key.empty()) {
    // Validated by SecurityConfigFromFlags; this cannot fail.
    (void)SetPageTokenKey(security.page_token_key);
  }
  if (security.tls()) {
    SetPlaintextHealthPort(security.health_port);
  }
}

void ServerRunner::SetCredentials(std::shared_ptr<grpc::ServerCredentials> credentials) {
  credentials_ = std::move(credentials);
}

absl::Status ServerRunner::Start() {
  BufferLogs();  // one line per RPC must not cost a write(2) each
  // Reflection can describe and call grpc.health.v1.Health only if its descriptor is linked
  // into the generated pool; the built-in health service registers none.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  InstallProtobufLogHandler();
  if (reflection_) {
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  }

  grpc::ServerBuilder builder;
  const std::string address = config_.Address();
  builder.AddListeningPort(address, credentials_, &port_);
  const std::string health_address =
      absl::StrCat(address.substr(0, address.rfind(':')), ":", std::max(health_port_, 0));
  if (health_port_ >= 0) {
    builder.AddListeningPort(health_address, grpc::InsecureServerCredentials(),
                             &health_port_bound_);
  }
  for (auto& [service, health_name] : services_) {
    builder.RegisterService(service);
  }
  builder.SetMaxReceiveMessageSize(ClampInt(config_.max_message_bytes));
  builder.SetMaxSendMessageSize(ClampInt(config_.max_message_bytes));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, ClampInt(Millis(config_.keepalive_time)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             ClampInt(Millis(config_.keepalive_timeout)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  if (max_concurrent_streams_ > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, max_concurrent_streams_);
  }
  // Clients (analytics following records) may ping every 10 s on idle streams.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  if (config_.max_connection_age > absl::ZeroDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               ClampInt(Millis(config_.max_connection_age)));
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                               ClampInt(Millis(config_.shutdown_grace)));
  }
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  // First: the status it rewrites (a request that did not parse) is what the others record.
  creators.push_back(std::make_unique<RequestDecodeInterceptorFactory>());
  creators.push_back(std::make_unique<RequestLogInterceptorFactory>());
  RpcMetrics& rpc_metrics = RpcMetrics::Default();
  for (const auto& [service, health_name] : services_) {
    rpc_metrics.PrepareService(health_name);  // series at zero before the first call
  }
  rpc_metrics.PrepareService("grpc.health.v1.Health");
  creators.push_back(rpc_metrics.NewInterceptorFactory());
  for (auto& factory : interceptors_) creators.push_back(std::move(factory));
  interceptors_.clear();
  builder.experimental().SetInterceptorCreators(std::move(creators));

  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0 || (health_port_ >= 0 && health_port_bound_ == 0)) {
    server_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, " (address in use or not local?)"));
  }
  if (config_.metrics_port.has_value()) {
    MetricsRegistry& registry = MetricsRegistry::Default();
    process_metrics_ = RegisterProcessMetrics(&registry, config_.service, version_);
    absl::StatusOr<std::unique_ptr<MetricsHttpServer>> http =
        MetricsHttpServer::Start(config_.listen, *config_.metrics_port, &registry);
    if (!http.ok()) {
      server_->Shutdown();
      server_.reset();
      return http.status();
    }
    metrics_http_ = std::move(*http);
    metrics_port_ = metrics_http_->port();
    if (!config_.metrics_port_file.empty()) {
      std::ofstream out(config_.metrics_port_file, std::ios::trunc);
      out << metrics_port_ << "\n";
      if (!out) {
        return absl::UnavailableError(
            absl::StrCat("cannot write --metrics_port_file ", config_.metrics_port_file));
      }
    }
  }
  SetServing(start_serving_);

  LogInfo("serving", {{"service", config_.service},
                      {"version", version_},
                      {"address", config_.listen},
                      {"port", port_},
                      {"metrics_port", metrics_port_},
                      {"health_port", health_port_bound_},
                      {"data_dir", config_.data_dir}});
  // Last: whoever waits for the port file finds the server serving and its startup line
  // already in the log.
  FlushLogs();
  if (!config_.port_file.empty()) {
    std::ofstream out(config_.port_file, std::ios::trunc);
    out << port_ << "\n";
    if (!out) {
      return absl::UnavailableError(absl::StrCat("cannot write --port_file ", config_.port_file));
    }
  }
  return absl::OkStatus();
}

void ServerRunner::SetServing(bool serving) {
  if (server_ == nullptr) {
    return;
  }
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus(serving);  // "" and every name set so far...
  for (const auto& [service, health_name] : services_) {
    if (!health_name.empty()) {
      health->SetServingStatus(health_name, serving);
    }
  }
  health->SetServingStatus(kLivenessService, true);  // ...except liveness
}

void ServerRunner::RunUntilSignal() {
  sigset_t set = TerminationSignals();
  for (;;) {
    int signal = 0;
    if (sigwait(&set, &signal) != 0) {
      LogError("sigwait failed", {{"error", std::strerror(errno)}});
      break;
    }
    if (signal == SIGHUP) {
      LogInfo("SIGHUP received; nothing to reload");
      continue;
    }
    LogInfo("shutting down", {{"signal", strsignal(signal)},
                              {"drain_delay_ms", Millis(config_.drain_delay)},
                              {"grace_ms", Millis(config_.shutdown_grace)}});
    break;
  }
  Shutdown();
}

void ServerRunner::Shutdown() {
  {
    absl::MutexLock lock(&shutdown_mu_);
    if (shut_down_ || server_ == nullptr) {
      return;
    }
    shut_down_ = true;
  }
  SetServing(false);
  if (config_.drain_delay > absl::ZeroDuration()) {
    absl::SleepFor(config_.drain_delay);
  }
  for (auto& hook : shutdown_hooks_) {
    hook();
  }
  const absl::Time start = absl::Now();
  server_->Shutdown(absl::ToChronoTime(start + config_.shutdown_grace));
  server_->Wait();
  if (metrics_http_ != nullptr) {
    metrics_http_->Stop();  // after the RPCs, so the drain can still be scraped
  }
  LogInfo("stopped", {{"service", config_.service}, {"shutdown_ms", Millis(absl::Now() - start)}});
  FlushLogs();
}

}  // namespace common
