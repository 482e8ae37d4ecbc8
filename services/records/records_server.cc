#include "services/records/records_server.h"

#include "common/logging.h"
#include "common/status_macros.h"
#include "common/store_metrics.h"

namespace records {

absl::StatusOr<std::unique_ptr<RecordsServer>> RecordsServer::Start(
    const RecordsConfig& config, common::InterceptorFactories interceptors) {
  std::unique_ptr<RecordsServer> s(new RecordsServer());
  RecordsDbOptions db_options;
  db_options.store.path = config.server.data_dir;
  db_options.store.block_cache_bytes = config.server.block_cache_mb << 20;
  db_options.store.sync_writes = config.server.sync_writes;
  ASSIGN_OR_RETURN(s->db_, RecordsDb::Open(db_options));
  s->store_metrics_ = common::RegisterStoreMetrics(s->db_->store(), "records");
  RetentionOptions retention;
  retention.change_log_retention = config.change_log_retention;
  retention.change_log_max_events = config.change_log_retention_events;
  retention.interval = config.retention_interval;
  s->trimmer_ = std::make_unique<Trimmer>(s->db_.get(), retention);
  s->hub_ = std::make_unique<common::ChangeHub>("records");
  common::ChangeHub* hub = s->hub_.get();
  s->db_->commits()->SetCommitListener([hub](uint64_t last) { hub->Notify(last); });
  common::WorkPool::Options pool_options;
  pool_options.name = "records-scan";
  pool_options.threads = common::WorkPool::DefaultThreads();
  s->scan_pool_ = std::make_unique<common::WorkPool>(pool_options);
  RecordsServiceOptions service_options;
  service_options.change_log_retention = config.change_log_retention;
  service_options.scan_pool = s->scan_pool_.get();
  s->authorizer_ = std::make_unique<common::Authorizer>(
      "dangbo.records.v1.RecordsService", config.tokens, common::NewRateLimiter(config.security));
  s->authorizer_->RequireTls(config.security.tls());
  s->service_ =
      std::make_unique<RecordsService>(s->db_.get(), hub, s->authorizer_.get(), service_options);
  if (!config.backup_dir.empty()) {
    s->backups_ = BackupStore::Open(config.backup_dir, config.backup_retention);
  }
  s->admin_authorizer_ =
      std::make_unique<common::Authorizer>("dangbo.records.v1.RecordsAdminService", config.tokens,
                                           common::NewRateLimiter(config.security));
  s->admin_authorizer_->RequireTls(config.security.tls());
  s->admin_ = std::make_unique<RecordsAdminService>(s->db_.get(), s->backups_.get(),
                                                    s->admin_authorizer_.get());
  s->runner_ = std::make_unique<common::ServerRunner>(config.server, DANGBO_VERSION);
  s->runner_->AddService(s->service_.get(), "dangbo.records.v1.RecordsService");
  s->runner_->AddService(s->admin_.get());
  s->runner_->AddShutdownHook([hub] { hub->Shutdown(); });
  // A running backup finishes and answers before the server stops.
  RecordsAdminService* admin = s->admin_.get();
  s->runner_->AddShutdownHook([admin] { admin->Stop(); });
  s->runner_->ApplySecurity(config.security);
  for (auto& factory : interceptors) s->runner_->AddInterceptor(std::move(factory));
  RETURN_IF_ERROR(s->runner_->Start());
  return s;
}

RecordsServer::~RecordsServer() { (void)Shutdown(); }

void RecordsServer::RunUntilSignal() { runner_->RunUntilSignal(); }

absl::Status RecordsServer::Shutdown() {
  if (shut_down_) return close_status_;
  shut_down_ = true;
  if (runner_ != nullptr) runner_->Shutdown();  // every call has finished, scans included
  if (scan_pool_ != nullptr) scan_pool_->Stop();
  if (admin_ != nullptr) admin_->Stop();  // a running backup reads the database
  trimmer_.reset();
  store_metrics_.Reset();
  if (db_ != nullptr) close_status_ = db_->Close();
  return close_status_;
}

int RunRecordsServer(const RecordsConfig& config, common::InterceptorFactories interceptors) {
  absl::StatusOr<std::unique_ptr<RecordsServer>> server =
      RecordsServer::Start(config, std::move(interceptors));
  if (!server.ok()) {
    common::LogError("cannot start", {{"error", server.status().ToString()}});
    return 1;
  }
  (*server)->RunUntilSignal();
  if (absl::Status s = (*server)->Shutdown(); !s.ok()) {
    common::LogError("closing the database failed", {{"error", s.ToString()}});
    return 1;
  }
  return 0;
}

}  // namespace records
