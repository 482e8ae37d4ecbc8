// File: services/records/records_server.h
//
// The records server assembled: the database (storage/records_db.h), its trimmer, the change
// hub, the RecordsService and RecordsAdminService (backups) handlers and the common ServerRunner
// (health, reflection, shutdown). main.cc calls RunRecordsServer(); in-process tests use
// RecordsServer directly:
//
//   auto server = RecordsServer::Start(config);      // config.server.port = 0
//
// Calls are authenticated with config.tokens (none: every caller has every permission).
//   ... stubs on server->address() ...
//   server->Shutdown();
//
// Shutdown order: streams end (UNAVAILABLE "server shutting down"), RPCs finish within the
// grace period, a running backup finishes, the commit queue drains, the database closes.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/authorizer.h"
#include "common/change_hub.h"
#include "common/metrics.h"
#include "common/server.h"
#include "common/work_pool.h"
#include "services/records/config.h"
#include "services/records/service/admin_service.h"
#include "services/records/service/records_service.h"
#include "services/records/storage/backups.h"
#include "services/records/storage/records_db.h"
#include "services/records/storage/retention.h"

namespace records {

class RecordsServer {
 public:
  // `interceptors` run after the common ones (common::ServerRunner::AddInterceptor); the
  // records binary passes none.
  static absl::StatusOr<std::unique_ptr<RecordsServer>> Start(
      const RecordsConfig& config, common::InterceptorFactories interceptors = {});
  ~RecordsServer();  // Shutdown()

  int port() const { return runner_->port(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port()); }
  RecordsDb* db() const { return db_.get(); }
  Trimmer* trimmer() const { return trimmer_.get(); }
  common::ChangeHub* hub() const { return hub_.get(); }
  // Null when config.backup_dir is empty.
  BackupStore* backups() const { return backups_.get(); }

  // Waits for SIGTERM/SIGINT, then shuts down.
  void RunUntilSignal();
  // Graceful shutdown; idempotent. Returns the status of closing the database.
  absl::Status Shutdown();

 private:
  RecordsServer() = default;

  std::unique_ptr<RecordsDb> db_;
  common::MetricsRegistration store_metrics_;  // RocksDB stats on /metrics; reset before db_ closes
  std::unique_ptr<Trimmer> trimmer_;
  std::unique_ptr<common::ChangeHub> hub_;
  std::unique_ptr<common::WorkPool> scan_pool_;     // list scans, searches; outlives service_
  std::unique_ptr<common::Authorizer> authorizer_;  // outlives service_
  std::unique_ptr<RecordsService> service_;
  std::unique_ptr<BackupStore> backups_;
  std::unique_ptr<common::Authorizer> admin_authorizer_;  // outlives admin_
  std::unique_ptr<RecordsAdminService> admin_;
  std::unique_ptr<common::ServerRunner> runner_;
  bool shut_down_ = false;
  absl::Status close_status_;
};

// main's body: start, serve until a termination signal, stop. Returns the exit code.
int RunRecordsServer(const RecordsConfig& config, common::InterceptorFactories interceptors = {});

}  // namespace records
