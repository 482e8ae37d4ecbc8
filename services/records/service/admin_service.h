// File: services/records/service/admin_service.h
//
// RecordsAdminService: the gRPC handlers of dangbo.records.v1.RecordsAdminService (backups,
// storage/backups.h). Every handler authorizes first (permission "admin.backup"), then
// validates, then calls the BackupStore. Without a BackupStore (no --backup_dir) every call
// an admin makes is FAILED_PRECONDITION.
//
// CreateBackup runs on a worker thread of its own (it may take minutes) and answers from
// there; Stop() waits for it and must be called before the database closes. Its request_id
// follows the contract of every records write (AIP-155, storage/request_records.h): the same
// request again returns the first backup; another request under the same id, or an id another
// write used, is INVALID_ARGUMENT REQUEST_ID_REUSED.
//
// Thread-safety: gRPC calls the handlers concurrently.
#pragma once

#include <mutex>
#include <thread>

#include "common/authorizer.h"
#include "dangbo/records/v1/admin_service.grpc.pb.h"
#include "services/records/storage/backups.h"
#include "services/records/storage/records_db.h"

namespace records {

namespace v1 = ::dangbo::records::v1;

class RecordsAdminService final : public v1::RecordsAdminService::CallbackService {
 public:
  // Nothing is owned; all must outlive the service. `backups` may be null (not configured).
  RecordsAdminService(RecordsDb* db, BackupStore* backups, const common::Authorizer* authorizer);
  ~RecordsAdminService() override;  // Stop()

  // Waits for a running CreateBackup; later CreateBackup calls are UNAVAILABLE. Idempotent.
  void Stop();

  grpc::ServerUnaryReactor* CreateBackup(grpc::CallbackServerContext* context,
                                         const v1::CreateBackupRequest* request,
                                         v1::Backup* response) override;
  grpc::ServerUnaryReactor* ListBackups(grpc::CallbackServerContext* context,
                                        const v1::ListBackupsRequest* request,
                                        v1::ListBackupsResponse* response) override;
  grpc::ServerUnaryReactor* VerifyBackup(grpc::CallbackServerContext* context,
                                         const v1::VerifyBackupRequest* request,
                                         v1::Backup* response) override;
  grpc::ServerUnaryReactor* DeleteBackup(grpc::CallbackServerContext* context,
                                         const v1::DeleteBackupRequest* request,
                                         google::protobuf::Empty* response) override;

 private:
  // Stores the answer of a CreateBackup that carried a request_id with the other writes'
  // request records (request_records.h), so a retry is answered and the id cannot serve
  // another write. Waits for the commit.
  void RecordRequest(const BackupRequest& what, const v1::Backup& response);

  RecordsDb* db_;
  BackupStore* backups_;
  const common::Authorizer* authorizer_;

  std::mutex mu_;
  bool stopped_ = false;
  bool running_ = false;  // a CreateBackup is in progress
  std::thread worker_;    // the last CreateBackup's
};

}  // namespace records
