// File: services/records/service/dues_writes.h
//
// The write of one dues payment, shared by RecordDuesPayment and every row of
// ImportDuesPayments so that both record a payment by the same rules: the amount due and rate
// table computed and stored with it, the cell it is recorded at (a correction keeps its
// cell), and the month's remittance at that cell recomputed and republished when it is
// already recorded (a late payment changes the closing).
//
// Thread-safety: reentrant; reads the database, writes nothing (the plan is committed by
// write_path.h).
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "dangbo/records/v1/records_service.pb.h"
#include "services/records/service/call_context.h"
#include "services/records/storage/records_db.h"
#include "services/records/storage/write_plan.h"

namespace records {

// The plan of `request` (validated and normalized: domain::Validate, domain::NormalizeText).
// With `at_cell` set, a payment that would be recorded at another cell is refused
// (FAILED_PRECONDITION DUES_PAYMENT_OTHER_CELL): an import names its cell. The audit summary
// is "{ctx.method} {payment name}".
absl::StatusOr<WritePlan> PlanDuesPayment(
    const RecordsDb& db, const CallContext& ctx,
    const dangbo::records::v1::RecordDuesPaymentRequest& request, absl::string_view at_cell = "");

}  // namespace records
