#include "services/records/config.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"

ABSL_FLAG(absl::Duration, change_log_retention, absl::Hours(24 * 7),
          "How long change-log events are kept for WatchChanges resumes (at least 1m).");
ABSL_FLAG(int64_t, change_log_retention_events, 0,
          "Keep at most this many newest change-log events as well (0: no count limit).");
ABSL_FLAG(absl::Duration, retention_interval, absl::Minutes(1),
          "How often expired change-log events and request_id records are trimmed.");

ABSL_FLAG(std::string, backup_dir, "",
          "Directory for online backups (RecordsAdminService); default \"<data_dir>-backups\", "
          "\"none\" turns backups off.");
ABSL_FLAG(int32_t, backup_keep, 0,
          "After each CreateBackup, keep only this many newest backups (0: no count limit).");
ABSL_FLAG(absl::Duration, backup_max_age, absl::ZeroDuration(),
          "After each CreateBackup, delete backups older than this, e.g. 720h (0: no age "
          "limit). The newest backup is always kept.");

namespace records {

absl::StatusOr<RecordsConfig> RecordsConfigFromFlags() {
  absl::StatusOr<common::ServerConfig> server =
      common::ServerConfigFromFlags("records", 50051, ".data/records");
  if (!server.ok()) return server.status();
  RecordsConfig c;
  c.server = *std::move(server);
  common::FieldViolations v;
  c.change_log_retention = absl::GetFlag(FLAGS_change_log_retention);
  if (c.change_log_retention < absl::Minutes(1)) {
    v.Add("--change_log_retention",
          absl::StrCat("must be at least 1m, got ", absl::FormatDuration(c.change_log_retention)));
  }
  c.change_log_retention_events = absl::GetFlag(FLAGS_change_log_retention_events);
  if (c.change_log_retention_events < 0) {
    v.Add("--change_log_retention_events",
          absl::StrCat("must be 0 (no limit) or positive, got ", c.change_log_retention_events));
  }
  c.retention_interval = absl::GetFlag(FLAGS_retention_interval);
  if (c.retention_interval < absl::Seconds(1)) {
    v.Add("--retention_interval",
          absl::StrCat("must be at least 1s, got ", absl::FormatDuration(c.retention_interval)));
  }
  c.backup_dir = absl::GetFlag(FLAGS_backup_dir);
  if (c.backup_dir.empty()) {
    c.backup_dir = c.server.data_dir + "-backups";
  } else if (c.backup_dir == "none") {
    c.backup_dir.clear();
  } else if (c.backup_dir == c.server.data_dir) {
    v.Add("--backup_dir", "must not be the data directory");
  }
  c.backup_retention.keep = absl::GetFlag(FLAGS_backup_keep);
  if (c.backup_retention.keep < 0) {
    v.Add("--backup_keep",
          absl::StrCat("must be 0 (no limit) or positive, got ", c.backup_retention.keep));
  }
  c.backup_retention.max_age = absl::GetFlag(FLAGS_backup_max_age);
  if (c.backup_retention.max_age < absl::ZeroDuration() ||
      (c.backup_retention.max_age > absl::ZeroDuration() &&
       c.backup_retention.max_age < absl::Hours(1))) {
    v.Add("--backup_max_age", absl::StrCat("must be 0 (no limit) or at least 1h, got ",
                                           absl::FormatDuration(c.backup_retention.max_age)));
  }
  if (!v.empty()) return v.ToStatus();
  absl::StatusOr<common::SecurityConfig> security = common::SecurityConfigFromFlags(c.server);
  if (!security.ok()) return security.status();
  c.security = *std::move(security);
  absl::StatusOr<std::shared_ptr<common::TokenStore>> tokens = common::LoadTokens(c.security);
  if (!tokens.ok()) return tokens.status();
  c.tokens = *std::move(tokens);
  return c;
}

}  // namespace records
