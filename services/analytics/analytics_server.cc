#include "services/analytics/analytics_server.h"

#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/logging.h"
#include "common/store_metrics.h"
#include "services/analytics/follower/follower_metrics.h"
#include "services/analytics/store/analytics_db.h"

namespace analytics {

absl::StatusOr<std::unique_ptr<AnalyticsServer>> AnalyticsServer::Start(
    AnalyticsConfig config, common::InterceptorFactories interceptors) {
  std::unique_ptr<AnalyticsServer> server(new AnalyticsServer());
  common::StoreOptions store_options;
  store_options.path = config.server.data_dir;
  store_options.block_cache_bytes = config.server.block_cache_mb << 20;
  store_options.sync_writes = config.server.sync_writes;
  absl::StatusOr<std::unique_ptr<common::Store>> db = OpenAnalyticsDb(store_options);
  if (!db.ok()) return db.status();
  server->db_ = *std::move(db);
  server->indicators_ = std::make_unique<IndicatorStore>(server->db_.get());
  const bool replica = !config.writer.records_target.empty();
  Replication replication;
  if (replica) {
    absl::StatusOr<FollowerState> position = server->indicators_->LoadReplicaPosition();
    if (!position.ok()) return position.status();
    server->indicator_follower_ = std::make_unique<IndicatorFollower>(
        server->indicators_.get(), *std::move(position), config.writer);
    server->writer_stub_ =
        dangbo::analytics::v1::AnalyticsService::NewStub(NewFollowerChannel(config.writer));
    replication.writer = server->writer_stub_.get();
    replication.follower = server->indicator_follower_.get();
  } else {
    if (absl::Status s = server->indicators_->OpenLog(); !s.ok()) return s;
    server->hub_ = std::make_unique<common::ChangeHub>("analytics");
    common::ChangeHub* hub = server->hub_.get();
    server->indicators_->SetCommitListener([hub](uint64_t head) { hub->Notify(head); });
    replication.hub = hub;
  }
  server->read_model_ = std::make_unique<ReadModelStore>(server->db_.get());
  absl::StatusOr<FollowerState> position = server->read_model_->LoadFollowerState();
  if (!position.ok()) return position.status();
  server->follower_ = std::make_unique<RecordsFollower>(server->read_model_.get(),
                                                        *std::move(position), config.follower);
  server->store_metrics_ = common::RegisterStoreMetrics(server->db_.get(), "analytics");
  if (!config.follower.records_target.empty()) {
    server->follower_metrics_ = RegisterFollowerMetrics(server->follower_.get(), absl::Now());
  }
  server->authorizer_ =
      std::make_unique<common::Authorizer>("dangbo.analytics.v1.AnalyticsService", config.tokens,
                                           common::NewRateLimiter(config.security));
  server->authorizer_->RequireTls(config.security.tls());
  common::WorkPool::Options pool_options;
  pool_options.name = "analytics-scan";
  pool_options.threads = common::WorkPool::DefaultThreads();
  server->scan_pool_ = std::make_unique<common::WorkPool>(pool_options);
  server->service_ = std::make_unique<AnalyticsServiceImpl>(
      server->indicators_.get(), server->read_model_.get(), server->follower_.get(),
      server->authorizer_.get(), replication, server->scan_pool_.get());
  if (!replica) {
    // Data recorded before its indicator declared a value domain is kept; say where it is.
    // Reporting is not serving: a store that cannot be read here says so when it is read.
    if (absl::Status s = server->service_->CheckValueDomains(); !s.ok()) {
      common::LogError("could not check stored observations against their value domains",
                       {{"error", s.ToString()}});
    }
  }
  server->runner_ = std::make_unique<common::ServerRunner>(config.server, DANGBO_VERSION);
  server->runner_->AddService(server->service_.get(), "dangbo.analytics.v1.AnalyticsService");
  RecordsFollower* follower = server->follower_.get();
  server->runner_->AddShutdownHook([follower] { follower->Stop(); });
  if (server->hub_ != nullptr) {
    common::ChangeHub* hub = server->hub_.get();
    server->runner_->AddShutdownHook([hub] { hub->Shutdown(); });
  }
  if (IndicatorFollower* indicator_follower = server->indicator_follower_.get()) {
    common::ServerRunner* runner = server->runner_.get();
    server->runner_->AddShutdownHook([indicator_follower] { indicator_follower->Stop(); });
    server->runner_->StartNotServing();
    indicator_follower->OnSynced([runner] { runner->SetServing(true); });
  }
  server->runner_->ApplySecurity(config.security);
  for (auto& factory : interceptors) server->runner_->AddInterceptor(std::move(factory));
  if (absl::Status s = server->runner_->Start(); !s.ok()) return s;
  server->follower_->Start();
  if (server->indicator_follower_ != nullptr) server->indicator_follower_->Start();
  return server;
}

AnalyticsServer::~AnalyticsServer() { Shutdown(); }

void AnalyticsServer::RunUntilSignal() { runner_->RunUntilSignal(); }

void AnalyticsServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  follower_metrics_.Reset();
  store_metrics_.Reset();
  if (follower_ != nullptr) follower_->Stop();
  if (indicator_follower_ != nullptr) indicator_follower_->Stop();
  if (runner_ != nullptr) runner_->Shutdown();  // every call has finished, rankings included
  if (scan_pool_ != nullptr) scan_pool_->Stop();
  if (db_ != nullptr) {
    if (absl::Status s = db_->Close(); !s.ok()) {
      common::LogError("closing the store failed", {{"error", s.ToString()}});
    }
  }
}

int RunAnalyticsServer(AnalyticsConfig config, common::InterceptorFactories interceptors) {
  absl::StatusOr<std::unique_ptr<AnalyticsServer>> server =
      AnalyticsServer::Start(std::move(config), std::move(interceptors));
  if (!server.ok()) {
    common::LogError("cannot start", {{"error", server.status().ToString()}});
    return 1;
  }
  (*server)->RunUntilSignal();
  (*server)->Shutdown();
  return 0;
}

}  // namespace analytics
