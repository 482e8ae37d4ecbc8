#include "common/permissions.h"

#include "absl/strings/str_cat.h"
#include "common/auth.h"

namespace common {
namespace {

constexpr char kRecords[] = "/dangbo.records.v1.RecordsService/";
constexpr char kRecordsAdmin[] = "/dangbo.records.v1.RecordsAdminService/";
constexpr char kAnalytics[] = "/dangbo.analytics.v1.AnalyticsService/";

std::map<std::string, std::string, std::less<>> BuildTable() {
  std::map<std::string, std::string, std::less<>> t;
  auto add = [&t](const char* service, std::initializer_list<const char*> methods,
                  const char* permission) {
    for (const char* method : methods) {
      t.emplace(absl::StrCat(service, method), permission);
    }
  };
  add(kRecords,
      {"GetOrganization", "ListOrganizations", "GetCell", "ListCells", "GetCellHeadcount",
       "GetMember", "ListMembers", "ExportMembers", "GetInspectionPlan", "ListInspectionPlans",
       "GetChangeLogState"},
      kRecordsRead);
  add(kRecords, {"WatchChanges", "WatchChangeBatches"}, kRecordsWatch);
  add(kRecords, {"CreateOrganization",  "UpdateOrganization", "CloseOrganization",
                 "CreateCell",          "UpdateCell",         "MergeCell",
                 "DissolveCell",        "SetCellCommittee",   "RateCell",
                 "UpdateMember",        "AdmitMember",        "ReceiveMember",
                 "RecognizeFullMember", "TransferMember",     "RemoveMember",
                 "ExpelMember",         "RecordMemberDeath",  "ReadmitMember",
                 "CorrectMemberEvent",  "RateMember",         "ImportMembers"},
      kRecordsWrite);
  // Inspection and discipline are the inspection commission's work.
  add(kRecords,
      {"DisciplineMember", "CreateInspectionPlan", "UpdateInspectionPlan", "NotifyInspectionItem",
       "StartInspectionItem", "ConcludeInspectionItem", "CloseInspectionItem",
       "CancelInspectionItem", "UpdateRecommendation"},
      kInspectionsWrite);
  // Dues: per-member amounts disclose salaries, so they have their own permissions (the
  // treasurer role); a basis amount needs pii.read besides, checked by the handler.
  add(kRecords,
      {"GetDuesRateTable", "ListDuesRateTables", "GetDuesSummary", "GetMeeting", "ListMeetings",
       "GetCellMeetingSummary"},
      kRecordsRead);
  add(kRecords,
      {"ListDuesBases", "GetDuesPayment", "ListDuesPayments", "ListDuesRemittances",
       "GetMemberDuesStatement"},
      kDuesRead);
  add(kRecords,
      {"CreateDuesBasis", "RecordDuesPayment", "ImportDuesPayments", "RecordDuesRemittance"},
      kDuesWrite);
  add(kRecords, {"CreateDuesRateTable"}, kDuesRatesWrite);
  add(kRecords, {"CreateMeeting", "UpdateMeeting"}, kRecordsWrite);
  add(kRecords, {"ListAuditEvents"}, kAuditRead);
  add(kRecordsAdmin, {"CreateBackup", "ListBackups", "VerifyBackup", "DeleteBackup"}, kAdminBackup);
  add(kAnalytics,
      {"GetIndicator", "ListIndicators", "ListObservations", "GetYearlyPerformance", "CompareYears",
       "GetTermSummary", "RankOrganizations", "GetIndicatorSeries", "GenerateReport",
       "GetPartyStatistics", "ListPartyStatistics", "GetFollowerStatus", "WatchIndicatorChanges"},
      kAnalyticsRead);
  add(kAnalytics, {"CreateIndicator", "UpdateIndicator", "DeleteIndicator", "RecordObservations"},
      kAnalyticsWrite);
  add("/grpc.health.v1.Health/", {"Check", "Watch"}, "");
  return t;
}

}  // namespace

const std::map<std::string, std::string, std::less<>>& MethodPermissions() {
  static const auto* table = new std::map<std::string, std::string, std::less<>>(BuildTable());
  return *table;
}

absl::StatusOr<std::string> PermissionFor(absl::string_view full_method) {
  const auto& table = MethodPermissions();
  auto it = table.find(full_method);
  if (it == table.end()) {
    return absl::NotFoundError(absl::StrCat("no permission entry for ", full_method));
  }
  return it->second;
}

}  // namespace common
