// File: services/records/service/records_service.h
//
// RecordsService: the gRPC handlers of dangbo.records.v1.RecordsService, split by resource
// over organization_handlers.cc, cell_handlers.cc, member_handlers.cc,
// inspection_handlers.cc, dues_handlers.cc, meeting_handlers.cc, change_stream.cc,
// audit_handlers.cc and import_export.cc. Each
// handler is thin: validate (domain) -> load -> rule (domain) -> commit (write_path.h) ->
// reply. Unary handlers never block on a commit: the reply is sent from the commit
// callback.
//
// Every handler authorizes first (common/authorizer.h) and masks members' personal data
// for callers without `pii.read` (domain/personal_data.h).
//
// Thread-safety: gRPC calls the handlers concurrently; the service holds no mutable state
// besides the change hub (thread-safe).
#pragma once

#include <memory>

#include "absl/time/time.h"
#include "common/authorizer.h"
#include "common/change_hub.h"
#include "common/work_pool.h"
#include "dangbo/records/v1/records_service.grpc.pb.h"
#include "services/records/storage/records_db.h"

namespace records {

namespace v1 = ::dangbo::records::v1;

struct RecordsServiceOptions {
  absl::Duration change_log_retention = absl::Hours(24 * 7);  // reported by GetChangeLogState
  int import_chunk_rows = 100;  // ImportMembers commits valid rows in groups of this size
  // Where list scans, searches, export pages and headcounts run (common/work_pool.h), off
  // gRPC's callback threads; not owned, outlives the service. Null: inline.
  common::WorkPool* scan_pool = nullptr;
};

class RecordsService final : public v1::RecordsService::CallbackService {
 public:
  // `db`, `hub` and `authorizer` are not owned and must outlive the service. Every handler
  // authorizes its call with `authorizer` first (before validation and existence checks).
  RecordsService(RecordsDb* db, common::ChangeHub* hub, const common::Authorizer* authorizer,
                 RecordsServiceOptions options);

  grpc::ServerUnaryReactor* CreateOrganization(grpc::CallbackServerContext* context,
                                               const v1::CreateOrganizationRequest* request,
                                               v1::Organization* response) override;
  grpc::ServerUnaryReactor* GetOrganization(grpc::CallbackServerContext* context,
                                            const v1::GetOrganizationRequest* request,
                                            v1::Organization* response) override;
  grpc::ServerUnaryReactor* ListOrganizations(grpc::CallbackServerContext* context,
                                              const v1::ListOrganizationsRequest* request,
                                              v1::ListOrganizationsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateOrganization(grpc::CallbackServerContext* context,
                                               const v1::UpdateOrganizationRequest* request,
                                               v1::Organization* response) override;
  grpc::ServerUnaryReactor* CloseOrganization(grpc::CallbackServerContext* context,
                                              const v1::CloseOrganizationRequest* request,
                                              v1::Organization* response) override;
  grpc::ServerUnaryReactor* CreateCell(grpc::CallbackServerContext* context,
                                       const v1::CreateCellRequest* request,
                                       v1::Cell* response) override;
  grpc::ServerUnaryReactor* GetCell(grpc::CallbackServerContext* context,
                                    const v1::GetCellRequest* request, v1::Cell* response) override;
  grpc::ServerUnaryReactor* ListCells(grpc::CallbackServerContext* context,
                                      const v1::ListCellsRequest* request,
                                      v1::ListCellsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateCell(grpc::CallbackServerContext* context,
                                       const v1::UpdateCellRequest* request,
                                       v1::Cell* response) override;
  grpc::ServerUnaryReactor* MergeCell(grpc::CallbackServerContext* context,
                                      const v1::MergeCellRequest* request,
                                      v1::Cell* response) override;
  grpc::ServerUnaryReactor* DissolveCell(grpc::CallbackServerContext* context,
                                         const v1::DissolveCellRequest* request,
                                         v1::Cell* response) override;
  grpc::ServerUnaryReactor* SetCellCommittee(grpc::CallbackServerContext* context,
                                             const v1::SetCellCommitteeRequest* request,
                                             v1::Cell* response) override;
  grpc::ServerUnaryReactor* RateCell(grpc::CallbackServerContext* context,
                                     const v1::RateCellRequest* request,
                                     v1::Cell* response) override;
  grpc::ServerUnaryReactor* GetCellHeadcount(grpc::CallbackServerContext* context,
                                             const v1::GetCellHeadcountRequest* request,
                                             v1::GetCellHeadcountResponse* response) override;
  grpc::ServerUnaryReactor* GetMember(grpc::CallbackServerContext* context,
                                      const v1::GetMemberRequest* request,
                                      v1::Member* response) override;
  grpc::ServerUnaryReactor* ListMembers(grpc::CallbackServerContext* context,
                                        const v1::ListMembersRequest* request,
                                        v1::ListMembersResponse* response) override;
  grpc::ServerUnaryReactor* UpdateMember(grpc::CallbackServerContext* context,
                                         const v1::UpdateMemberRequest* request,
                                         v1::Member* response) override;
  grpc::ServerUnaryReactor* AdmitMember(grpc::CallbackServerContext* context,
                                        const v1::AdmitMemberRequest* request,
                                        v1::Member* response) override;
  grpc::ServerUnaryReactor* ReceiveMember(grpc::CallbackServerContext* context,
                                          const v1::ReceiveMemberRequest* request,
                                          v1::Member* response) override;
  grpc::ServerUnaryReactor* RecognizeFullMember(grpc::CallbackServerContext* context,
                                                const v1::RecognizeFullMemberRequest* request,
                                                v1::Member* response) override;
  grpc::ServerUnaryReactor* TransferMember(grpc::CallbackServerContext* context,
                                           const v1::TransferMemberRequest* request,
                                           v1::Member* response) override;
  grpc::ServerUnaryReactor* RemoveMember(grpc::CallbackServerContext* context,
                                         const v1::RemoveMemberRequest* request,
                                         v1::Member* response) override;
  grpc::ServerUnaryReactor* ExpelMember(grpc::CallbackServerContext* context,
                                        const v1::ExpelMemberRequest* request,
                                        v1::Member* response) override;
  grpc::ServerUnaryReactor* RecordMemberDeath(grpc::CallbackServerContext* context,
                                              const v1::RecordMemberDeathRequest* request,
                                              v1::Member* response) override;
  grpc::ServerUnaryReactor* ReadmitMember(grpc::CallbackServerContext* context,
                                          const v1::ReadmitMemberRequest* request,
                                          v1::Member* response) override;
  grpc::ServerUnaryReactor* CorrectMemberEvent(grpc::CallbackServerContext* context,
                                               const v1::CorrectMemberEventRequest* request,
                                               v1::Member* response) override;
  grpc::ServerUnaryReactor* RateMember(grpc::CallbackServerContext* context,
                                       const v1::RateMemberRequest* request,
                                       v1::Member* response) override;
  grpc::ServerUnaryReactor* DisciplineMember(grpc::CallbackServerContext* context,
                                             const v1::DisciplineMemberRequest* request,
                                             v1::Member* response) override;
  grpc::ServerUnaryReactor* CreateInspectionPlan(grpc::CallbackServerContext* context,
                                                 const v1::CreateInspectionPlanRequest* request,
                                                 v1::InspectionPlan* response) override;
  grpc::ServerUnaryReactor* GetInspectionPlan(grpc::CallbackServerContext* context,
                                              const v1::GetInspectionPlanRequest* request,
                                              v1::InspectionPlan* response) override;
  grpc::ServerUnaryReactor* ListInspectionPlans(grpc::CallbackServerContext* context,
                                                const v1::ListInspectionPlansRequest* request,
                                                v1::ListInspectionPlansResponse* response) override;
  grpc::ServerUnaryReactor* UpdateInspectionPlan(grpc::CallbackServerContext* context,
                                                 const v1::UpdateInspectionPlanRequest* request,
                                                 v1::InspectionPlan* response) override;
  grpc::ServerUnaryReactor* NotifyInspectionItem(grpc::CallbackServerContext* context,
                                                 const v1::NotifyInspectionItemRequest* request,
                                                 v1::InspectionPlan* response) override;
  grpc::ServerUnaryReactor* StartInspectionItem(grpc::CallbackServerContext* context,
                                                const v1::StartInspectionItemRequest* request,
                                                v1::InspectionPlan* response) override;
  grpc::ServerUnaryReactor* ConcludeInspectionItem(grpc::CallbackServerContext* context,
                                                   const v1::ConcludeInspectionItemRequest* request,
                                                   v1::InspectionPlan* response) override;
  grpc::ServerUnaryReactor* CloseInspectionItem(grpc::CallbackServerContext* context,
                                                const v1::CloseInspectionItemRequest* request,
                                                v1::InspectionPlan* response) override;
  grpc::ServerUnaryReactor* CancelInspectionItem(grpc::CallbackServerContext* context,
                                                 const v1::CancelInspectionItemRequest* request,
                                                 v1::InspectionPlan* response) override;
  grpc::ServerUnaryReactor* UpdateRecommendation(grpc::CallbackServerContext* context,
                                                 const v1::UpdateRecommendationRequest* request,
                                                 v1::InspectionPlan* response) override;
  // Party dues (dues_handlers.cc) and cell meetings (meeting_handlers.cc).
  grpc::ServerUnaryReactor* CreateDuesRateTable(grpc::CallbackServerContext* context,
                                                const v1::CreateDuesRateTableRequest* request,
                                                v1::DuesRateTable* response) override;
  grpc::ServerUnaryReactor* GetDuesRateTable(grpc::CallbackServerContext* context,
                                             const v1::GetDuesRateTableRequest* request,
                                             v1::DuesRateTable* response) override;
  grpc::ServerUnaryReactor* ListDuesRateTables(grpc::CallbackServerContext* context,
                                               const v1::ListDuesRateTablesRequest* request,
                                               v1::ListDuesRateTablesResponse* response) override;
  grpc::ServerUnaryReactor* CreateDuesBasis(grpc::CallbackServerContext* context,
                                            const v1::CreateDuesBasisRequest* request,
                                            v1::DuesBasis* response) override;
  grpc::ServerUnaryReactor* ListDuesBases(grpc::CallbackServerContext* context,
                                          const v1::ListDuesBasesRequest* request,
                                          v1::ListDuesBasesResponse* response) override;
  grpc::ServerUnaryReactor* RecordDuesPayment(grpc::CallbackServerContext* context,
                                              const v1::RecordDuesPaymentRequest* request,
                                              v1::DuesPayment* response) override;
  // dues_import.cc
  grpc::ServerUnaryReactor* ImportDuesPayments(grpc::CallbackServerContext* context,
                                               const v1::ImportDuesPaymentsRequest* request,
                                               v1::ImportDuesPaymentsResponse* response) override;
  grpc::ServerUnaryReactor* GetDuesPayment(grpc::CallbackServerContext* context,
                                           const v1::GetDuesPaymentRequest* request,
                                           v1::DuesPayment* response) override;
  grpc::ServerUnaryReactor* ListDuesPayments(grpc::CallbackServerContext* context,
                                             const v1::ListDuesPaymentsRequest* request,
                                             v1::ListDuesPaymentsResponse* response) override;
  grpc::ServerUnaryReactor* RecordDuesRemittance(grpc::CallbackServerContext* context,
                                                 const v1::RecordDuesRemittanceRequest* request,
                                                 v1::DuesRemittance* response) override;
  grpc::ServerUnaryReactor* ListDuesRemittances(grpc::CallbackServerContext* context,
                                                const v1::ListDuesRemittancesRequest* request,
                                                v1::ListDuesRemittancesResponse* response) override;
  grpc::ServerUnaryReactor* GetMemberDuesStatement(grpc::CallbackServerContext* context,
                                                   const v1::GetMemberDuesStatementRequest* request,
                                                   v1::MemberDuesStatement* response) override;
  grpc::ServerUnaryReactor* GetDuesSummary(grpc::CallbackServerContext* context,
                                           const v1::GetDuesSummaryRequest* request,
                                           v1::DuesSummary* response) override;
  grpc::ServerUnaryReactor* CreateMeeting(grpc::CallbackServerContext* context,
                                          const v1::CreateMeetingRequest* request,
                                          v1::Meeting* response) override;
  grpc::ServerUnaryReactor* GetMeeting(grpc::CallbackServerContext* context,
                                       const v1::GetMeetingRequest* request,
                                       v1::Meeting* response) override;
  grpc::ServerUnaryReactor* ListMeetings(grpc::CallbackServerContext* context,
                                         const v1::ListMeetingsRequest* request,
                                         v1::ListMeetingsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateMeeting(grpc::CallbackServerContext* context,
                                          const v1::UpdateMeetingRequest* request,
                                          v1::Meeting* response) override;
  grpc::ServerUnaryReactor* GetCellMeetingSummary(grpc::CallbackServerContext* context,
                                                  const v1::GetCellMeetingSummaryRequest* request,
                                                  v1::CellMeetingSummary* response) override;
  grpc::ServerUnaryReactor* GetChangeLogState(grpc::CallbackServerContext* context,
                                              const v1::GetChangeLogStateRequest* request,
                                              v1::GetChangeLogStateResponse* response) override;
  grpc::ServerUnaryReactor* ListAuditEvents(grpc::CallbackServerContext* context,
                                            const v1::ListAuditEventsRequest* request,
                                            v1::ListAuditEventsResponse* response) override;
  grpc::ServerWriteReactor<v1::ChangeEvent>* WatchChanges(
      grpc::CallbackServerContext* context, const v1::WatchChangesRequest* request) override;
  grpc::ServerWriteReactor<v1::ChangeBatch>* WatchChangeBatches(
      grpc::CallbackServerContext* context, const v1::WatchChangesRequest* request) override;
  grpc::ServerReadReactor<v1::ImportMembersRequest>* ImportMembers(
      grpc::CallbackServerContext* context, v1::ImportMembersResponse* response) override;
  grpc::ServerWriteReactor<v1::Member>* ExportMembers(
      grpc::CallbackServerContext* context, const v1::ExportMembersRequest* request) override;

  RecordsDb* db() const { return db_; }
  const RecordsServiceOptions& options() const { return options_; }

 private:
  RecordsDb* db_;
  common::ChangeHub* hub_;
  const common::Authorizer* authorizer_;
  RecordsServiceOptions options_;
};

}  // namespace records
