// ImportDuesPayments: a cell's payments in one call, each row written as RecordDuesPayment
// writes one (dues_writes.h), through the same write path (write_path.h RunWrite: request id,
// re-plan after a lost race, audit of failures).
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "common/work_pool.h"
#include "services/records/domain/names.h"
#include "services/records/domain/validation.h"
#include "services/records/service/dues_writes.h"
#include "services/records/service/handler_util.h"
#include "services/records/service/records_service.h"
#include "services/records/service/resource_reads.h"
#include "services/records/service/row_errors.h"
#include "services/records/storage/request_records.h"

namespace records {
namespace {

constexpr char kMethod[] = "ImportDuesPayments";

// The RecordDuesPayment request a row stands for. It carries no request_id: the row's
// (RowRequestId) goes in the call context, and is not one a client could send.
v1::RecordDuesPaymentRequest RowRequest(const v1::ImportDuesPaymentRow& row) {
  v1::RecordDuesPaymentRequest request;
  request.set_parent(row.member());
  *request.mutable_dues_payment() = row.dues_payment();
  return request;
}

// A RecordDuesPaymentRequest field path as the row names it: its "parent" is the row's member.
std::string RowField(const std::string& path) { return path == "parent" ? "member" : path; }

// One import: the rows are written one at a time, in row order, so that each row's plan sees
// the rows before it (payments of one month recompute the same remittance). Each row runs on
// the work pool (its plan reads the database; the commit callback must not), or inline
// without one. A cancelled call or a passed deadline stops at a row boundary: the rows written
// stay written, and a resend with the same request_id resumes.
class DuesImport : public std::enable_shared_from_this<DuesImport> {
 public:
  DuesImport(RecordsDb* db, common::WorkPool* pool, grpc::CallbackServerContext* context,
             grpc::ServerUnaryReactor* reactor, CallContext ctx,
             const v1::ImportDuesPaymentsRequest* request, v1::ImportDuesPaymentsResponse* response)
      : db_(db),
        pool_(pool),
        context_(context),
        reactor_(reactor),
        ctx_(std::move(ctx)),
        request_(request),
        response_(response) {}

  // Starts the rows on the pool: RESOURCE_EXHAUSTED when it is full.
  void Start() {
    response_->set_received(request_->rows_size());
    auto self = shared_from_this();
    if (pool_ != nullptr && !pool_->Submit([self] { self->Run(); })) {
      reactor_->Finish(common::ToGrpcStatus(common::WorkPoolFullError(kMethod)));
      return;
    }
    if (pool_ == nullptr) Run();
  }

 private:
  // Handles rows until one is being committed (Written resumes) or none is left.
  void Run() {
    while (next_ < request_->rows_size()) {
      if (context_->IsCancelled()) return Stop();
      if (StartRow(next_++)) return;
    }
    SortRowErrors(response_->mutable_errors());
    reactor_->Finish(grpc::Status::OK);
  }

  // Checks row `i` and, unless the call only validates, starts its write: true when a write
  // was started (it resumes the import when done), false when the row is handled already.
  bool StartRow(int i) {
    const v1::ImportDuesPaymentRow& row = request_->rows(i);
    v1::RecordDuesPaymentRequest request = RowRequest(row);
    absl::Status valid = domain::Validate(request);
    if (valid.ok()) valid = domain::NormalizeText(&request);
    if (!valid.ok()) {
      AddError(row.row(), valid);
      return false;
    }
    CallContext row_ctx = ctx_;
    if (request_->validate_only()) {
      absl::StatusOr<WritePlan> plan = PlanDuesPayment(*db_, row_ctx, request, request_->parent());
      if (!plan.ok()) AddError(row.row(), plan.status());
      return false;
    }
    bool written_before = false;
    if (!request_->request_id().empty()) {
      row_ctx.request_id = RowRequestId(request_->request_id(), row.row());
      absl::StatusOr<std::optional<RequestRecord>> done =
          FindRequestRecord(*db_, row_ctx.request_id);
      written_before = done.ok() && done->has_value();
    }
    auto self = shared_from_this();
    auto payment = std::make_shared<v1::DuesPayment>();
    const bool client_etag = !request.dues_payment().etag().empty();
    RunWrite(
        db_, row_ctx, request, client_etag,
        [db = db_, row_ctx, request, cell = request_->parent()]() {
          return PlanDuesPayment(*db, row_ctx, request, cell);
        },
        nullptr, payment.get(),
        [self, row = row.row(), payment, written_before](const absl::Status& status) {
          self->Written(row, status, *payment, written_before);
        });
    return true;
  }

  // Row `row` was written (or refused): counts it, then goes on with the next row on the pool
  // (this runs on the commit thread), inline when the pool refuses.
  void Written(int row, const absl::Status& status, const v1::DuesPayment& payment,
               bool written_before) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!status.ok()) {
        AddErrorLocked(row, status);
      } else {
        if (written_before) {
          response_->set_already_committed(response_->already_committed() + 1);
        } else {
          response_->set_committed(response_->committed() + 1);
          last_committed_row_ = row;
        }
        *response_->add_dues_payments() = payment;
      }
    }
    auto self = shared_from_this();
    if (pool_ == nullptr || !pool_->Submit([self] { self->Run(); })) Run();
  }

  void AddError(int row, const absl::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    AddErrorLocked(row, status);
  }
  void AddErrorLocked(int row, const absl::Status& status) {
    // Errors without a field: the member when it is the member's (not found, in no or
    // another cell), else the whole row.
    const std::string reason = common::ErrorReason(status);
    const bool member = reason == "MEMBER_NOT_FOUND" || reason == "MEMBER_NOT_IN_CELL" ||
                        reason == "DUES_PAYMENT_OTHER_CELL";
    AddRowErrors(row, status, response_->mutable_errors(), member ? "member" : "", RowField);
  }

  // The call was cancelled or its deadline passed between two rows: reports how far it got
  // (to the log and the audit log too: a cancelled client never sees the status).
  void Stop() {
    const bool expired =
        context_->deadline() <= std::chrono::system_clock::now() + std::chrono::milliseconds(500);
    const int handled = next_;  // rows before the stop; the next one was not started
    const std::string message = absl::StrCat(
        kMethod, expired ? " ran out of time (deadline exceeded)" : " was cancelled", " after ",
        handled, " of ", request_->rows_size(), " rows: ", response_->committed(),
        " written by this call, ", response_->already_committed(),
        " written earlier; resend with the same request_id to resume");
    const absl::Status status = common::WithReason(
        expired ? absl::DeadlineExceededError(message) : absl::CancelledError(message),
        expired ? "IMPORT_DEADLINE_EXCEEDED" : "IMPORT_CANCELLED",
        {{"committedRows", absl::StrCat(response_->committed())},
         {"lastCommittedRow", absl::StrCat(last_committed_row_)},
         {"alreadyCommittedRows", absl::StrCat(response_->already_committed())},
         {"receivedRows", absl::StrCat(response_->received())}});
    CallContext audit_ctx = ctx_;
    audit_ctx.request_id = request_->request_id();
    AuditFailure(db_, audit_ctx, request_->parent(), status);
    common::LogInfo("dues import stopped", {{"parent", request_->parent()},
                                            {"request_id", request_->request_id()},
                                            {"committed", response_->committed()},
                                            {"deadline_exceeded", expired}});
    reactor_->Finish(common::ToGrpcStatus(status));
  }

  RecordsDb* const db_;
  common::WorkPool* const pool_;
  grpc::CallbackServerContext* const context_;  // outlives the import (the reactor finishes)
  grpc::ServerUnaryReactor* const reactor_;
  const CallContext ctx_;
  const v1::ImportDuesPaymentsRequest* const request_;
  v1::ImportDuesPaymentsResponse* const response_;
  std::mutex mu_;  // response_ while a row's callback and the pool may both touch it
  int next_ = 0;   // the next row to handle; only the running Run touches it
  int last_committed_row_ = 0;
};

}  // namespace

grpc::ServerUnaryReactor* RecordsService::ImportDuesPayments(
    grpc::CallbackServerContext* context, const v1::ImportDuesPaymentsRequest* request,
    v1::ImportDuesPaymentsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::shared_ptr<const common::Principal>> caller =
      authorizer_->Authorize(*context, kMethod, *request);
  absl::Status status = caller.status();
  if (status.ok()) status = domain::Validate(*request);
  if (status.ok()) {
    status = [&]() -> absl::Status {
      ASSIGN_OR_RETURN(domain::CellName cell, domain::ParseCellName(request->parent(), "parent"));
      return LoadCell(*db_, cell.organization, cell.cell).status();
    }();
  }
  if (!status.ok()) {
    reactor->Finish(common::ToGrpcStatus(status));
    return reactor;
  }
  std::make_shared<DuesImport>(db_, options_.scan_pool, context, reactor,
                               MakeCallContext(**caller, kMethod), request, response)
      ->Start();
  return reactor;
}

}  // namespace records
