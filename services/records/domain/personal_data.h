// File: services/records/domain/personal_data.h
//
// Personal data (PII) of a member record, as member.proto lists it: birth_date, national_id,
// hometown, permanent_address, and the values of those fields in PROFILE_UPDATED events.
// Callers without the `pii.read` permission get these masked on every read path, and may not
// write them (UpdateMember), so that a masked read is never written back.
//
// Unique identifiers: national_id is unique among the records that hold a membership, and who
// holds a given national ID is personal data as much as the ID itself, so a uniqueness conflict
// on it (ALREADY_EXISTS MEMBER_NATIONAL_ID_TAKEN) names the holder only to callers with
// pii.read (service/write_path.h CheckUniqueKeys), and refused conflicts are audited.
// party_card_number and member_file_number are unique too but are not masked personal data
// here: they are the member's party identifiers, shown with the name to every caller that may
// read records (as on the party card and in the electronic handbook's member summary), and
// party_card_number is a ListMembers filter, so naming the holder of a conflict on them tells a
// caller nothing a read does not. A field added to PersonalDataFields() is masked on every read
// and withheld from conflicts at once.
//
// Pure functions on the generated contracts; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "dangbo/records/v1/dues.pb.h"
#include "dangbo/records/v1/meeting.pb.h"
#include "dangbo/records/v1/member.pb.h"
#include "dangbo/records/v1/records_service.pb.h"

namespace records::domain {

// The top-level Member fields that are personal data, in field order.
const std::vector<std::string>& PersonalDataFields();

// Whether a field path ("national_id", "birth_date.year") names personal data.
bool IsPersonalDataPath(const std::string& path);

// Clears the personal-data fields and the old/new values of their PROFILE_UPDATED changes,
// and lists each withheld field path in masked_fields (once, in field order). A member
// without personal data is left as it is.
void MaskPersonalData(dangbo::records::v1::Member* member);

// Whether UpdateMember would write personal data: a mask path naming it, "*", or (empty
// mask) a populated personal-data field in the patch.
bool WritesPersonalData(const dangbo::records::v1::UpdateMemberRequest& request);

// Dues and meetings. A dues basis amount (salary, pension) and a meeting's excuse reasons
// (they often name an illness) are personal data: masked without pii.read. A payment's
// amounts disclose the salary they are a share of: masked without dues.read where a reader
// may lack it (WatchChanges); so do a remittance's, whose month totals of a cell with one
// paying member are a share of that member's salary. Each returns whether anything was
// withheld.
bool MaskPersonalData(dangbo::records::v1::DuesBasis* basis);
bool MaskPersonalData(dangbo::records::v1::Meeting* meeting);
bool MaskDuesAmounts(dangbo::records::v1::DuesPayment* payment);
bool MaskDuesAmounts(dangbo::records::v1::DuesBasis* basis);
bool MaskDuesAmounts(dangbo::records::v1::DuesRemittance* remittance);
// A summary's amounts (per month and for the year) and its members in arrears; the counts
// stay. Every withheld path is listed in masked_fields, amounts that were 0 too: a reader
// must not take a withheld amount for nothing collected. Always true.
bool MaskDuesAmounts(dangbo::records::v1::DuesSummary* summary);

// Masks the resource held by a ChangeEvent or ResourceSnapshot (the same oneof names) for a
// reader with or without pii.read and dues.read.
template <typename Holder>
void MaskHeldResource(Holder* holder, bool pii_read, bool dues_read) {
  if (!pii_read) {
    if (holder->has_member()) MaskPersonalData(holder->mutable_member());
    if (holder->has_dues_basis()) MaskPersonalData(holder->mutable_dues_basis());
    if (holder->has_meeting()) MaskPersonalData(holder->mutable_meeting());
  }
  if (!dues_read) {
    if (holder->has_dues_basis()) MaskDuesAmounts(holder->mutable_dues_basis());
    if (holder->has_dues_payment()) MaskDuesAmounts(holder->mutable_dues_payment());
    if (holder->has_dues_remittance()) MaskDuesAmounts(holder->mutable_dues_remittance());
  }
}

}  // namespace records::domain
