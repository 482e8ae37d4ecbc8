// records_restore: restores a records backup (RecordsAdminService.CreateBackup) into a new
// data directory, offline. The directory must not exist or be empty; the restored database
// gets a new change-log log_id (followers relist). See deploy/OPERATIONS.md.
//
//   records_restore --backup_dir=/var/lib/records-backups --backup_id=7
//                   --data_dir=/var/lib/records-restored
//
// Exit codes: 0 restored, 1 failed (the error is logged), 2 bad flags.
#include <cstdint>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "services/records/storage/backups.h"

ABSL_FLAG(std::string, backup_dir, "", "The backup directory (records_server --backup_dir).");
ABSL_FLAG(int64_t, backup_id, 0, "The backup to restore (ListBackups' backup_id).");
ABSL_FLAG(std::string, data_dir, "",
          "The data directory to create; must not exist or be empty (never overwritten).");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("records_restore --backup_dir=DIR --backup_id=N --data_dir=NEW_DIR");
  absl::ParseCommandLine(argc, argv);
  const std::string backup_dir = absl::GetFlag(FLAGS_backup_dir);
  const int64_t backup_id = absl::GetFlag(FLAGS_backup_id);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  std::string bad;
  if (backup_dir.empty()) bad = "--backup_dir is required";
  if (backup_id <= 0 || backup_id > UINT32_MAX) {
    bad = absl::StrCat("--backup_id must be a backup id (1 or more), got ", backup_id);
  }
  if (data_dir.empty()) bad = "--data_dir is required";
  if (!bad.empty()) {
    common::LogError("bad flags", {{"error", bad}});
    return 2;
  }
  absl::StatusOr<std::string> log_id =
      records::RestoreBackup(backup_dir, static_cast<uint32_t>(backup_id), data_dir);
  if (!log_id.ok()) {
    common::LogError("restore failed", {{"error", log_id.status().ToString()}});
    return 1;
  }
  common::LogInfo("restored", {{"backup_dir", backup_dir},
                               {"backup_id", std::to_string(backup_id)},
                               {"data_dir", data_dir},
                               {"log_id", *log_id}});
  return 0;
}
