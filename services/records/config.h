// File: services/records/config.h
//
// records_server's configuration: the shared server flags (common/config.h) plus the records
// flags below, each also read from DANGBO_<FLAG>.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/config.h"
#include "common/security.h"
#include "services/records/storage/backups.h"

ABSL_DECLARE_FLAG(absl::Duration, change_log_retention);
ABSL_DECLARE_FLAG(int64_t, change_log_retention_events);
ABSL_DECLARE_FLAG(absl::Duration, retention_interval);
ABSL_DECLARE_FLAG(std::string, backup_dir);
ABSL_DECLARE_FLAG(int32_t, backup_keep);
ABSL_DECLARE_FLAG(absl::Duration, backup_max_age);

namespace records {

struct RecordsConfig {
  common::ServerConfig server;
  // TLS, reflection, stream limits, rate limit (common/security.h).
  common::SecurityConfig security;
  // Bearer tokens from --token_file (common/auth.h); null: no authentication (development on
  // loopback), every caller is "anonymous" (or its x-dangbo-principal) with every permission.
  std::shared_ptr<common::TokenStore> tokens;
  // Change-log events older than this are trimmed (WatchChanges from before is OUT_OF_RANGE).
  absl::Duration change_log_retention = absl::Hours(24 * 7);
  // Also keep at most this many newest events; 0: no count limit.
  int64_t change_log_retention_events = 0;
  // How often the trimming runs.
  absl::Duration retention_interval = absl::Minutes(1);
  // Where RecordsAdminService.CreateBackup writes backups (RocksDB BackupEngine). Empty:
  // backups are off (the admin RPCs answer FAILED_PRECONDITION). The flag's default is
  // "<data_dir>-backups"; --backup_dir=none turns backups off.
  std::string backup_dir;
  // Which backups CreateBackup leaves behind (--backup_keep, --backup_max_age).
  BackupRetention backup_retention;
};

// Reads and validates every flag; INVALID_ARGUMENT naming each bad flag.
absl::StatusOr<RecordsConfig> RecordsConfigFromFlags();

}  // namespace records
