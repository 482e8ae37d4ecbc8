#include "services/records/service/admin_service.h"

#include <algorithm>
#include <future>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/list_query.h"
#include "common/logging.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/records/service/call_context.h"
#include "services/records/storage/request_records.h"

namespace records {
namespace {

constexpr int kMaxDescriptionChars = 200;
constexpr int kMaxRequestIdChars = 100;

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest * 1000));
}

void ToProto(const BackupRecord& r, v1::Backup* out) {
  out->Clear();
  out->set_backup_id(r.backup_id);
  SetTime(r.create_time, out->mutable_create_time());
  out->set_size_bytes(r.size_bytes);
  out->set_file_count(r.file_count);
  out->set_last_sequence(r.last_sequence);
  out->set_log_id(r.log_id);
  out->set_schema_version(r.schema_version);
  out->set_description(r.description);
  out->set_created_by(r.created_by);
  if (r.verify_time != absl::InfinitePast()) SetTime(r.verify_time, out->mutable_verify_time());
}

// UTF-8 characters (code points) of `s`.
int Utf8Length(const std::string& s) {
  return static_cast<int>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

absl::Status ValidateCreate(const v1::CreateBackupRequest& request) {
  common::FieldViolations v;
  if (Utf8Length(request.description()) > kMaxDescriptionChars) {
    v.Add("description", absl::StrCat("must be at most ", kMaxDescriptionChars, " characters, got ",
                                      Utf8Length(request.description())));
  }
  if (Utf8Length(request.request_id()) > kMaxRequestIdChars) {
    v.Add("request_id", absl::StrCat("must be at most ", kMaxRequestIdChars, " characters"));
  }
  return v.empty() ? absl::OkStatus() : v.ToStatus();
}

// Authorizes `method` and checks that backups are configured; the caller on success.
absl::StatusOr<std::shared_ptr<const common::Principal>> Admit(
    const common::Authorizer& authorizer, const grpc::CallbackServerContext& context,
    absl::string_view method, const google::protobuf::Message& request,
    const BackupStore* backups) {
  absl::StatusOr<std::shared_ptr<const common::Principal>> caller =
      authorizer.Authorize(context, method, request);
  if (!caller.ok()) return caller.status();
  if (backups == nullptr) {
    return common::WithReason(
        absl::FailedPreconditionError(
            "no backup directory is configured: start records_server with --backup_dir"),
        "BACKUPS_NOT_CONFIGURED", {{"method", std::string(method)}});
  }
  return caller;
}

const common::ListScope kBackupsScope{"ListBackups", "backups", "", ""};

}  // namespace

RecordsAdminService::RecordsAdminService(RecordsDb* db, BackupStore* backups,
                                         const common::Authorizer* authorizer)
    : db_(db), backups_(backups), authorizer_(authorizer) {}

RecordsAdminService::~RecordsAdminService() { Stop(); }

void RecordsAdminService::Stop() {
  std::thread worker;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    worker = std::move(worker_);
  }
  if (worker.joinable()) worker.join();
}

grpc::ServerUnaryReactor* RecordsAdminService::CreateBackup(grpc::CallbackServerContext* context,
                                                            const v1::CreateBackupRequest* request,
                                                            v1::Backup* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::shared_ptr<const common::Principal>> caller =
      Admit(*authorizer_, *context, "CreateBackup", *request, backups_);
  absl::Status status = caller.status();
  if (status.ok()) status = ValidateCreate(*request);
  BackupRequest what;
  what.request_id = request->request_id();
  what.request_hash = what.request_id.empty() ? std::string() : RequestHash(*request);
  if (status.ok()) {
    // The request_id contract of every records write (request_records.h): the same request
    // again gets the first answer, another request under the id is REQUEST_ID_REUSED.
    absl::StatusOr<std::optional<std::string>> stored =
        CheckRequestId(*db_, what.request_id, "CreateBackup", what.request_hash);
    status = stored.status();
    if (status.ok() && stored->has_value()) {
      if (!response->ParseFromString(**stored)) {
        status = absl::DataLossError("the stored response of this request_id is corrupt");
      }
      reactor->Finish(common::ToGrpcStatus(status));
      return reactor;
    }
  }
  if (!status.ok()) {
    reactor->Finish(common::ToGrpcStatus(status));
    return reactor;
  }
  what.description = request->description();
  what.created_by = (*caller)->name;

  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) {
    reactor->Finish(common::ToGrpcStatus(absl::UnavailableError("server shutting down")));
    return reactor;
  }
  if (running_) {
    reactor->Finish(
        common::ToGrpcStatus(absl::UnavailableError("another backup is running; retry later")));
    return reactor;
  }
  if (worker_.joinable()) worker_.join();  // the previous backup's thread, about to end
  running_ = true;
  worker_ = std::thread([this, what, reactor, response] {
    absl::StatusOr<BackupRecord> backup = backups_->Create(db_->store(), what);
    {
      std::lock_guard<std::mutex> done(mu_);
      running_ = false;
    }
    if (backup.ok()) {
      ToProto(*backup, response);
      if (!what.request_id.empty()) RecordRequest(what, *response);
    }
    reactor->Finish(common::ToGrpcStatus(backup.status()));
  });
  return reactor;
}

void RecordsAdminService::RecordRequest(const BackupRequest& what, const v1::Backup& response) {
  std::promise<absl::Status> recorded;
  SubmitRequestRecord(db_, what.request_id,
                      {"CreateBackup", what.request_hash, response.SerializeAsString(), {}},
                      [&recorded](const absl::Status& s) { recorded.set_value(s); });
  const absl::Status status = recorded.get_future().get();
  if (!status.ok()) {
    // A retry is still recognized by the backup's own metadata (BackupStore::Create).
    common::LogWarning("the backup's request_id was not recorded",
                       {{"request_id", what.request_id}, {"error", status.ToString()}});
  }
}

grpc::ServerUnaryReactor* RecordsAdminService::ListBackups(grpc::CallbackServerContext* context,
                                                           const v1::ListBackupsRequest* request,
                                                           v1::ListBackupsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = [&]() -> absl::Status {
    absl::StatusOr<std::shared_ptr<const common::Principal>> caller =
        Admit(*authorizer_, *context, "ListBackups", *request, backups_);
    if (!caller.ok()) return caller.status();
    absl::StatusOr<int> page_size = common::NormalizePageSize(request->page_size());
    if (!page_size.ok()) return page_size.status();
    absl::StatusOr<std::string> after =
        common::ParsePageToken(request->page_token(), kBackupsScope);
    if (!after.ok()) return after.status();
    uint32_t below = 0;  // page after the backup with this id (newest first)
    if (!after->empty() && !absl::SimpleAtoi(*after, &below)) {
      return common::InvalidField("page_token", "not a valid page token");
    }
    absl::StatusOr<std::vector<BackupRecord>> all = backups_->List();
    if (!all.ok()) return all.status();
    response->set_total_size(static_cast<int32_t>(all->size()));
    for (const BackupRecord& r : *all) {
      if (!after->empty() && r.backup_id >= below) continue;
      if (response->backups_size() == *page_size) {
        response->set_next_page_token(common::MakePageToken(
            std::to_string(response->backups(response->backups_size() - 1).backup_id()),
            kBackupsScope));
        break;
      }
      ToProto(r, response->add_backups());
    }
    return absl::OkStatus();
  }();
  reactor->Finish(common::ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* RecordsAdminService::VerifyBackup(grpc::CallbackServerContext* context,
                                                            const v1::VerifyBackupRequest* request,
                                                            v1::Backup* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = Admit(*authorizer_, *context, "VerifyBackup", *request, backups_).status();
  if (status.ok()) {
    absl::StatusOr<BackupRecord> backup = backups_->Verify(request->backup_id());
    if (backup.ok()) ToProto(*backup, response);
    status = backup.status();
  }
  reactor->Finish(common::ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* RecordsAdminService::DeleteBackup(grpc::CallbackServerContext* context,
                                                            const v1::DeleteBackupRequest* request,
                                                            google::protobuf::Empty* /*response*/) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = Admit(*authorizer_, *context, "DeleteBackup", *request, backups_).status();
  if (status.ok()) status = backups_->Delete(request->backup_id());
  reactor->Finish(common::ToGrpcStatus(status));
  return reactor;
}

}  // namespace records
