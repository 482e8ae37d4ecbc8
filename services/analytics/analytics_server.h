// File: services/analytics/analytics_server.h
//
// The analytics server assembled: its RocksDB (identity-checked), the indicator store (and
// its log on a writer, or its follower of the writer on a read replica), the read model and
// its records follower, the AnalyticsService handlers, on common's
// ServerRunner (health, reflection, keepalive, limits, graceful shutdown). main() only turns
// flags into an AnalyticsConfig and calls RunAnalyticsServer; tests start an AnalyticsServer
// in-process on port 0.
//
// Thread-safety: Start, then Shutdown once (from any thread); the accessors are safe while
// it runs.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "common/auth.h"
#include "common/authorizer.h"
#include "common/change_hub.h"
#include "common/config.h"
#include "common/metrics.h"
#include "common/security.h"
#include "common/server.h"
#include "common/store.h"
#include "common/work_pool.h"
#include "services/analytics/follower/indicator_follower.h"
#include "services/analytics/follower/records_follower.h"
#include "services/analytics/service/analytics_service.h"
#include "services/analytics/store/indicator_store.h"
#include "services/analytics/store/read_model_store.h"

namespace analytics {

struct AnalyticsConfig {
  common::ServerConfig server;
  // follower.records_target empty: no following (party statistics stay as stored).
  FollowerOptions follower;
  // Bearer tokens; null: development mode on loopback (every caller "anonymous").
  std::shared_ptr<common::TokenStore> tokens;
  // TLS, reflection, stream limits, per-principal rate (common/security.h).
  common::SecurityConfig security;
  // Indicator replication. Writer (writer.records_target empty): owns the indicators and
  // serves WatchIndicatorChanges. Read replica: follows the writer at writer.records_target
  // (with writer's transport settings) and forwards writes to it; NOT_SERVING until synced.
  FollowerOptions writer;
};

class AnalyticsServer {
 public:
  // Opens the data directory, starts serving and following. FAILED_PRECONDITION for a data
  // directory of another service; UNAVAILABLE when the address cannot be bound.
  // `interceptors` run after the common ones (common::ServerRunner::AddInterceptor); the
  // analytics binary passes none.
  static absl::StatusOr<std::unique_ptr<AnalyticsServer>> Start(
      AnalyticsConfig config, common::InterceptorFactories interceptors = {});
  ~AnalyticsServer();  // Shutdown()

  int port() const { return runner_->port(); }
  RecordsFollower& follower() { return *follower_; }
  // Null on a writer.
  IndicatorFollower* indicator_follower() { return indicator_follower_.get(); }
  common::ServerRunner& runner() { return *runner_; }

  // Waits for SIGTERM/SIGINT, then shuts down.
  void RunUntilSignal();
  // Stops following, drains and stops the server, closes the database. Idempotent.
  void Shutdown();

 private:
  AnalyticsServer() = default;

  std::unique_ptr<common::Store> db_;
  std::unique_ptr<IndicatorStore> indicators_;
  std::unique_ptr<ReadModelStore> read_model_;
  std::unique_ptr<RecordsFollower> follower_;
  // Writer: feeds WatchIndicatorChanges. Replica: the writer's log and where writes go.
  std::unique_ptr<common::ChangeHub> hub_;
  std::unique_ptr<IndicatorFollower> indicator_follower_;
  std::unique_ptr<dangbo::analytics::v1::AnalyticsService::Stub> writer_stub_;
  // RocksDB stats and follower lag on /metrics; reset before what they read goes away.
  common::MetricsRegistration store_metrics_;
  common::MetricsRegistration follower_metrics_;
  std::unique_ptr<common::Authorizer> authorizer_;
  std::unique_ptr<common::WorkPool> scan_pool_;  // rankings; outlives service_
  std::unique_ptr<AnalyticsServiceImpl> service_;
  std::unique_ptr<common::ServerRunner> runner_;
  bool shut_down_ = false;
};

// Runs until a termination signal; returns the process exit code (0 after a clean stop).
int RunAnalyticsServer(AnalyticsConfig config, common::InterceptorFactories interceptors = {});

}  // namespace analytics
