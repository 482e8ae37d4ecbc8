// File: common/server.h
//
// ServerRunner: the bootstrap both services share. It builds a gRPC server on the configured
// address with
//   - the standard health service (grpc.health.v1): "" and each registered service report
//     SERVING while the server takes traffic; "liveness" stays SERVING until the process ends,
//     so a draining pod is not restarted;
//   - server reflection (grpc.reflection.v1alpha), with the health service describable;
//   - keepalive, connection age and message-size limits from ServerConfig;
//   - one JSON log line per RPC (method, code, latency), the logs buffered from Start() on
//     (common/logging.h: BufferLogs) and flushed when serving starts and when it stops;
//   - INVALID_ARGUMENT for a request that does not parse, naming the field when it can
//     (common/request_decode.h), instead of gRPC's empty UNIMPLEMENTED;
//   - Prometheus metrics (request counts, latency histograms, in-flight calls, process
//     metrics) on GET /metrics at config.metrics_port, when set (common/metrics.h);
// and shuts down gracefully: NOT_SERVING, drain delay, shutdown hooks (long-lived streams end),
// then Server::Shutdown with the grace deadline (in-flight RPCs finish, the rest are cancelled).
//
//   common::BlockTerminationSignals();            // first thing in main, before any thread
//   common::ServerRunner runner(config, "dev");
//   runner.AddService(&records_service, "dangbo.records.v1.RecordsService");
//   RETURN_IF_ERROR(runner.Start());
//   runner.RunUntilSignal();                       // returns after a clean shutdown
//
// Thread-safety: configure (Add*) before Start(); Shutdown() may be called from any thread,
// once.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/config.h"
#include "common/metrics.h"
#include "common/security.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/support/server_interceptor.h"

namespace common {

class MetricsHttpServer;

// The health-service name that stays SERVING while the process lives (liveness probe).
inline constexpr char kLivenessService[] = "liveness";

// Server interceptors an embedder adds to a service's own (see ServerRunner::AddInterceptor).
using InterceptorFactories =
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>;

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread; threads started afterwards inherit
// the mask, so RunUntilSignal() receives them. Call first in main.
void BlockTerminationSignals();

class ServerRunner {
 public:
  ServerRunner(ServerConfig config, std::string version);
  ~ServerRunner();

  // Registers a service; `health_name` (its full proto name) reports SERVING while serving.
  // The service must outlive the runner.
  void AddService(grpc::Service* service, std::string health_name);
  void AddService(grpc::Service* service);  // no health entry (e.g. admin services)

  // Called, in order, when shutdown begins, before the server stops taking RPCs' ends: the
  // place to tell long-lived streams to finish.
  void AddShutdownHook(std::function<void()> hook);

  // A server interceptor that runs after the common ones (request decoding, the request log,
  // metrics), so what it changes in a request is what the handler sees; its factory may
  // return nullptr for the methods it does not take. The services' binaries add none; the
  // benchmark's servers (tests/bench/harness) add theirs.
  void AddInterceptor(
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> factory);

  // Transport credentials; insecure by default.
  void SetCredentials(std::shared_ptr<grpc::ServerCredentials> credentials);

  // Serve gRPC reflection (on by default; common/security.h decides from --reflection).
  void EnableReflection(bool enabled) { reflection_ = enabled; }

  // Most concurrent streams (RPCs) one client connection may have open; 0 leaves gRPC's
  // default.
  void SetMaxConcurrentStreams(int streams) { max_concurrent_streams_ = streams; }

  // Credentials, reflection, stream limits and the plaintext health port from the security
  // flags (common/security.h).
  void ApplySecurity(const SecurityConfig& security);

  // Also listen in plaintext on `port` (0: a free one) of the same address, for Kubernetes'
  // gRPC probes, which cannot speak TLS. Only the health service answers there: handlers
  // refuse calls that did not come over TLS (common::Authorizer). -1: no such port.
  void SetPlaintextHealthPort(int port) { health_port_ = port; }
  int health_port() const { return health_port_bound_; }

  // Start() reports NOT_SERVING (readiness) until SetServing(true): for a server that must
  // sync before it answers (an analytics read replica). Liveness stays SERVING.
  void StartNotServing() { start_serving_ = false; }

  // Binds and starts serving. UNAVAILABLE when the address cannot be bound.
  absl::Status Start();

  // The bound port (useful with port 0). Valid after Start().
  int port() const { return port_; }
  // The bound /metrics port, 0 when the endpoint is off. Valid after Start().
  int metrics_port() const { return metrics_port_; }
  grpc::Server* server() const { return server_.get(); }
  const ServerConfig& config() const { return config_; }

  // Waits for SIGTERM or SIGINT (blocked by BlockTerminationSignals), then Shutdown().
  void RunUntilSignal();

  // Graceful shutdown; returns when every RPC has ended. Idempotent.
  void Shutdown();

  // Marks the services (and "") SERVING or NOT_SERVING.
  void SetServing(bool serving);

 private:
  ServerConfig config_;
  std::string version_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  std::vector<std::function<void()>> shutdown_hooks_;
  InterceptorFactories interceptors_;  // the embedder's, moved into the server by Start()
  std::shared_ptr<grpc::ServerCredentials> credentials_;
  bool reflection_ = true;
  bool start_serving_ = true;
  int max_concurrent_streams_ = 0;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::unique_ptr<MetricsHttpServer> metrics_http_;
  MetricsRegistration process_metrics_;
  int metrics_port_ = 0;
  int health_port_ = -1;
  int health_port_bound_ = 0;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace common
