// File: services/records/domain/member_rules.h
//
// The member lifecycle as pure functions over dangbo.records.v1.Member.
//
// The member file is append-only: every function returns a NEW Member equal to the input
// plus one appended LifecycleEvent (never rewriting earlier events), with the lifecycle
// fields (state, cell, temporary_organization, admission_date, party_entry_date,
// full_membership_date, readmitted, ratings, disciplines, statistics) recomputed by Replay()
// from the history with its corrections applied. On error the input is untouched and nothing should
// be written.
//
// Errors:
// - INVALID_ARGUMENT: what validation.h already rejects is assumed checked (call Validate
//   first); the few request rules that need the member (e.g. effective_date given and not the
//   12-month date, correction mask paths that do not fit the event's kind, basis missing for
//   an identity change) are INVALID_ARGUMENT here.
// - FAILED_PRECONDITION (common::RuleViolation, subject = the member name) for party rules;
//   the ErrorInfo reason is one of the k* reasons below and the message names the rule and
//   the dates involved, e.g. "probation not complete: party entry 10/03/2023 + 12 months =
//   10/03/2024, after the decision date 09/03/2024 (Điều lệ Điều 5.1)".
// - ALREADY_EXISTS (reason MEMBER_YEAR_ALREADY_RATED) for a second rating of a year.
// - NOT_FOUND (reason MEMBER_EVENT_NOT_FOUND) for a correction of an unknown event_id.
//
// Cross-resource facts are NOT looked up here; the caller passes them in and stays
// responsible for: existence of the parent organization, cells, destination organizations,
// inspection plans/items (NOT_FOUND); uniqueness of national_id / party_card_number /
// member_file_number (ALREADY_EXISTS); organization CLOSED; etags; PII permission. Where a
// rule needs another resource's state (the cell joined must be ACTIVE and in the member's
// organization; the source member of a ReceiveMember), it is an argument.
//
// Thread-safe (no shared state).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/member.pb.h"
#include "dangbo/records/v1/records_service.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace records::domain {

namespace v1 = ::dangbo::records::v1;

// ErrorInfo reasons of the lifecycle rules.
inline constexpr char kMemberNotActive[] = "MEMBER_NOT_ACTIVE";  // not on the lists
inline constexpr char kMemberNotProbationary[] = "MEMBER_NOT_PROBATIONARY";
inline constexpr char kProbationNotComplete[] = "PROBATION_NOT_COMPLETE";
inline constexpr char kTransferStateNotAllowed[] = "TRANSFER_STATE_NOT_ALLOWED";
inline constexpr char kTransferSameCell[] = "TRANSFER_SAME_CELL";
inline constexpr char kCellNotActive[] = "CELL_NOT_ACTIVE";
inline constexpr char kCellOtherOrganization[] = "CELL_OTHER_ORGANIZATION";
inline constexpr char kRemovalGroundNotAllowed[] = "REMOVAL_GROUND_NOT_ALLOWED";
inline constexpr char kExpulsionOfProbationary[] = "EXPULSION_OF_PROBATIONARY";
inline constexpr char kMemberAlreadyLeft[] = "MEMBER_ALREADY_LEFT";  // terminal state
inline constexpr char kDeathBeforeBirth[] = "DEATH_BEFORE_BIRTH";
inline constexpr char kMemberNotFormer[] = "MEMBER_NOT_FORMER";  // readmit: not REMOVED/EXPELLED
inline constexpr char kReadmissionAlreadyUsed[] = "READMISSION_ALREADY_USED";
inline constexpr char kReadmissionTooEarly[] = "READMISSION_TOO_EARLY";
inline constexpr char kReadmissionExcluded[] = "READMISSION_EXCLUDED";  // ground excludes it
inline constexpr char kAgeBelowMinimum[] = "AGE_BELOW_MINIMUM";         // readmission age
inline constexpr char kOverAgeApprovalMissing[] = "OVER_AGE_APPROVAL_MISSING";
inline constexpr char kEventNotCorrectable[] = "EVENT_NOT_CORRECTABLE";
inline constexpr char kCorrectionBreaksRule[] = "CORRECTION_BREAKS_RULE";
inline constexpr char kNotAMemberInYear[] = "NOT_A_MEMBER_IN_YEAR";
inline constexpr char kYearAlreadyRated[] = "MEMBER_YEAR_ALREADY_RATED";
inline constexpr char kDisciplineFormNotAllowed[] = "DISCIPLINE_FORM_NOT_ALLOWED";
inline constexpr char kEventBeforePrevious[] = "EVENT_BEFORE_PREVIOUS";  // effective date order
inline constexpr char kSourceMemberNotTransferred[] = "SOURCE_MEMBER_NOT_TRANSFERRED";
inline constexpr char kEventNotFound[] = "MEMBER_EVENT_NOT_FOUND";

// Probation (Điều lệ Điều 5.1) and readmission wait (QĐ 294 §3.5), in calendar months.
inline constexpr int kProbationMonths = 12;
inline constexpr int kReadmissionWaitMonths = 36;

// Who records an event, and when. The caller supplies them so the functions stay pure.
struct EventContext {
  std::string principal;                    // -> LifecycleEvent.recorded_by
  google::protobuf::Timestamp record_time;  // -> LifecycleEvent.record_time
  std::string event_id;  // empty: "e" + (1-based position in the history), the contract's form
};

// --- Creating a member record ------------------------------------------------------------

// The new member of an admission: the request's profile (OUTPUT_ONLY fields dropped), name
// `member_name`, one ADMITTED event (decision, effective_date = ceremony_date, to_cell =
// cell), state PROBATIONARY, admission_date = decision.date, party_entry_date = ceremony.
// `cell` is the cell joined (must be ACTIVE and under the member's organization:
// FAILED_PRECONDITION CELL_NOT_ACTIVE / CELL_OTHER_ORGANIZATION).
absl::StatusOr<v1::Member> AdmitMember(const v1::AdmitMemberRequest& request,
                                       absl::string_view member_name, const v1::Cell& cell,
                                       const EventContext& context);

// An imported row: as AdmitMember, then, when the row carries recognition_decision, a
// RECOGNIZED_FULL event under RecognizeFullMember's rules. Event ids e1, e2 (context.event_id
// is ignored). `parent` is the import header's organization.
absl::StatusOr<v1::Member> ImportMember(const v1::ImportMemberRow& row, absl::string_view parent,
                                        absl::string_view member_name, const v1::Cell& cell,
                                        const EventContext& context);

// The new record of a received member: OFFICIAL -> TRANSFERRED_IN (state PROBATIONARY or
// FULL by full_membership_date), TEMPORARY -> TEMPORARY_HOSTED_IN (TEMPORARILY_HOSTED).
// With `source` (the member's record in the organization they come from, when kept here):
// it must be TRANSFERRED_OUT (OFFICIAL) or TEMPORARILY_AWAY (TEMPORARY) with its last such
// event's destination naming the receiving organization (FAILED_PRECONDITION
// SOURCE_MEMBER_NOT_TRANSFERRED); its profile and membership facts (admission dates,
// readmitted, party-age start) are copied. Without `source` they come from the request. The
// carried facts are recorded in the event's carried_membership so Replay() can rebuild them.
absl::StatusOr<v1::Member> ReceiveMember(const v1::ReceiveMemberRequest& request,
                                         absl::string_view member_name, const v1::Cell& cell,
                                         const v1::Member* source, const EventContext& context);

// --- Custom methods on an existing member ------------------------------------------------

// PROBATIONARY (or TEMPORARILY_AWAY without full_membership_date) -> FULL (state stays
// TEMPORARILY_AWAY when away). The decision date must be on or after party_entry_date + 12
// months (PROBATION_NOT_COMPLETE); the event's effective_date is that 12-month date even when
// decided later; a request effective_date that differs is INVALID_ARGUMENT.
absl::StatusOr<v1::Member> RecognizeFullMember(const v1::Member& member,
                                               const v1::RecognizeFullMemberRequest& request,
                                               const EventContext& context);

// OFFICIAL_TO_CELL (PROBATIONARY, FULL; `target_cell` required: ACTIVE, same organization,
// not the current cell), OFFICIAL_OUT (PROBATIONARY, FULL, TEMPORARILY_AWAY),
// TEMPORARY_OUT (PROBATIONARY, FULL), TEMPORARY_RETURN (TEMPORARILY_AWAY),
// TEMPORARY_HOSTING_END (TEMPORARILY_HOSTED). `target_cell` is ignored for other kinds and
// may be null. Other states: FAILED_PRECONDITION TRANSFER_STATE_NOT_ALLOWED.
absl::StatusOr<v1::Member> TransferMember(const v1::Member& member,
                                          const v1::TransferMemberRequest& request,
                                          const v1::Cell* target_cell, const EventContext& context);

// A merge moves every member whose cell is the merged cell (counted or hosted) to the
// target: a TRANSFERRED_CELL event citing the merge decision, effective the day after the
// merge's effective_date. Members not in the merged cell, or not on the lists, are returned
// unchanged.
absl::StatusOr<v1::Member> MoveMemberForMerge(const v1::Member& member,
                                              const v1::MergeCellRequest& request,
                                              const EventContext& context);

// PROBATIONARY, FULL or TEMPORARILY_AWAY -> REMOVED. Ground PROBATION_NOT_RECOGNIZED only for
// probationary members (REMOVAL_GROUND_NOT_ALLOWED).
absl::StatusOr<v1::Member> RemoveMember(const v1::Member& member,
                                        const v1::RemoveMemberRequest& request,
                                        const EventContext& context);

// FULL, or TEMPORARILY_AWAY with full_membership_date -> EXPELLED with an EXPULSION
// discipline record. Probationary members: EXPULSION_OF_PROBATIONARY (Quy định 69 Art. 7:
// only reprimand or warning; use RemoveMember).
absl::StatusOr<v1::Member> ExpelMember(const v1::Member& member,
                                       const v1::ExpelMemberRequest& request,
                                       const EventContext& context);

// Any state except TRANSFERRED_OUT, REMOVED, EXPELLED, DECEASED -> DECEASED. Date of death
// before birth_date: INVALID_ARGUMENT.
absl::StatusOr<v1::Member> RecordMemberDeath(const v1::Member& member,
                                             const v1::RecordMemberDeathRequest& request,
                                             const EventContext& context);

// REMOVED or EXPELLED -> PROBATIONARY in `cell` (ACTIVE, same organization). Once only
// (READMISSION_ALREADY_USED); decision date ≥ leaving date + 36 months
// (READMISSION_TOO_EARLY); refused after VOLUNTARY_WITHDRAWAL or NOT_PARTICIPATING
// (READMISSION_EXCLUDED); age rules of admission on the decision date (≥ 18; over 60 cannot be
// approved through this method: OVER_AGE_APPROVAL_MISSING).
absl::StatusOr<v1::Member> ReadmitMember(const v1::Member& member,
                                         const v1::ReadmitMemberRequest& request,
                                         const v1::Cell& cell, const EventContext& context);

// Appends a CORRECTED event (basis, reason, corrects_event_id, voids_event or
// corrected_fields + corrected_values) and replays. CORRECTED and PROFILE_UPDATED events
// cannot be corrected (EVENT_NOT_CORRECTABLE); mask paths must fit the corrected event's kind
// (INVALID_ARGUMENT naming "correction_mask"); a replay that breaks a rule is
// FAILED_PRECONDITION CORRECTION_BREAKS_RULE naming the broken rule.
absl::StatusOr<v1::Member> CorrectMemberEvent(const v1::Member& member,
                                              const v1::CorrectMemberEventRequest& request,
                                              const EventContext& context);

// A RATED event. One rating per year (ALREADY_EXISTS); the member must have been on the lists
// (PROBATIONARY, FULL, TEMPORARILY_AWAY) on at least one day of the year
// (NOT_A_MEMBER_IN_YEAR).
absl::StatusOr<v1::Member> RateMember(const v1::Member& member,
                                      const v1::RateMemberRequest& request,
                                      const EventContext& context);

// A DISCIPLINED event (discipline_id "d" + n). The member must be on the lists of this
// organization (MEMBER_NOT_ACTIVE); probationary members only REPRIMAND or WARNING
// (DISCIPLINE_FORM_NOT_ALLOWED).
absl::StatusOr<v1::Member> DisciplineMember(const v1::Member& member,
                                            const v1::DisciplineMemberRequest& request,
                                            const EventContext& context);

// --- Profile updates (UpdateMember) ------------------------------------------------------

// The profile fields UpdateMember may name (AIP-134 paths in Member).
const std::vector<std::string>& MemberProfilePaths();
// PII paths (birth_date, national_id, hometown, permanent_address): naming one needs pii.read.
bool IsPiiPath(absl::string_view path);

// The profile paths the request updates: the mask's paths ("education" expanded to its three
// sub-paths), every populated profile field when the mask is empty, every profile field for
// "*". INVALID_ARGUMENT naming "update_mask" for any other path (state and OUTPUT_ONLY fields
// included). The handler checks PII permission on these before loading the member.
absl::StatusOr<std::vector<std::string>> MemberUpdatePaths(const v1::UpdateMemberRequest& request);

// Applies the profile update: the fields in MemberUpdatePaths() take the request's values; a
// PROFILE_UPDATED event lists each field whose value changed (old/new as text: dates ISO 8601,
// enums by name, lists joined with "; ") with basis and reason. Changing an identity field
// (full_name, birth_name, gender, birth_date, national_id, member_file_number) without a basis
// is INVALID_ARGUMENT; the resulting profile is re-validated (identifier consistency with
// gender and birth date) — INVALID_ARGUMENT naming "member.<path>". When nothing changes, the
// member is returned unchanged (no event). The handler checks uniqueness of changed
// identifiers (see the event's profile_changes).
absl::StatusOr<v1::Member> UpdateMemberProfile(const v1::Member& member,
                                               const v1::UpdateMemberRequest& request,
                                               const EventContext& context);

// --- Replay and derived fields -----------------------------------------------------------

// Recomputes the lifecycle fields from the history with corrections applied (later
// corrections of the same path win; voided events are skipped), checking every rule as of
// each event. FAILED_PRECONDITION naming the first event that breaks a rule. Profile fields,
// name, etag and times are kept; derived fields (FillDerived) are not touched.
absl::StatusOr<v1::Member> Replay(const v1::Member& member);

// Sets member->statistics (MemberStatistics in member.proto: what the record adds to its
// organization's party statistics) from the history with its corrections applied. Append
// and Replay() set it on every change; this fills it for a record stored without it.
void SetStatistics(v1::Member* member);

// The event `event_id` as it reads with the corrections recorded so far applied.
absl::StatusOr<v1::LifecycleEvent> EffectiveEvent(const v1::Member& member,
                                                  absl::string_view event_id);

// Sets the OUTPUT_ONLY derived fields as of `today`: full_name_upper (common::ToUpperVi),
// party_age_years / party_age_months (from the first admission date for members who are or
// were full, excluding the periods out of the party, up to today or up to the date the member
// left), next_badge_years / next_badge_date (30, 40, 45, ..., 90 years; 0 when not on the
// active lists, never full, or past 90) and derived_as_of = today. Expects a replayed member.
void FillDerived(v1::Member* member, absl::CivilDay today);

// Where a member stands at the END of `day`, from the history (corrections applied).
struct MemberPosition {
  v1::Member::State state = v1::Member::STATE_UNSPECIFIED;  // UNSPECIFIED: not yet recorded
  std::string cell;   // the cell, as Member.cell would have read that day
  bool full = false;  // full member that day (full_membership_date reached)
  // Counted in `cell`'s headcount: PROBATIONARY, FULL, TEMPORARILY_AWAY.
  bool counted() const;
};
MemberPosition MemberPositionAt(const v1::Member& member, absl::CivilDay day);

// The headcount of `cell` at the end of `as_of` from the given member records (any records;
// those not in the cell that day are ignored, as are records of other organizations):
// official / probationary (incl. temporarily away), temporarily_away, hosted not counted,
// total_counted. Sets cell and as_of.
v1::GetCellHeadcountResponse CellHeadcount(absl::string_view cell, absl::CivilDay as_of,
                                           const std::vector<const v1::Member*>& members);

// State helpers.
bool IsOnActiveLists(
    v1::Member::State state);             // PROBATIONARY FULL TEMPORARILY_AWAY TEMPORARILY_HOSTED
bool IsCounted(v1::Member::State state);  // PROBATIONARY FULL TEMPORARILY_AWAY

}  // namespace records::domain
