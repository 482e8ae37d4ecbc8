// File: services/records/domain/personal_data.h
//
// Personal data (PII) of a member record, as member.proto lists it: birth_date, national_id,
// hometown, permanent_address, and the values of those fields in PROFILE_UPDATED events.
// Callers without the `pii.read` permission get these masked on every read path, and may not
// write them (UpdateMember), so that a masked read is never written back.
//
// Pure functions on the generated contracts; thread-safe.
#pragma once

#include <string>
#include <vector>

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

}  // namespace records::domain
