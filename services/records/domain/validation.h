// File: services/records/domain/validation.h
//
// Request-alone validation of every RecordsService request (records_service.proto): what can
// be decided from the request and today's date, before anything is read or written. Each
// Validate() collects ALL violations and returns OK or one INVALID_ARGUMENT (built with
// common::FieldViolations: a google.rpc.BadRequest with one entry per violation, field paths
// as in the proto, e.g. "member.national_id", "inspection_plan.items[2].window_end").
//
// Checked here: REQUIRED fields, formats (resource names and ids, identifiers, request_id),
// lengths (limits below), enum values not UNSPECIFIED where required, dates valid and not in
// the future where the contract says so, date order within the request, page_size >= 0,
// filter / order_by syntax and size bounds against the method's allow-list (filter_specs
// below; common/list_query.h for the bounds every List method shares), page_token
// well-formed is checked by the handler with common::ParsePageToken (it needs the scope),
// age rules of admission (≥ 18 on the admission decision date counted by calendar months;
// over 60, i.e. an age of 60 years and 1 month or more, needs over_age_approval), rating score
// bands, and kind-specific fields of transfers.
// NOT checked here (need stored state): existence, uniqueness, lifecycle rules, etags.
//
// Text is measured in Unicode code points of its NFC form after common::NormalizeName for
// names (invalid UTF-8 is a violation). Use NormalizeText() to rewrite a request's text into
// the stored form (NFC; names also trimmed with white space collapsed) before storing it.
//
// Length limits (code points) where the proto states none: reason/note/remarks 2000,
// DecisionRef.number 64, issuing_body 200, purpose 500 (from the proto), conclusion text 10000,
// any free-form string not otherwise bounded 2000. The request_id rule: 1 to 64 characters
// of [A-Za-z0-9_-] (a UUID4 in canonical form is accepted as well: its hyphens are in the
// set), as the service comment says.
//
// `today` is the current day in ICT; the default reads the clock.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/list_query.h"
#include "dangbo/records/v1/records_service.pb.h"
#include "google/protobuf/message.h"
#include "services/records/domain/dates.h"

namespace records::domain {

namespace v1 = ::dangbo::records::v1;

// Limits (code points unless stated).
inline constexpr int kMaxNameLength = 100;  // full_name, birth_name, aliases
inline constexpr int kMaxAliases = 10;
inline constexpr int kMaxDisplayNameLength = 200;  // organization / cell display_name
inline constexpr int kMaxAddressLength = 300;      // hometown, permanent_address
inline constexpr int kMaxShortTextLength = 50;     // ethnicity, religion
inline constexpr int kMaxReasonLength = 2000;      // reason, note, violation_summary, text
inline constexpr int kMaxConclusionTextLength = 10000;
inline constexpr int kMaxDecisionNumberLength = 64;
inline constexpr int kMaxIssuingBodyLength = 200;
inline constexpr int kMaxPurposeLength = 500;
inline constexpr int kMaxRequestIdLength = 64;
inline constexpr int kMaxPlanItems = 500;
inline constexpr int kMaxTeam = 20;
inline constexpr int kMaxCommitteeMembers = 20;
inline constexpr int kMaxRecommendations = 50;
inline constexpr int kMaxManagedProvinces = 64;
// ImportDuesPayments: a cell's month is rarely more than a hundred members; the bound keeps a
// call's writes (each a RecordDuesPayment) to seconds.
inline constexpr int kMaxImportDuesRows = 500;
// ListMembers / ExportMembers `name_query`: a full name is at most kMaxNameLength code points
// and rarely more than 6 words. (Whole filter and order_by: common/list_query.h.)
inline constexpr int kMaxNameQueryLength = kMaxNameLength;
inline constexpr int kMaxNameQueryWords = 10;
// WatchChanges resource_types: every type once (ChangeEvent.ResourceType has 9), with room for
// types to come; duplicates are harmless.
inline constexpr int kMaxWatchResourceTypes = 16;
inline constexpr int kAdmissionMinAgeMonths = 18 * 12;
inline constexpr int kAdmissionMaxAgeMonths = 60 * 12;  // above this: over_age_approval

// True for a well-formed request_id (1 to 64 of [A-Za-z0-9_-]).
bool IsValidRequestId(absl::string_view request_id);

// Age in whole calendar months on `on` of a person born `birth`.
int AgeInMonths(absl::CivilDay birth, absl::CivilDay on);

// Rewrites every string field of `message` (recursively) into its stored form: NFC, and for
// names (full_name, birth_name, aliases, display_name) trimmed with white space collapsed
// (common::NormalizeName). INVALID_ARGUMENT naming the first field that is not valid UTF-8.
absl::Status NormalizeText(google::protobuf::Message* message);

// Organizations.
absl::Status Validate(const v1::CreateOrganizationRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::GetOrganizationRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ListOrganizationsRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::UpdateOrganizationRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::CloseOrganizationRequest& request,
                      absl::CivilDay today = TodayIct());

// Cells.
absl::Status Validate(const v1::CreateCellRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::GetCellRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ListCellsRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::UpdateCellRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::MergeCellRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::DissolveCellRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::SetCellCommitteeRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::RateCellRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::GetCellHeadcountRequest& request,
                      absl::CivilDay today = TodayIct());

// Members.
absl::Status Validate(const v1::GetMemberRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ListMembersRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::UpdateMemberRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::AdmitMemberRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ReceiveMemberRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::RecognizeFullMemberRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::TransferMemberRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::RemoveMemberRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ExpelMemberRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::RecordMemberDeathRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ReadmitMemberRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::CorrectMemberEventRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::RateMemberRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::DisciplineMemberRequest& request,
                      absl::CivilDay today = TodayIct());
// ImportMembers: the header, and each row (field paths relative to the row, e.g.
// "member.national_id", so they fit RowError.field). A message of the stream is validated
// with the overload for its payload; an empty payload is INVALID_ARGUMENT.
absl::Status Validate(const v1::ImportMembersRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ImportMembersHeader& header, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ImportMemberRow& row, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ExportMembersRequest& request, absl::CivilDay today = TodayIct());

// Inspection plans.
absl::Status Validate(const v1::CreateInspectionPlanRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::GetInspectionPlanRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ListInspectionPlansRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::UpdateInspectionPlanRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::NotifyInspectionItemRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::StartInspectionItemRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ConcludeInspectionItemRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::CloseInspectionItemRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::CancelInspectionItemRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::UpdateRecommendationRequest& request,
                      absl::CivilDay today = TodayIct());

// Party dues (dues.proto). Amounts are whole đồng, 0 to 10^12; months from 2011-01 (the
// first year of Quyết định 342-QĐ/TW); a basis or a payment may start up to 12 months ahead
// (payment in advance), a remittance not after the current month. A payment of 0 needs its
// unpaid_reason; a positive one its paid_date. Bases, payments and remittances have "YYYY-MM"
// ids; rate tables start on the first of a month and name each category and level once.
absl::Status Validate(const v1::CreateDuesRateTableRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::GetDuesRateTableRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ListDuesRateTablesRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::CreateDuesBasisRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ListDuesBasesRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::RecordDuesPaymentRequest& request,
                      absl::CivilDay today = TodayIct());
// ImportDuesPayments: the call alone (parent, request_id, 1 to kMaxImportDuesRows rows, row
// numbers >= 1 and unique); each row is checked as a RecordDuesPaymentRequest when written.
absl::Status Validate(const v1::ImportDuesPaymentsRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::GetDuesPaymentRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ListDuesPaymentsRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::RecordDuesRemittanceRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ListDuesRemittancesRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::GetMemberDuesStatementRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::GetDuesSummaryRequest& request, absl::CivilDay today = TodayIct());

// Cell meetings (meeting.proto): date not in the future, topic 1 to 300 characters, each
// member at most once in the attendance, EXCUSED with a reason and only EXCUSED with one;
// UpdateMeeting may name topic, presiding_member, minutes_reference, attendance.
absl::Status Validate(const v1::CreateMeetingRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::GetMeetingRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ListMeetingsRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::UpdateMeetingRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::GetCellMeetingSummaryRequest& request,
                      absl::CivilDay today = TodayIct());

// Change stream and audit.
absl::Status Validate(const v1::WatchChangesRequest& request, absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::GetChangeLogStateRequest& request,
                      absl::CivilDay today = TodayIct());
absl::Status Validate(const v1::ListAuditEventsRequest& request, absl::CivilDay today = TodayIct());

// The filter and order_by allow-lists of each List method, as the proto documents them; the
// handlers use the same lists to interpret the parsed terms.
const common::FilterSpec& OrganizationFilterSpec();
const common::FilterSpec& CellFilterSpec();
const common::FilterSpec& MemberFilterSpec();
const common::FilterSpec& InspectionPlanFilterSpec();
const common::FilterSpec& AuditEventFilterSpec();
const common::FilterSpec& DuesPaymentFilterSpec();          // period.year, period.month
const common::FilterSpec& MeetingFilterSpec();              // year, kind
const std::vector<std::string>& OrganizationOrderFields();  // name, display_name, code
const std::vector<std::string>& CellOrderFields();          // display_name, name, established_date
const std::vector<std::string>& MemberOrderFields();        // admission_date, party_card_number
const std::vector<std::string>& InspectionPlanOrderFields();  // year, name
const std::vector<std::string>& AuditEventOrderFields();      // sequence

}  // namespace records::domain
